// Unit tests of rpc/uuid4: the shape Python's uuid module gives, and that
// the caller's generator alone decides the ids.
#include "rpc/uuid4.h"

#include <random>
#include <set>
#include <string>

#include <doctest/doctest.h>

TEST_CASE("rpc::NewUuid4Hex") {
  std::mt19937_64 rng(42);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = rpc::NewUuid4Hex(rng);
    CAPTURE(id);
    REQUIRE(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(id[12] == '4');
    CHECK(std::string("89ab").find(id[16]) != std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 100);
  std::mt19937_64 a(7);
  std::mt19937_64 b(7);
  CHECK(rpc::NewUuid4Hex(a) == rpc::NewUuid4Hex(b));
  const std::string dashed = rpc::NewUuid4(a);
  CHECK(dashed.size() == 36);
  CHECK((dashed[8] == '-' && dashed[13] == '-' && dashed[18] == '-' && dashed[23] == '-'));
  CHECK(dashed[14] == '4');
}
