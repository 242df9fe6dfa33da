// Tests of agent::cinder::NovaConnectionInfo: Nova's _translate_attachment_ref
// plus nova-manage's "serial", on the shapes Cinder really returns. The
// integration test (tests/integration/cinder_client_test.cpp) and
// tests/wire/test_cinder_translation.py compare it with Nova's own function.
#include <doctest/doctest.h>

#include <string>

#include "agent/cinder/attachment_api.h"

using agent::cinder::Attachment;
using agent::cinder::NovaConnectionInfo;

namespace {

Attachment Reserved(std::string connection_info) {
  Attachment a;
  a.id = "1d00b88d-0da6-4dc8-858b-607e0b16c658";
  a.status = "reserved";
  a.instance = "d253a60e-6d87-4211-a6a6-1254a5078b80";
  a.volume_id = "374fbdbb-b4d3-483b-88f4-24ad4077640c";
  a.attach_mode = "null";
  a.connection_info = std::move(connection_info);
  return a;
}

}  // namespace

TEST_CASE("agent::cinder::NovaConnectionInfo: limits (issue 9)") {
  auto deep = NovaConnectionInfo(Reserved("{\"data\": " + std::string(200000, '[')), "v");
  CHECK(deep.error().code() == base::Code::kCorrupt);
  CHECK(deep.error().message() ==
        "connection_info of attachment 1d00b88d-0da6-4dc8-858b-607e0b16c658: not JSON (nested deeper than 64 levels "
        "at offset 72)");
  auto big = NovaConnectionInfo(Reserved("{\"data\": \"" + std::string(1 << 20, 'x') + "\"}"), "v");
  CHECK(big.error().message().ends_with("not JSON (larger than 1048576 bytes)"));
}

TEST_CASE("agent::cinder::NovaConnectionInfo") {
  SUBCASE("the stack's fake driver (PUT /attachments answer of Cinder 21.3.1)") {
    // connection_info exactly as the stack's cinder-api returned it; Nova's
    // translation of that answer was {"driver_volume_type": "iscsi", "data":
    // {"access_mode": "rw", "qos_specs": null, "encrypted": false,
    // "cacheable": false}, "status": "reserved", ...} (nova 26.2.2).
    Attachment a = Reserved(
        R"({"access_mode":"rw","qos_specs":null,"encrypted":false,"cacheable":false,)"
        R"("driver_volume_type":"iscsi","attachment_id":"1d00b88d-0da6-4dc8-858b-607e0b16c658"})");
    auto info = NovaConnectionInfo(a, "374fbdbb-b4d3-483b-88f4-24ad4077640c");
    REQUIRE(info.ok());
    CHECK(*info ==
          R"({"driver_volume_type":"iscsi","data":{"access_mode":"rw","qos_specs":null,"encrypted":false,)"
          R"("cacheable":false},"status":"reserved","instance":"d253a60e-6d87-4211-a6a6-1254a5078b80",)"
          R"("attached_at":"","detached_at":"","volume_id":"374fbdbb-b4d3-483b-88f4-24ad4077640c",)"
          R"("serial":"374fbdbb-b4d3-483b-88f4-24ad4077640c"})");
  }
  SUBCASE("rbd (nova-facts 4.4, as Cinder flattens it)") {
    Attachment a = Reserved(
        R"({"name":"volumes/volume-8b9b3491","hosts":["10.0.0.11","10.0.0.12","10.0.0.13"],)"
        R"("ports":["6789","6789","6789"],"cluster_name":"ceph","auth_enabled":true,"auth_username":"cinder",)"
        R"("secret_type":"ceph","secret_uuid":"457eb676-33da-42ec-9a8c-9293d545c337","volume_id":"8b9b3491",)"
        R"("discard":true,"qos_specs":null,"access_mode":"rw","encrypted":false,"cacheable":false,)"
        R"("enforce_multipath":true,"driver_volume_type":"rbd","attachment_id":"a1"})");
    a.instance = "216f9481";
    a.volume_id = "8b9b3491";
    auto info = NovaConnectionInfo(a, "8b9b3491");
    REQUIRE(info.ok());
    CHECK(*info ==
          R"({"driver_volume_type":"rbd","data":{"name":"volumes/volume-8b9b3491",)"
          R"("hosts":["10.0.0.11","10.0.0.12","10.0.0.13"],"ports":["6789","6789","6789"],"cluster_name":"ceph",)"
          R"("auth_enabled":true,"auth_username":"cinder","secret_type":"ceph",)"
          R"("secret_uuid":"457eb676-33da-42ec-9a8c-9293d545c337","volume_id":"8b9b3491","discard":true,)"
          R"("qos_specs":null,"access_mode":"rw","encrypted":false,"cacheable":false,"enforce_multipath":true},)"
          R"("status":"reserved","instance":"216f9481","attached_at":"","detached_at":"","volume_id":"8b9b3491",)"
          R"("serial":"8b9b3491"})");
  }
  SUBCASE("iscsi with CHAP (nova-facts 4.4); driver_volume_type first in Cinder's text") {
    Attachment a = Reserved(
        R"({"driver_volume_type":"iscsi","target_discovered":false,"target_portal":"192.168.122.99:3260",)"
        R"("target_iqn":"iqn.2010-10.org.openstack:volume-8b9b","target_lun":0,"volume_id":"8b9b",)"
        R"("auth_method":"CHAP","auth_username":"jsBM","auth_password":"4XyN","encrypted":false,)"
        R"("qos_specs":null,"access_mode":"rw","cacheable":false,"enforce_multipath":true,"attachment_id":"a2"})");
    a.instance = "216f";
    a.volume_id = "8b9b";
    auto info = NovaConnectionInfo(a, "8b9b");
    REQUIRE(info.ok());
    CHECK(*info ==
          R"({"driver_volume_type":"iscsi","data":{"target_discovered":false,)"
          R"("target_portal":"192.168.122.99:3260","target_iqn":"iqn.2010-10.org.openstack:volume-8b9b",)"
          R"("target_lun":0,"volume_id":"8b9b","auth_method":"CHAP","auth_username":"jsBM",)"
          R"("auth_password":"4XyN","encrypted":false,"qos_specs":null,"access_mode":"rw","cacheable":false,)"
          R"("enforce_multipath":true},"status":"reserved","instance":"216f","attached_at":"",)"
          R"("detached_at":"","volume_id":"8b9b","serial":"8b9b"})");
  }
  SUBCASE("status and times are copied as Cinder gave them (a GET after os-complete)") {
    Attachment a = Reserved(R"({"driver_volume_type":"iscsi","attachment_id":"x","access_mode":"rw"})");
    a.status = "attached";
    a.attached_at = "2026-11-26T14:55:30.000000";
    auto info = NovaConnectionInfo(a, "v");
    REQUIRE(info.ok());
    CHECK(*info == R"({"driver_volume_type":"iscsi","data":{"access_mode":"rw"},"status":"attached",)"
                   R"("instance":"d253a60e-6d87-4211-a6a6-1254a5078b80","attached_at":"2026-11-26T14:55:30.000000",)"
                   R"("detached_at":"","volume_id":"374fbdbb-b4d3-483b-88f4-24ad4077640c","serial":"v"})");
  }
  SUBCASE("no driver_volume_type gives null; an instance Cinder sent as null stays null") {
    Attachment a = Reserved(R"({"k":1.5,"big":18446744073709551615})");
    a.instance.clear();
    auto info = NovaConnectionInfo(a, "v");
    REQUIRE(info.ok());
    CHECK(*info == R"({"driver_volume_type":null,"data":{"k":1.5,"big":18446744073709551615},"status":"reserved",)"
                   R"("instance":null,"attached_at":"","detached_at":"",)"
                   R"("volume_id":"374fbdbb-b4d3-483b-88f4-24ad4077640c","serial":"v"})");
  }
  SUBCASE("a repeated key keeps its first place and last value, as json.loads") {
    Attachment a = Reserved(R"({"a":1,"b":2,"a":3,"driver_volume_type":"x","driver_volume_type":"rbd"})");
    auto info = NovaConnectionInfo(a, "v");
    REQUIRE(info.ok());
    CHECK(info->starts_with(R"({"driver_volume_type":"rbd","data":{"a":3,"b":2},)"));
  }
  SUBCASE("refused with kCorrupt") {
    for (std::optional<std::string> bad :
         {std::optional<std::string>(), std::optional<std::string>("{}"), std::optional<std::string>("[]"),
          std::optional<std::string>("\"text\""), std::optional<std::string>("{\"a\":"),
          std::optional<std::string>("null")}) {
      CAPTURE(bad.value_or("<nullopt>"));
      Attachment a = Reserved("");
      a.connection_info = bad;
      auto info = NovaConnectionInfo(a, "v");
      REQUIRE_FALSE(info.ok());
      CHECK(info.error().code() == base::Code::kCorrupt);
      CHECK(info.error().message().find("attachment 1d00b88d-0da6-4dc8-858b-607e0b16c658") != std::string::npos);
    }
  }
}
