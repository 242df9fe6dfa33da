// Unit tests of proto_compat/instance: the Instance primitive nova-manage
// sends. The reference is the golden vector nova-manage-refresh-compute-call
// (what real nova-manage 26.2.2 published); its instance is rebuilt here from
// the rows it came from and must come out byte for byte. The same encoder is
// compared with live Nova in tests/wire/test_instance_primitive.py.
// GCC 12 at -O2 reports a false -Wmaybe-uninitialized when a disengaged
// std::optional<std::string> member is assigned (GCC bug 107138).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "proto_compat/instance.h"

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "proto_compat/nova_object.h"
#include "proto_compat/remove_volume_connection.h"
#include "rpc/python_json.h"
#include "rpc/rpc_codec.h"

#include "tests/unit/golden_vectors.h"

namespace {

using proto_compat::InstanceRecord;
using proto_compat::InstanceVersion;

constexpr std::string_view kUuid = "668bd28b-005e-5c29-afe3-0e0f4abc94ea";

// The rows behind the golden vector's instance, as MariaDB holds them after
// nova-manage's lock (locked = 1, locked_by = 'admin', locked_reason added).
InstanceRecord GoldenRecord() {
  InstanceRecord r;
  r.id = 1;
  r.user_id = "75736572-2d68-6172-6e65-737300000000";
  r.project_id = "6f70656e-7374-6163-6b20-70726f6a6563";
  r.image_ref = "155d900f-4e14-4e4c-a73d-069cbf4541e6";
  r.kernel_id = "";
  r.ramdisk_id = "";
  r.hostname = "harness-proof-0";
  r.launch_index = 0;
  r.power_state = 4;
  r.vm_state = "stopped";
  r.memory_mb = 512;
  r.vcpus = 1;
  r.root_gb = 1;
  r.ephemeral_gb = 0;
  r.host = "compute1";
  r.node = "compute1";
  r.instance_type_id = 1;
  r.reservation_id = "r-668bd28b";
  r.availability_zone = "nova";
  r.display_name = "harness-proof-0";
  r.display_description = "seeded by harness seed.py";
  r.launched_on = "compute1";
  r.locked = 1;
  r.locked_by = "admin";
  r.uuid = std::string(kUuid);
  r.root_device_name = "/dev/vda";
  r.config_drive = "";
  r.auto_disk_config = 0;
  r.progress = 0;
  r.shutdown_terminate = 0;
  r.disable_terminate = 0;
  r.cleaned = 0;
  r.hidden = 0;
  r.created_at = "2026-11-26 11:48:48";
  r.deleted = 0;
  r.system_metadata = {
      {"image_disk_format", "raw"},
      {"image_container_format", "bare"},
      {"image_min_disk", "1"},
      {"image_min_ram", "0"},
      {"image_base_image_ref", "155d900f-4e14-4e4c-a73d-069cbf4541e6"},
      {"owner_project_name", "harness"},
      {"owner_user_name", "harness"},
      {"locked_reason",
       "Refreshing connection_info for BDM dfc09675-754c-4cf4-ba4d-60c7dbd480a2 associated with instance "
       "668bd28b-005e-5c29-afe3-0e0f4abc94ea and volume 3a9d1d7e-6359-5cf9-80e3-340130ccae94."},
  };
  proto_compat::InstanceInfoCacheRecord cache;
  cache.instance_uuid = std::string(kUuid);
  cache.created_at = "2026-11-26 11:48:48";
  cache.deleted = 0;
  r.info_cache = cache;
  return r;
}

struct GoldenCall {
  std::string version;        // the message's "version"
  std::string args_json;      // the "args" object, as sent
  std::string instance_json;  // args.instance, as sent
  std::string volume_id;
};

// The remove_volume_connection calls of the golden vectors (publish and
// deliver of the same message).
std::vector<GoldenCall> GoldenCalls() {
  std::vector<GoldenCall> calls;
  for (const std::string& text : rpc_test::GoldenEvents("nova-manage-refresh-compute-call.json")) {
    rapidjson::Document event;
    event.Parse(text.c_str());
    REQUIRE_FALSE(event.HasParseError());
    const rapidjson::Value& body = event["body_raw"];
    auto request = rpc::DecodeRequest(std::string_view(body.GetString(), body.GetStringLength()));
    REQUIRE(request.ok());
    if (request->method != proto_compat::kRemoveVolumeConnectionMethod) continue;
    auto args = rpc::SplitJsonObject(request->args_json);
    REQUIRE(args.ok());
    GoldenCall call{request->version.value_or(""), request->args_json, "", ""};
    for (const rpc::JsonMember& member : *args) {
      if (member.key == "instance") call.instance_json = member.value.json;
      if (member.key == "volume_id") call.volume_id = member.value.string_value;
    }
    calls.push_back(std::move(call));
  }
  REQUIRE_FALSE(calls.empty());
  return calls;
}

std::string Encode(const InstanceRecord& record, InstanceVersion version = InstanceVersion::k2_7) {
  auto text = proto_compat::EncodeInstancePrimitive(record, version);
  REQUIRE_MESSAGE(text.ok(), text.error().ToString());
  return *text;
}

proto_compat::NovaObjectPrimitive Read(const std::string& text) {
  auto object = proto_compat::ReadNovaObject(text);
  REQUIRE(object.ok());
  return *object;
}

std::vector<std::string> Keys(const proto_compat::NovaObjectPrimitive& object) {
  std::vector<std::string> keys;
  for (const rpc::JsonMember& member : object.data) keys.push_back(member.key);
  return keys;
}

std::string FieldJson(const std::string& primitive, std::string_view field) {
  const proto_compat::NovaObjectPrimitive object = Read(primitive);
  const rpc::JsonPart* value = object.Field(field);
  REQUIRE_MESSAGE(value != nullptr, field);
  return value->json;
}

base::Status EncodeError(const InstanceRecord& record, InstanceVersion version = InstanceVersion::k2_7) {
  auto text = proto_compat::EncodeInstancePrimitive(record, version);
  REQUIRE_FALSE(text.ok());
  return text.error();
}

}  // namespace

TEST_CASE("proto_compat::EncodeInstancePrimitive reproduces nova-manage's instance byte for byte") {
  const std::string encoded = Encode(GoldenRecord());
  for (const GoldenCall& call : GoldenCalls()) {
    CHECK(encoded == call.instance_json);

    // The whole args object of the Zed call: a zed (or auto on Zed) cap.
    auto cap = proto_compat::ResolveComputeRpcCap(std::string("zed"), std::nullopt);
    REQUIRE(cap.ok());
    auto plan = proto_compat::PlanRemoveVolumeConnection(*cap);
    REQUIRE(plan.ok());
    CHECK(plan->version == call.version);
    CHECK(plan->instance_version == InstanceVersion::k2_7);
    auto args = proto_compat::RemoveVolumeConnectionArgs(*plan, encoded, call.volume_id);
    REQUIRE(args.ok());
    CHECK(*args == call.args_json);
  }
}

TEST_CASE("proto_compat::EncodeInstancePrimitive field set and order") {
  const InstanceRecord record = GoldenRecord();
  const std::vector<std::string> columns_before_compute_id = {
      "id", "user_id", "project_id", "image_ref", "kernel_id", "ramdisk_id", "hostname", "launch_index",
      "key_name", "key_data", "power_state", "vm_state", "task_state", "memory_mb", "vcpus", "root_gb",
      "ephemeral_gb", "ephemeral_key_uuid", "host", "node"};
  const std::vector<std::string> columns_after_compute_id = {
      "instance_type_id", "user_data", "reservation_id", "launched_at", "terminated_at", "availability_zone",
      "display_name", "display_description", "launched_on", "locked", "locked_by", "os_type", "architecture",
      "vm_mode", "uuid", "root_device_name", "default_ephemeral_device", "default_swap_device", "config_drive",
      "access_ip_v4", "access_ip_v6", "auto_disk_config", "progress", "shutdown_terminate", "disable_terminate",
      "cell_name"};
  const std::vector<std::string> tail = {"cleaned", "hidden", "created_at", "updated_at", "deleted_at", "deleted"};
  auto expected = [&](bool compute_id, std::vector<std::string> optional) {
    std::vector<std::string> keys = columns_before_compute_id;
    if (compute_id) keys.emplace_back("compute_id");
    keys.insert(keys.end(), columns_after_compute_id.begin(), columns_after_compute_id.end());
    keys.insert(keys.end(), optional.begin(), optional.end());
    keys.insert(keys.end(), tail.begin(), tail.end());
    return keys;
  };

  SUBCASE("2.7: 52 column fields, system_metadata, info_cache, security_groups, no changes") {
    const auto object = Read(Encode(record));
    CHECK(object.version == "2.7");
    CHECK(Keys(object) == expected(false, {"system_metadata", "info_cache", "security_groups"}));
    CHECK(object.data.size() == 55);
    CHECK_FALSE(object.changes.has_value());
  }
  SUBCASE("2.8: compute_id after node, no security_groups (nova >= 29 does not load them)") {
    InstanceRecord newer = record;
    newer.has_compute_id = true;
    newer.compute_id = 3;
    const std::string text = Encode(newer, InstanceVersion::k2_8);
    const auto object = Read(text);
    CHECK(object.version == "2.8");
    CHECK(Keys(object) == expected(true, {"system_metadata", "info_cache"}));
    CHECK(FieldJson(text, "compute_id") == "3");
    newer.compute_id.reset();
    CHECK(FieldJson(Encode(newer, InstanceVersion::k2_8), "compute_id") == "null");
  }
  SUBCASE("2.8 needs a schema with instances.compute_id") {
    const base::Status error = EncodeError(record, InstanceVersion::k2_8);
    CHECK(error.code() == base::Code::kCorrupt);
    CHECK(error.message().find("compute_id") != std::string::npos);
  }
  SUBCASE("optional fields that were not loaded are absent") {
    proto_compat::InstanceFields fields;
    fields.system_metadata = false;
    fields.security_groups = false;
    auto text = proto_compat::EncodeInstancePrimitive(record, InstanceVersion::k2_7, fields);
    REQUIRE(text.ok());
    CHECK(Keys(Read(*text)) == expected(false, {"info_cache"}));
  }
}

TEST_CASE("proto_compat::EncodeInstancePrimitive applies Nova's column rules") {
  InstanceRecord record = GoldenRecord();
  SUBCASE("booleans: NULL is the default false, cleaned == 1, deleted == id, else non-zero") {
    record.locked.reset();
    record.hidden.reset();
    record.auto_disk_config.reset();
    record.disable_terminate = 5;
    record.cleaned = 2;
    record.deleted = 1;  // == id
    const std::string text = Encode(record);
    CHECK(FieldJson(text, "locked") == "false");
    CHECK(FieldJson(text, "hidden") == "false");
    CHECK(FieldJson(text, "auto_disk_config") == "false");
    CHECK(FieldJson(text, "disable_terminate") == "true");
    CHECK(FieldJson(text, "cleaned") == "false");
    CHECK(FieldJson(text, "deleted") == "true");
    record.cleaned = 1;
    record.deleted = 7;
    CHECK(FieldJson(Encode(record), "cleaned") == "true");
    CHECK(FieldJson(Encode(record), "deleted") == "false");
  }
  SUBCASE("IP addresses and datetimes as netaddr and isotime write them") {
    record.access_ip_v4 = "010.1.1.1";
    record.access_ip_v6 = "2001:DB8:0:0:1:0:0:1";
    record.launched_at = "2024-02-29 23:59:59.250000";
    const std::string text = Encode(record);
    CHECK(FieldJson(text, "access_ip_v4") == R"("8.1.1.1")");
    CHECK(FieldJson(text, "access_ip_v6") == R"("2001:db8::1:0:0:1")");
    CHECK(FieldJson(text, "launched_at") == R"("2024-02-29T23:59:59Z")");
    CHECK(FieldJson(text, "terminated_at") == "null");
  }
  SUBCASE("system_metadata is a dict: a repeated key keeps its place and takes the last value") {
    record.system_metadata = {{"a", "1"}, {"dup", "old"}, {"n", std::nullopt}, {"dup", "new"}};
    CHECK(FieldJson(Encode(record), "system_metadata") == R"({"a": "1", "dup": "new", "n": null})");
    record.system_metadata.clear();
    CHECK(FieldJson(Encode(record), "system_metadata") == "{}");
  }
  SUBCASE("info_cache: null without a row; deleted rows count; network_info rewritten") {
    record.info_cache.reset();
    CHECK(FieldJson(Encode(record), "info_cache") == "null");
    record = GoldenRecord();
    record.info_cache->network_info = R"([{"id": "p", "extra": 1}])";
    record.info_cache->deleted = 12;
    const std::string cache = FieldJson(Encode(record), "info_cache");
    CHECK(FieldJson(cache, "deleted") == "true");
    auto network_info = proto_compat::ReadStringField(Read(cache), "network_info");
    REQUIRE(network_info.ok());
    CHECK(***network_info ==
          R"([{"id": "p", "address": null, "network": null, "type": null, "details": {}, "devname": null, )"
          R"("ovs_interfaceid": null, "qbh_params": null, "qbg_params": null, "active": false, )"
          R"("vnic_type": "normal", "profile": null, "preserve_on_delete": false, "delegate_create": false, )"
          R"("meta": {"extra": 1}}])");
  }
  SUBCASE("security groups: SecurityGroup 1.2 items without uuid, in the given order") {
    proto_compat::SecurityGroupRecord web{5, "web", "d", "u", "p", "2001-01-01 00:00:00", {}, {}, 0};
    proto_compat::SecurityGroupRecord def{2, "default", "", "u", "p", {}, {}, {}, {}};
    record.security_groups = {web, def};
    const std::string list = FieldJson(Encode(record), "security_groups");
    CHECK(list ==
          R"({"nova_object.name": "SecurityGroupList", "nova_object.namespace": "nova", "nova_object.version": "1.1", )"
          R"("nova_object.data": {"objects": [{"nova_object.name": "SecurityGroup", "nova_object.namespace": "nova", )"
          R"("nova_object.version": "1.2", "nova_object.data": {"id": 5, "name": "web", "description": "d", )"
          R"("user_id": "u", "project_id": "p", "created_at": "2001-01-01T00:00:00Z", "updated_at": null, )"
          R"("deleted_at": null, "deleted": false}}, {"nova_object.name": "SecurityGroup", "nova_object.namespace": )"
          R"("nova", "nova_object.version": "1.2", "nova_object.data": {"id": 2, "name": "default", "description": "", )"
          R"("user_id": "u", "project_id": "p", "created_at": null, "updated_at": null, "deleted_at": null, )"
          R"("deleted": false}}]}})");
  }
}

TEST_CASE("proto_compat::EncodeInstancePrimitive refuses rows Nova could not load") {
  struct Case {
    std::string name;
    void (*spoil)(InstanceRecord&);
    std::string field;
  };
  const std::vector<Case> cases = {
      {"NULL uuid", [](InstanceRecord& r) { r.uuid.reset(); }, "uuid"},
      {"bad IPv4", [](InstanceRecord& r) { r.access_ip_v4 = "not-an-ip"; }, "access_ip_v4"},
      {"IPv4 in the IPv6 field", [](InstanceRecord& r) { r.access_ip_v6 = "10.0.0.1"; }, "access_ip_v6"},
      {"zero date", [](InstanceRecord& r) { r.launched_at = "0000-00-00 00:00:00"; }, "launched_at"},
      {"bad network_info", [](InstanceRecord& r) { r.info_cache->network_info = "{bad"; }, "network_info"},
      {"NULL info cache uuid", [](InstanceRecord& r) { r.info_cache->instance_uuid.reset(); }, "instance_uuid"},
      {"security group without a name",
       [](InstanceRecord& r) { r.security_groups.push_back({1, std::nullopt, "d", "u", "p", {}, {}, {}, 0}); },
       "name"},
      {"invalid UTF-8", [](InstanceRecord& r) { r.display_name = "\xff"; }, "display_name"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    InstanceRecord record = GoldenRecord();
    c.spoil(record);
    const base::Status error = EncodeError(record);
    CHECK(error.code() == base::Code::kCorrupt);
    CHECK_MESSAGE(error.message().find(c.field) != std::string::npos, error.message());
  }
}
