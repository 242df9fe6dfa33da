#include "agent/refresh/connector_file.h"

#include <doctest/doctest.h>

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
