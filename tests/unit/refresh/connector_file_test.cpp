#include "agent/refresh/connector_file.h"

#include <sys/stat.h>

#include <chrono>

#include <doctest/doctest.h>

#include "agent/input/limits.h"
#include "tests/support/finishes_within.h"
#include "tests/support/temp_dir.h"

using agent::refresh::Connector;
using agent::refresh::ConnectorError;
using agent::refresh::ConnectorFailure;

TEST_CASE("ReadConnector: nova-manage's two failures, told apart") {
  auto missing = agent::refresh::ReadConnector("/nonexistent/connector.json");
  REQUIRE(std::holds_alternative<ConnectorError>(missing));
  CHECK(std::get<ConnectorError>(missing).kind == ConnectorFailure::kMissing);
  CHECK(std::get<ConnectorError>(missing).status.message() ==
        "Invalid input received: Connector file not found at /nonexistent/connector.json");

  for (const char* text : {"", "{", "[1,2]", "{\"ip\":\"10.0.0.1\"}", "{\"host\": 5}", "{\"host\": \"\"}"}) {
    auto parsed = agent::refresh::ParseConnector(text, "c.json");
    REQUIRE(std::holds_alternative<ConnectorError>(parsed));
    CHECK(std::get<ConnectorError>(parsed).kind == ConnectorFailure::kUnreadable);
  }
}

TEST_CASE("ParseConnector: the object is kept whole, host read") {
  auto parsed = agent::refresh::ParseConnector(
      R"({ "platform": "x86_64", "host": "cmp1", "multipath": false, "wwpns": ["a", "b"] })", "c.json");
  REQUIRE(std::holds_alternative<Connector>(parsed));
  CHECK(std::get<Connector>(parsed).host == "cmp1");
  CHECK(std::get<Connector>(parsed).json ==
        R"({"platform":"x86_64","host":"cmp1","multipath":false,"wwpns":["a","b"]})");
}

namespace {

// The message of a refused connector (kUnreadable), or "" when accepted.
std::string Unreadable(const std::variant<Connector, ConnectorError>& result) {
  const auto* error = std::get_if<ConnectorError>(&result);
  if (error == nullptr) return "";
  CHECK(error->kind == ConnectorFailure::kUnreadable);
  return error->status.message();
}

}  // namespace

TEST_CASE("ParseConnector: a key twice is refused at any depth (issue 9: Cinder reads the last)") {
  CHECK(Unreadable(agent::refresh::ParseConnector(R"({"host":"compute1","host":"other"})", "c.json")) ==
        "Failed to open c.json. Does it contain valid connector_info data? "
        "(key \"host\" appears twice in the top-level object)");
  CHECK(Unreadable(agent::refresh::ParseConnector(R"({"host":"compute1","nvme":{"a":1,"a":2}})", "c.json")) ==
        "Failed to open c.json. Does it contain valid connector_info data? "
        "(key \"a\" appears twice in the object at /nvme)");
}

TEST_CASE("ParseConnector: limits and what Python's json refuses (issue 9)") {
  CHECK(Unreadable(agent::refresh::ParseConnector(std::string(200000, '['), "c.json")) ==
        "Failed to open c.json. Does it contain valid connector_info data? "
        "(nested deeper than 64 levels at offset 64)");
  CHECK(Unreadable(agent::refresh::ParseConnector(std::string("{\"host\":\"c\"}\0{\"host\":\"x\"}", 25), "c.json"))
            .ends_with("(NUL byte at offset 12)"));
  CHECK(Unreadable(agent::refresh::ParseConnector("\xef\xbb\xbf{\"host\":\"c\"}", "c.json"))
            .ends_with("(UTF-8 byte order mark at offset 0)"));
  CHECK(Unreadable(agent::refresh::ParseConnector("{\"host\":\"c\xff\"}", "c.json"))
            .ends_with("(Invalid encoding in string at offset 10)"));
  const std::string big = R"({"host":"c","pad":")" + std::string(agent::input::kMaxConnectorBytes, ' ') + "\"}";
  CHECK(Unreadable(agent::refresh::ParseConnector(big, "c.json")).ends_with("(larger than 1048576 bytes)"));
  std::string grows = R"({"host":"c","n":[1e9)";  // each "1e9" is written back as "1000000000.0"
  while (grows.size() < agent::input::kMaxConnectorBytes - 8) grows += ",1e9";
  CHECK(Unreadable(agent::refresh::ParseConnector(grows + "]}", "c.json")) ==
        "the connector in c.json is larger than 1048576 bytes once written as compact JSON");
  CHECK(Unreadable(agent::refresh::ParseConnector("{\"host\":\"c\"}\r\n", "c.json")).empty());  // CR LF is blank
  CHECK(Unreadable(agent::refresh::ParseConnector(R"({"host":["compute1"]})", "c.json")) ==
        "the connector in c.json has no \"host\" (run bdm-agent get-connector on the compute host)");
}

TEST_CASE("ReadConnector: only a regular file, never blocking (issue 9)") {
  test::TempDir dir;
  CHECK(Unreadable(agent::refresh::ReadConnector(dir.path())) ==
        "cannot read the connector file " + dir.path() + ": is a directory");
  CHECK(Unreadable(agent::refresh::ReadConnector("/dev/zero")) ==
        "cannot read the connector file /dev/zero: is a character device, not a regular file");
  const std::string fifo = dir.path() + "/c.json";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto from_fifo = test::FinishesWithin(std::chrono::seconds(10), "ReadConnector(FIFO)",
                                        [&] { return agent::refresh::ReadConnector(fifo); });
  CHECK(Unreadable(from_fifo) == "cannot read the connector file " + fifo + ": is a FIFO, not a regular file");
  const std::string file = dir.Write("ok.json", R"({"host":"cmp1"})");
  auto read = agent::refresh::ReadConnector(file);
  REQUIRE(std::holds_alternative<Connector>(read));
  CHECK(std::get<Connector>(read).host == "cmp1");
}
