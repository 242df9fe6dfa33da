// Unit tests of rpc/recent_id_cache: the bounded duplicate check an RPC
// server applies to _unique_id (oslo's _MsgIdCache, 16 ids).
#include "rpc/recent_id_cache.h"

#include <string>

#include <doctest/doctest.h>

TEST_CASE("rpc::RecentIdCache") {
  SUBCASE("an id is new once, then a duplicate") {
    rpc::RecentIdCache cache;
    CHECK(cache.capacity() == rpc::kOsloDuplicateCheckSize);
    CHECK(cache.Insert("a"));
    CHECK(cache.Contains("a"));
    CHECK_FALSE(cache.Insert("a"));
    CHECK(cache.size() == 1);
  }
  SUBCASE("empty ids are never stored, so never duplicates") {
    rpc::RecentIdCache cache(4);
    CHECK_FALSE(cache.Insert(""));
    CHECK_FALSE(cache.Insert(""));
    CHECK_FALSE(cache.Contains(""));
    CHECK(cache.size() == 0);
  }
  SUBCASE("bounded: the oldest id is forgotten first") {
    rpc::RecentIdCache cache(3);
    for (const char* id : {"a", "b", "c"}) CHECK(cache.Insert(id));
    CHECK(cache.Insert("d"));  // forgets "a"
    CHECK(cache.size() == 3);
    CHECK_FALSE(cache.Contains("a"));
    CHECK(cache.Contains("b"));
    CHECK(cache.Contains("d"));
    CHECK_FALSE(cache.Insert("b"));  // a duplicate does not refresh or evict
    CHECK(cache.Insert("e"));        // forgets "b"
    CHECK_FALSE(cache.Contains("b"));
    CHECK(cache.Insert("a"));  // seen too long ago: taken as new, like oslo
  }
  SUBCASE("stays bounded over many ids") {
    rpc::RecentIdCache cache(16);
    for (int i = 0; i < 10000; ++i) CHECK(cache.Insert(std::to_string(i)));
    CHECK(cache.size() == 16);
    CHECK(cache.Contains("9999"));
    CHECK(cache.Contains("9984"));
    CHECK_FALSE(cache.Contains("9983"));
  }
  SUBCASE("a zero capacity counts as one") {
    rpc::RecentIdCache cache(0);
    CHECK(cache.capacity() == 1);
    CHECK(cache.Insert("a"));
    CHECK_FALSE(cache.Insert("a"));
  }
}
