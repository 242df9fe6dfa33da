// os-brick's key order and merge rules (os_brick/initiator/connector.py
// get_connector_properties over unix_connector_list, version 6.1).
#include "agent/host/connector_properties.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

using agent::host::AssembleConnector;
using agent::host::ConnectorRequest;
using agent::host::HostFacts;

std::vector<std::string> Keys(const agent::host::ConnectorProperties& props) {
  std::vector<std::string> keys;
  for (const auto& p : props.items()) keys.push_back(p.key);
  return keys;
}

HostFacts Bare() {
  HostFacts facts;
  facts.machine = "x86_64";
  facts.hostname = "node-7";
  return facts;
}

HostFacts Everything() {
  HostFacts facts = Bare();
  facts.multipathd_running = true;
  facts.initiator = "iqn.1993-08.org.debian:01:abc";
  facts.wwpns = {"10000090fa1b2c3d", "10000090fa1b2c3e"};
  facts.wwnns = {"20000090fa1b2c3d", "20000090fa1b2c3e"};
  facts.root_fs_uuid = "0d7e6f2a-1111-2222-3333-444455556666";
  facts.system_uuid = "4c4c4544-0042-3110-8052-b4c04f4e3332";
  facts.nvme_cli_present = true;
  facts.host_nqn = "nqn.2014-08.org.nvmexpress:uuid:abc";
  facts.nvme_native_multipath = true;
  facts.dsc_found = false;
  return facts;
}

}  // namespace

TEST_CASE("agent::host::AssembleConnector") {
  ConnectorRequest request{"192.0.2.10", "compute1", false, true};
  SUBCASE("a bare host: the base keys, multipath, do_local_attach, nvme_native_multipath") {
    auto props = AssembleConnector(request, Bare());
    REQUIRE(props.ok());
    CHECK(Keys(*props) == std::vector<std::string>{"platform", "os_type", "ip", "host", "multipath",
                                                   "do_local_attach", "nvme_native_multipath"});
    CHECK(std::get<std::string>(*props->Find("os_type")) == "linux");
    CHECK(std::get<std::string>(*props->Find("host")) == "compute1");
    CHECK(std::get<bool>(*props->Find("multipath")) == false);
  }
  SUBCASE("every connector contributing, in os-brick's order") {
    request.multipath = true;
    auto props = AssembleConnector(request, Everything());
    REQUIRE(props.ok());
    CHECK(Keys(*props) == std::vector<std::string>{"platform", "os_type", "ip", "host", "multipath", "initiator",
                                                   "wwpns", "wwnns", "do_local_attach", "uuid", "system uuid",
                                                   "nqn", "nvme_native_multipath", "found_dsc"});
    CHECK(std::get<bool>(*props->Find("multipath")) == true);
    CHECK(std::get<std::string>(*props->Find("found_dsc")).empty());
  }
  SUBCASE("without the nvme CLI the NQN comes from LightOS, after nvme_native_multipath") {
    HostFacts facts = Everything();
    facts.nvme_cli_present = false;
    facts.dsc_found = true;
    auto props = AssembleConnector(request, facts);
    REQUIRE(props.ok());
    const std::vector<std::string> keys = Keys(*props);
    CHECK(std::vector<std::string>(keys.end() - 3, keys.end()) ==
          std::vector<std::string>{"nvme_native_multipath", "nqn", "found_dsc"});
    CHECK(std::get<std::string>(*props->Find("found_dsc")) == "found");
  }
  SUBCASE("empty values are left out; no host means the hostname") {
    HostFacts facts = Bare();
    facts.initiator = "";
    facts.root_fs_uuid = "";
    request.host = "";
    auto props = AssembleConnector(request, facts);
    REQUIRE(props.ok());
    CHECK(props->Find("initiator") == nullptr);
    CHECK(props->Find("uuid") == nullptr);
    CHECK(props->Find("system uuid") == nullptr);
    CHECK(props->Find("nqn") == nullptr);
    CHECK(std::get<std::string>(*props->Find("host")) == "node-7");
  }
  SUBCASE("multipath requested and enforced without multipathd fails") {
    request.multipath = true;
    HostFacts facts = Bare();
    facts.multipathd_detail = "'multipathd show status': exit code 1";
    auto props = AssembleConnector(request, facts);
    REQUIRE_FALSE(props.ok());
    CHECK(props.error().code() == base::Code::kFailedPrecondition);
    CHECK(props.error().message().find("exit code 1") != std::string::npos);
    request.enforce_multipath = false;
    auto relaxed = AssembleConnector(request, facts);
    REQUIRE(relaxed.ok());
    CHECK(std::get<bool>(*relaxed->Find("multipath")) == false);
  }
}

TEST_CASE("agent::host::ConnectorProperties::Set keeps the first position") {
  agent::host::ConnectorProperties props;
  props.Set("a", true);
  props.Set("b", std::string("x"));
  props.Set("a", false);
  CHECK(Keys(props) == std::vector<std::string>{"a", "b"});
  CHECK(std::get<bool>(*props.Find("a")) == false);
}
