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

#include <cstdint>
#include <optional>
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

using Row = rapidjson::Value;

std::optional<std::string> Text(const Row& row, const char* column) {
  INFO("column ", column);
  REQUIRE(row.HasMember(column));
  if (row[column].IsNull()) return std::nullopt;
  REQUIRE(row[column].IsString());
  return std::string(row[column].GetString(), row[column].GetStringLength());
}

std::optional<std::int64_t> Number(const Row& row, const char* column) {
  INFO("column ", column);
  REQUIRE(row.HasMember(column));
  if (row[column].IsNull()) return std::nullopt;
  REQUIRE(row[column].IsInt64());
  return row[column].GetInt64();
}

// The rows behind the golden call's instance, as tools/record-vectors read
// them from MariaDB just before running nova-manage
// (tests/vectors/nova-manage-refresh-instance-rows.json), with the lock
// nova-manage takes before its call: locked = 1, locked_by = 'admin', and
// the locked_reason row added last, in nova-manage's words.
InstanceRecord GoldenRecord() {
  rapidjson::Document rows;
  rows.Parse(rpc_test::ReadBytes(rpc_test::GoldenVectorsDir() / "nova-manage-refresh-instance-rows.json").c_str());
  REQUIRE_FALSE(rows.HasParseError());
  const Row& row = rows["instance"];
  using Member = std::optional<std::string> InstanceRecord::*;
  using IntMember = std::optional<std::int64_t> InstanceRecord::*;
  static const std::pair<const char*, Member> kText[] = {
      {"user_id", &InstanceRecord::user_id}, {"project_id", &InstanceRecord::project_id},
      {"image_ref", &InstanceRecord::image_ref}, {"kernel_id", &InstanceRecord::kernel_id},
      {"ramdisk_id", &InstanceRecord::ramdisk_id}, {"hostname", &InstanceRecord::hostname},
      {"key_name", &InstanceRecord::key_name}, {"key_data", &InstanceRecord::key_data},
      {"vm_state", &InstanceRecord::vm_state}, {"task_state", &InstanceRecord::task_state},
      {"ephemeral_key_uuid", &InstanceRecord::ephemeral_key_uuid}, {"host", &InstanceRecord::host},
      {"node", &InstanceRecord::node}, {"user_data", &InstanceRecord::user_data},
      {"reservation_id", &InstanceRecord::reservation_id}, {"launched_at", &InstanceRecord::launched_at},
      {"terminated_at", &InstanceRecord::terminated_at}, {"availability_zone", &InstanceRecord::availability_zone},
      {"display_name", &InstanceRecord::display_name}, {"display_description", &InstanceRecord::display_description},
      {"launched_on", &InstanceRecord::launched_on}, {"locked_by", &InstanceRecord::locked_by},
      {"os_type", &InstanceRecord::os_type}, {"architecture", &InstanceRecord::architecture},
      {"vm_mode", &InstanceRecord::vm_mode}, {"uuid", &InstanceRecord::uuid},
      {"root_device_name", &InstanceRecord::root_device_name},
      {"default_ephemeral_device", &InstanceRecord::default_ephemeral_device},
      {"default_swap_device", &InstanceRecord::default_swap_device}, {"config_drive", &InstanceRecord::config_drive},
      {"access_ip_v4", &InstanceRecord::access_ip_v4}, {"access_ip_v6", &InstanceRecord::access_ip_v6},
      {"cell_name", &InstanceRecord::cell_name}, {"created_at", &InstanceRecord::created_at},
      {"updated_at", &InstanceRecord::updated_at}, {"deleted_at", &InstanceRecord::deleted_at}};
  static const std::pair<const char*, IntMember> kNumbers[] = {
      {"launch_index", &InstanceRecord::launch_index}, {"power_state", &InstanceRecord::power_state},
      {"memory_mb", &InstanceRecord::memory_mb}, {"vcpus", &InstanceRecord::vcpus},
      {"root_gb", &InstanceRecord::root_gb}, {"ephemeral_gb", &InstanceRecord::ephemeral_gb},
      {"instance_type_id", &InstanceRecord::instance_type_id}, {"locked", &InstanceRecord::locked},
      {"auto_disk_config", &InstanceRecord::auto_disk_config}, {"progress", &InstanceRecord::progress},
      {"shutdown_terminate", &InstanceRecord::shutdown_terminate},
      {"disable_terminate", &InstanceRecord::disable_terminate}, {"cleaned", &InstanceRecord::cleaned},
      {"hidden", &InstanceRecord::hidden}, {"deleted", &InstanceRecord::deleted}};
  InstanceRecord r;
  r.id = Number(row, "id").value_or(0);
  for (const auto& [column, member] : kText) r.*member = Text(row, column);
  for (const auto& [column, member] : kNumbers) r.*member = Number(row, column);
  if (row.HasMember("compute_id")) {
    r.has_compute_id = true;
    r.compute_id = Number(row, "compute_id");
  }
  for (const Row& item : rows["system_metadata"].GetArray()) {
    r.system_metadata.push_back({item[0].GetString(), item[1].IsNull() ? std::nullopt
                                                                       : std::optional<std::string>(item[1].GetString())});
  }
  if (rows["info_cache"].IsObject()) {
    const Row& cache_row = rows["info_cache"];
    proto_compat::InstanceInfoCacheRecord cache;
    cache.instance_uuid = Text(cache_row, "instance_uuid");
    cache.network_info = Text(cache_row, "network_info");
    cache.created_at = Text(cache_row, "created_at");
    cache.updated_at = Text(cache_row, "updated_at");
    cache.deleted_at = Text(cache_row, "deleted_at");
    cache.deleted = Number(cache_row, "deleted");
    r.info_cache = cache;
  }
  // nova-manage's lock (nova/cmd/manage.py, VolumeAttachmentCommands._refresh).
  r.locked = 1;
  r.locked_by = "admin";
  r.system_metadata.push_back({"locked_reason", "Refreshing connection_info for BDM " +
                                                    *Text(rows, "bdm_uuid") + " associated with instance " +
                                                    r.uuid.value_or("") + " and volume " +
                                                    *Text(rows, "volume_id") + "."});
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
    record.deleted = record.id;  // deleted == id
    const std::string text = Encode(record);
    CHECK(FieldJson(text, "locked") == "false");
    CHECK(FieldJson(text, "hidden") == "false");
    CHECK(FieldJson(text, "auto_disk_config") == "false");
    CHECK(FieldJson(text, "disable_terminate") == "true");
    CHECK(FieldJson(text, "cleaned") == "false");
    CHECK(FieldJson(text, "deleted") == "true");
    record.cleaned = 1;
    record.deleted = record.id + 1;
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
