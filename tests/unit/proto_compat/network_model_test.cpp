// Unit tests of proto_compat/network_model: the network_info text of an
// InstanceInfoCache primitive. Every expected text below is Python's
// nova.network.model.NetworkInfo.hydrate(stored).json() (nova 26.2.2).
#include "proto_compat/network_model.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

TEST_CASE("proto_compat::CanonicalNetworkInfo rewrites as Nova's hydration does") {
  struct Case {
    std::string stored;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {R"([])",
       R"([])"},
      {R"({})",
       R"([])"},
      {R"("")",
       R"([])"},
      {R"([{}])",
       R"([{"id": null, "address": null, "network": null, "type": null, "details": {}, "devname": null, "ovs_interfaceid": null, "qbh_params": null, "qbg_params": null, "active": false, "vnic_type": "normal", "profile": null, "preserve_on_delete": false, "delegate_create": false, "meta": {}}])"},
      {R"([{"id": "a", "network": {"subnets": [{"cidr": "10.0.0.0/24", "ips": [{"address": "10.0.0.3"}]}]}}])",
       R"([{"id": "a", "address": null, "network": {"id": null, "bridge": null, "label": null, "subnets": [{"cidr": "10.0.0.0/24", "dns": [], "gateway": null, "ips": [{"address": "10.0.0.3", "type": "fixed", "version": 4, "meta": {}, "floating_ips": []}], "routes": [], "version": 4, "meta": {}}], "meta": {}}, "type": null, "details": {}, "devname": null, "ovs_interfaceid": null, "qbh_params": null, "qbg_params": null, "active": false, "vnic_type": "normal", "profile": null, "preserve_on_delete": false, "delegate_create": false, "meta": {}}])"},
      {R"([{"id": "a", "meta": {"k": 1}, "k": 2, "z": null}])",
       R"([{"id": "a", "address": null, "network": null, "type": null, "details": {}, "devname": null, "ovs_interfaceid": null, "qbh_params": null, "qbg_params": null, "active": false, "vnic_type": "normal", "profile": null, "preserve_on_delete": false, "delegate_create": false, "meta": {"k": 2, "z": null}}])"},
      {R"([{"id": "a", "details": [], "network": [], "active": 0}])",
       R"([{"id": "a", "address": null, "network": null, "type": null, "details": {}, "devname": null, "ovs_interfaceid": null, "qbh_params": null, "qbg_params": null, "active": 0, "vnic_type": "normal", "profile": null, "preserve_on_delete": false, "delegate_create": false, "meta": {}}])"},
      {R"([{"network": {"id": "n", "subnets": null, "label": "x", "meta": {"a": 1}, "b": 2}}])",
       R"([{"id": null, "address": null, "network": {"id": "n", "bridge": null, "label": "x", "subnets": [], "meta": {"a": 1, "b": 2}}, "type": null, "details": {}, "devname": null, "ovs_interfaceid": null, "qbh_params": null, "qbg_params": null, "active": false, "vnic_type": "normal", "profile": null, "preserve_on_delete": false, "delegate_create": false, "meta": {}}])"},
      {R"([{"network": {"subnets": [{"cidr": "fd00::/64", "gateway": {"address": "fd00::1"}, "routes": [{"gateway": null}], "dns": [{}, {"address": "::1", "version": 0}]}]}}])",
       R"([{"id": null, "address": null, "network": {"id": null, "bridge": null, "label": null, "subnets": [{"cidr": "fd00::/64", "dns": [null, {"address": "::1", "type": null, "version": 6, "meta": {}}], "gateway": {"address": "fd00::1", "type": null, "version": 6, "meta": {}}, "ips": [], "routes": [{"cidr": null, "gateway": null, "interface": null, "meta": {}}], "version": 6, "meta": {}}], "meta": {}}, "type": null, "details": {}, "devname": null, "ovs_interfaceid": null, "qbh_params": null, "qbg_params": null, "active": false, "vnic_type": "normal", "profile": null, "preserve_on_delete": false, "delegate_create": false, "meta": {}}])"},
      {R"([{"network": {"subnets": [{"cidr": "10/8", "version": ""}, {"cidr": "192.168.0.0/255.255.0.0"}, {"cidr": "", "version": null}]}}])",
       R"([{"id": null, "address": null, "network": {"id": null, "bridge": null, "label": null, "subnets": [{"cidr": "10/8", "dns": [], "gateway": null, "ips": [], "routes": [], "version": 4, "meta": {}}, {"cidr": "192.168.0.0/255.255.0.0", "dns": [], "gateway": null, "ips": [], "routes": [], "version": 4, "meta": {}}, {"cidr": "", "dns": [], "gateway": null, "ips": [], "routes": [], "version": null, "meta": {}}], "meta": {}}, "type": null, "details": {}, "devname": null, "ovs_interfaceid": null, "qbh_params": null, "qbg_params": null, "active": false, "vnic_type": "normal", "profile": null, "preserve_on_delete": false, "delegate_create": false, "meta": {}}])"},
      {R"([{"network": {"subnets": [{"ips": [{"address": "1", "floating_ips": [{}, null, {"address": "::ffff:1.2.3.4"}], "type": "", "version": false}]}]}}])",
       R"([{"id": null, "address": null, "network": {"id": null, "bridge": null, "label": null, "subnets": [{"cidr": null, "dns": [], "gateway": null, "ips": [{"address": "1", "type": "fixed", "version": 4, "meta": {}, "floating_ips": [null, null, {"address": "::ffff:1.2.3.4", "type": null, "version": 6, "meta": {}}]}], "routes": [], "version": null, "meta": {}}], "meta": {}}, "type": null, "details": {}, "devname": null, "ovs_interfaceid": null, "qbh_params": null, "qbg_params": null, "active": false, "vnic_type": "normal", "profile": null, "preserve_on_delete": false, "delegate_create": false, "meta": {}}])"},
      {R"([{"id": "\u00e9\ud83d\ude00", "x": 1.0, "y": 1e16, "z": -0.0, "n": 100000000000000000000000}])",
       R"([{"id": "\u00e9\ud83d\ude00", "address": null, "network": null, "type": null, "details": {}, "devname": null, "ovs_interfaceid": null, "qbh_params": null, "qbg_params": null, "active": false, "vnic_type": "normal", "profile": null, "preserve_on_delete": false, "delegate_create": false, "meta": {"x": 1.0, "y": 1e+16, "z": -0.0, "n": 100000000000000000000000}}])"},
      {R"([{"id": 1, "id": 2}])",
       R"([{"id": 2, "address": null, "network": null, "type": null, "details": {}, "devname": null, "ovs_interfaceid": null, "qbh_params": null, "qbg_params": null, "active": false, "vnic_type": "normal", "profile": null, "preserve_on_delete": false, "delegate_create": false, "meta": {}}])"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.stored);
    auto canonical = proto_compat::CanonicalNetworkInfo(c.stored);
    REQUIRE_MESSAGE(canonical.ok(), canonical.error().ToString());
    CHECK(*canonical == c.expected);
  }
}

TEST_CASE("proto_compat::CanonicalNetworkInfo refuses what Nova cannot hydrate") {
  // Python raises TypeError, AttributeError, AddrFormatError,
  // InvalidIpAddressError or JSONDecodeError for each of these.
  const std::vector<std::string> bad = {
      "null",
      "5",
      R"({"a": 1})",
      R"("x")",
      "[null]",
      "[5]",
      R"([{"meta": null}])",
      R"([{"meta": []}])",
      R"([{"self": 1}])",
      R"([{"network": {"subnets": [null]}}])",
      R"([{"network": {"subnets": [{"cidr": "bogus"}]}}])",
      R"([{"network": {"subnets": [{"ips": [{"address": "1.2.3.256"}]}]}}])",
      R"([{"network": "net"}])",
      R"([{"network": {"subnets": [{"gateway": "10.0.0.1"}]}}])",
      "not json",
      "",
  };
  for (const std::string& text : bad) {
    CAPTURE(text);
    auto canonical = proto_compat::CanonicalNetworkInfo(text);
    REQUIRE_FALSE(canonical.ok());
    CHECK(canonical.error().code() == base::Code::kCorrupt);
  }
}
