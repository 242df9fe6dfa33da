// The host file readers of agent/host/, pointed at a temporary root laid out
// like the real /etc and /sys (os-brick reads the same files at their real
// paths; tests/cli/test_get_connector.py compares the two on such a tree).
#include "agent/host/host_files.h"

#include <stdlib.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/host/dsc_probe.h"
#include "agent/host/host_probe.h"
#include "agent/host/my_ip.h"
#include "tests/support/temp_dir.h"

namespace {

using agent::host::HostPaths;

// A temporary root for the host's files, removed with its contents when it goes away.
class TempRoot {
 public:
  void Write(const std::string& absolute, const std::string& text) const {
    const std::filesystem::path path = paths().At(absolute);
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  HostPaths paths() const { return HostPaths{dir_.path()}; }

 private:
  test::TempDir dir_;
};

}  // namespace

TEST_CASE("agent::host::PythonStrip") {
  CHECK(agent::host::PythonStrip("  a b\t\n") == "a b");
  CHECK(agent::host::PythonStrip("\x1c\x0b\x0cY\r\n") == "Y");
  CHECK(agent::host::PythonStrip(" \n ") == "");
}

TEST_CASE("agent::host::ParseInitiatorName") {
  struct Case {
    const char* text;
    std::optional<std::string> want;
  };
  const std::vector<Case> cases = {
      {"## comment\nInitiatorName=iqn.1993-08.org.debian:01:abc\n", "iqn.1993-08.org.debian:01:abc"},
      {"InitiatorName= iqn.a \r\n", "iqn.a"},
      {"InitiatorName=iqn.first\nInitiatorName=iqn.second\n", "iqn.first"},
      {"InitiatorName=iqn.a=b", "iqn.a=b"},    // split at the first '='
      {"InitiatorName=\n", ""},                // present but empty: os-brick leaves the key out
      {" InitiatorName=iqn.a\n", std::nullopt},  // must start the line
      {"initiatorname=iqn.a\n", std::nullopt},   // case matters
      {"#InitiatorName=iqn.a\n", std::nullopt},
      {"", std::nullopt},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(agent::host::ParseInitiatorName(c.text) == c.want);
  }
}

TEST_CASE("agent::host::ReadIscsiInitiator") {
  TempRoot root;
  CHECK(agent::host::ReadIscsiInitiator(root.paths()) == std::nullopt);
  root.Write("/etc/iscsi/initiatorname.iscsi", "## DO NOT EDIT\nInitiatorName=iqn.2004-10.com.ubuntu:01:f00\n");
  CHECK(agent::host::ReadIscsiInitiator(root.paths()) == "iqn.2004-10.com.ubuntu:01:f00");
}

TEST_CASE("agent::host::ReadFcHosts and OnlineFcPortNames") {
  TempRoot root;
  SUBCASE("no fc_host class: nothing") { CHECK(agent::host::ReadFcHosts(root.paths()).empty()); }
  SUBCASE("online ports only, 0x removed, unreadable hosts skipped") {
    root.Write("/sys/class/fc_host/host5/port_name", "0x10000090fa1b2c3d\n");
    root.Write("/sys/class/fc_host/host5/node_name", "0x20000090fa1b2c3d\n");
    root.Write("/sys/class/fc_host/host5/port_state", "Online\n");
    root.Write("/sys/class/fc_host/host6/port_name", "0x10000090fa1b2c3e\n");
    root.Write("/sys/class/fc_host/host6/node_name", "0x20000090fa1b2c3e\n");
    root.Write("/sys/class/fc_host/host6/port_state", "Linkdown\n");
    root.Write("/sys/class/fc_host/host7/port_name", "0x10000090fa1b2c3f\n");  // no node_name/port_state
    root.Write("/sys/class/fc_host/.host8/port_name", "0x1\n");
    const std::vector<agent::host::FcHost> hosts = agent::host::ReadFcHosts(root.paths());
    REQUIRE(hosts.size() == 2);
    const agent::host::FcPortNames names = agent::host::OnlineFcPortNames(hosts);
    CHECK(names.wwpns == std::vector<std::string>{"10000090fa1b2c3d"});
    CHECK(names.wwnns == std::vector<std::string>{"20000090fa1b2c3d"});
  }
  SUBCASE("port state must be exactly Online; every 0x goes, as str.replace") {
    const agent::host::FcPortNames names = agent::host::OnlineFcPortNames(
        {{"host1", "0x0x12", "00xx", "Online"}, {"host2", "0x3", "0x4", "online"}});
    CHECK(names.wwpns == std::vector<std::string>{"12"});
    CHECK(names.wwnns == std::vector<std::string>{"0x"});
  }
}

TEST_CASE("agent::host NVMe and DMI files") {
  TempRoot root;
  SUBCASE("absent") {
    CHECK(agent::host::ReadHostNqnFile(root.paths()) == std::nullopt);
    CHECK_FALSE(agent::host::ReadNvmeNativeMultipath(root.paths()));
    CHECK(agent::host::ReadProductUuid(root.paths()) == std::nullopt);
  }
  SUBCASE("present") {
    root.Write("/etc/nvme/hostnqn", "nqn.2014-08.org.nvmexpress:uuid:0c1d2e3f-aaaa-bbbb-cccc-0123456789ab\n");
    root.Write("/sys/module/nvme_core/parameters/multipath", "Y\n");
    root.Write("/sys/class/dmi/id/product_uuid", "4C4C4544-0042-3110-8052-B4C04F4E3332\n");
    CHECK(agent::host::ReadHostNqnFile(root.paths()) ==
          "nqn.2014-08.org.nvmexpress:uuid:0c1d2e3f-aaaa-bbbb-cccc-0123456789ab");
    CHECK(agent::host::ReadNvmeNativeMultipath(root.paths()));
    CHECK(agent::host::ReadProductUuid(root.paths()) == "4C4C4544-0042-3110-8052-B4C04F4E3332");
    // GetHostNqn reads the file and runs nothing when it is there.
    CHECK(agent::host::GetHostNqn(root.paths(), agent::Log()) ==
          "nqn.2014-08.org.nvmexpress:uuid:0c1d2e3f-aaaa-bbbb-cccc-0123456789ab");
  }
  SUBCASE("native multipath is exactly Y; an empty product_uuid is an empty answer") {
    root.Write("/sys/module/nvme_core/parameters/multipath", "N\n");
    root.Write("/sys/class/dmi/id/product_uuid", "\n");
    CHECK_FALSE(agent::host::ReadNvmeNativeMultipath(root.paths()));
    CHECK(agent::host::ReadProductUuid(root.paths()) == "");
  }
}

TEST_CASE("agent::host::ShowHostNqnFailureAllowsGenerate") {
  CHECK(agent::host::ShowHostNqnFailureAllowsGenerate(1, "ERROR: Invalid sub-command 'show-hostnqn'\nusage\n"));
  CHECK(agent::host::ShowHostNqnFailureAllowsGenerate(2, ""));  // ENOENT: no NQN from DMI or systemd
  CHECK_FALSE(agent::host::ShowHostNqnFailureAllowsGenerate(1, "something else\n"));
  CHECK_FALSE(agent::host::ShowHostNqnFailureAllowsGenerate(1, "second line\nerror: invalid sub-command\n"));
}

TEST_CASE("agent::host::ParseDefaultRouteInterface") {
  const std::string header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
  CHECK(agent::host::ParseDefaultRouteInterface(header +
                                                "eth1\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
                                                "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n") ==
        "eth0");
  CHECK(agent::host::ParseDefaultRouteInterface(header) == std::nullopt);
}

TEST_CASE("agent::host::NovaDefaultMyIp") {
  // This host's answer, whatever it is, is a dotted IPv4 address.
  const std::string ip = agent::host::NovaDefaultMyIp(HostPaths{});
  CHECK(std::count(ip.begin(), ip.end(), '.') == 3);
}

TEST_CASE("agent::host::IsHttpOkStatusLine") {
  CHECK(agent::host::IsHttpOkStatusLine("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"));
  CHECK(agent::host::IsHttpOkStatusLine("HTTP/1.0 200\r\n"));
  CHECK_FALSE(agent::host::IsHttpOkStatusLine("HTTP/1.1 404 Not Found\r\n"));
  CHECK_FALSE(agent::host::IsHttpOkStatusLine("HTTP/1.1 2000 X\r\n"));
  CHECK_FALSE(agent::host::IsHttpOkStatusLine("SSH-2.0-OpenSSH\r\n"));
  CHECK_FALSE(agent::host::IsHttpOkStatusLine(""));
}
