#include "agent/fleet/host_connectors.h"

#include <atomic>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/temp_dir.h"

namespace {

using agent::fleet::HostConnectors;
using agent::fleet::IsPlausibleHostName;
using agent::refresh::Connector;
using agent::refresh::ConnectorError;
using agent::refresh::ConnectorFailure;

const ConnectorError* ErrorOf(const agent::fleet::ConnectorLookup& lookup) { return std::get_if<ConnectorError>(&lookup); }

TEST_CASE("a host's connector comes from <dir>/<host>.json, else from asking, once per host") {
  test::TempDir dir;
  dir.Write("compute1.json", R"({"host": "compute1", "initiator": "iqn.x"})");
  dir.Write("broken.json", "{not json");
  std::atomic<int> asked{0};
  HostConnectors connectors(dir.path(), [&](const std::string& host) -> agent::fleet::ConnectorLookup {
    ++asked;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return Connector{R"({"host":")" + host + R"("})", host};
  });
  auto from_file = connectors.Get("compute1");
  REQUIRE(std::holds_alternative<Connector>(from_file));
  CHECK(std::get<Connector>(from_file).host == "compute1");
  CHECK(asked == 0);

  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) threads.emplace_back([&] { CHECK(std::holds_alternative<Connector>(connectors.Get("compute2"))); });
  for (auto& t : threads) t.join();
  CHECK(asked == 1);

  // A file that exists but does not read is that host's answer: no asking around it.
  auto broken = connectors.Get("broken");
  REQUIRE(ErrorOf(broken) != nullptr);
  CHECK(ErrorOf(broken)->kind == ConnectorFailure::kUnreadable);
  CHECK(asked == 1);
}

TEST_CASE("without a file or anyone to ask, a host has no connector; odd host names name no file") {
  test::TempDir dir;
  HostConnectors only_dir(dir.path(), nullptr);
  auto missing = only_dir.Get("compute9");
  REQUIRE(ErrorOf(missing) != nullptr);
  CHECK(ErrorOf(missing)->kind == ConnectorFailure::kMissing);
  CHECK(ErrorOf(missing)->status.message().find(dir.path()) != std::string::npos);

  dir.Write("x.json", R"({"host": "../x"})");
  auto odd = only_dir.Get("../x");
  REQUIRE(ErrorOf(odd) != nullptr);
  CHECK(ErrorOf(odd)->kind == ConnectorFailure::kUnreadable);

  HostConnectors nothing(std::nullopt, nullptr);
  CHECK(ErrorOf(nothing.Get("compute1"))->kind == ConnectorFailure::kMissing);
  CHECK(ErrorOf(nothing.Get(""))->kind == ConnectorFailure::kMissing);
}

TEST_CASE("plausible host names") {
  CHECK(IsPlausibleHostName("compute1"));
  CHECK(IsPlausibleHostName("cmp-01.rack_2.example.org"));
  CHECK_FALSE(IsPlausibleHostName(""));
  CHECK_FALSE(IsPlausibleHostName(".hidden"));
  CHECK_FALSE(IsPlausibleHostName("a/b"));
  CHECK_FALSE(IsPlausibleHostName("a b"));
  CHECK_FALSE(IsPlausibleHostName(std::string(256, 'a')));
}

}  // namespace
