// get-connector's output against what nova-manage prints for the same dict
// (jsonutils.dumps and format_dict/PrettyTable; expected texts taken from
// Python 3.11 with prettytable 3.6).
#include "agent/commands/connector_format.h"

#include <doctest/doctest.h>

namespace {

agent::host::ConnectorProperties Sample() {
  agent::host::ConnectorProperties props;
  props.Set("platform", std::string("x86_64"));
  props.Set("os_type", std::string("linux"));
  props.Set("ip", std::string("192.0.2.10"));
  props.Set("host", std::string("compute1"));
  props.Set("multipath", false);
  props.Set("wwpns", std::vector<std::string>{"10000090fa1b2c3d", "10000090fa1b2c3e"});
  props.Set("system uuid", std::string("4c4c4544"));
  return props;
}

}  // namespace

TEST_CASE("agent::commands::FormatConnectorJson") {
  auto json = agent::commands::FormatConnectorJson(Sample());
  REQUIRE(json.ok());
  CHECK(*json ==
        "{\"platform\": \"x86_64\", \"os_type\": \"linux\", \"ip\": \"192.0.2.10\", \"host\": \"compute1\", "
        "\"multipath\": false, \"wwpns\": [\"10000090fa1b2c3d\", \"10000090fa1b2c3e\"], \"system uuid\": "
        "\"4c4c4544\"}\n");
  agent::host::ConnectorProperties latin;
  latin.Set("host", std::string("h\xc3\xa9"));
  CHECK(*agent::commands::FormatConnectorJson(latin) == "{\"host\": \"h\\u00e9\"}\n");
  agent::host::ConnectorProperties broken;
  broken.Set("host", std::string("\xff"));
  CHECK_FALSE(agent::commands::FormatConnectorJson(broken).ok());
}

TEST_CASE("agent::commands::FormatConnectorTable") {
  CHECK(agent::commands::FormatConnectorTable(Sample()) ==
        "+-------------+------------------------------------------+\n"
        "| Property    | Value                                    |\n"
        "+-------------+------------------------------------------+\n"
        "| host        | compute1                                 |\n"
        "| ip          | 192.0.2.10                               |\n"
        "| multipath   | False                                    |\n"
        "| os_type     | linux                                    |\n"
        "| platform    | x86_64                                   |\n"
        "| system uuid | 4c4c4544                                 |\n"
        "| wwpns       | ['10000090fa1b2c3d', '10000090fa1b2c3e'] |\n"
        "+-------------+------------------------------------------+\n");
}

TEST_CASE("agent::commands::PythonStrRepr") {
  CHECK(agent::commands::PythonStrRepr("abc") == "'abc'");
  CHECK(agent::commands::PythonStrRepr("it's") == "\"it's\"");
  CHECK(agent::commands::PythonStrRepr("a'b\"c") == "'a\\'b\"c'");
  CHECK(agent::commands::PythonStrRepr("a\\b\n\t\x01") == "'a\\\\b\\n\\t\\x01'");
  CHECK(agent::commands::PythonStrRepr("\xc3\xa9\xc2\xa0") == "'\xc3\xa9\\xa0'");
}
