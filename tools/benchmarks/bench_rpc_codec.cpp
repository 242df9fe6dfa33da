// tools/bench rpc, part (a): the codec. Builds and parses the message
// bdm-agent sends most, remove_volume_connection with a versioned Instance,
// for one seeded instance loaded once from the stack's cell database.
//
//   encode: Instance primitive + args + admin context + ids + oslo envelope
//   decode: envelope + context + args + the Instance primitive and its
//           nested objects (InstanceInfoCache, SecurityGroupList and its
//           SecurityGroups) hydrated into typed values, field by field as
//           NovaObjectSerializer.deserialize_entity does: integers and
//           booleans read, datetimes and IP addresses parsed, strings
//           unescaped, system_metadata split, network_info hydrated
//
// A C API (bench_rpc_codec_api.h) so that the Python reference can load
// this code with ctypes and time both codecs in alternating batches in one
// process: a drift in the machine's speed (a shared host) then falls on both
// alike. bench_rpc_codec_main.cpp runs it alone (for profiling).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <memory_resource>
#include <random>
#include <string>
#include <unordered_map>

#include <array>
#include <charconv>
#include <optional>
#include <variant>
#include <vector>

#include "bench_rpc_codec_api.h"

#include "agent/config/nova_config.h"
#include "agent/db/mysql_nova_database.h"
#include "proto_compat/compute_rpc_version.h"
#include "proto_compat/instance.h"
#include "proto_compat/network_model.h"
#include "proto_compat/nova_fields.h"
#include "proto_compat/nova_object.h"
#include "proto_compat/remove_volume_connection.h"
#include "proto_compat/request_context.h"
#include "rpc/python_json_index.h"
#include "rpc/rpc_codec.h"
#include "rpc/uuid4.h"

namespace {

struct Fixture {
  proto_compat::InstanceRecord record;
  proto_compat::RemoveVolumeConnectionCall call;
  std::string volume_id;
};

base::Result<Fixture> Load(const std::string& conf_path, const std::string& uuid, const std::string& volume) {
  BASE_TRY_ASSIGN(agent::config::NovaConfig conf,
                  agent::config::LoadNovaConfig({{agent::config::SourceKind::kFile, conf_path}}));
  agent::Log log;
  agent::db::MysqlNovaDatabase db(
      {conf.api_database_connection.value_or(""), conf.database_connection.value_or(""), {}}, log);
  BASE_TRY_ASSIGN(std::optional<agent::db::InstanceMapping> mapping, db.FindInstanceMapping(uuid));
  if (!mapping || !mapping->cell) return base::Status::NotFound("instance " + uuid + " is not mapped to a cell");
  BASE_TRY_ASSIGN(agent::db::CellDatabase * cell, db.Cell(*mapping->cell));
  BASE_TRY_ASSIGN(std::optional<proto_compat::InstanceRecord> record, cell->LoadInstance(uuid));
  if (!record) return base::Status::NotFound("instance " + uuid);
  BASE_TRY_ASSIGN(proto_compat::ComputeRpcCap cap, proto_compat::ResolveComputeRpcCap(std::string("zed"), {}));
  BASE_TRY_ASSIGN(proto_compat::RemoveVolumeConnectionCall call, proto_compat::PlanRemoveVolumeConnection(cap));
  return Fixture{std::move(*record), std::move(call), volume};
}

base::Result<std::string> Encode(const Fixture& f, std::mt19937_64& rng) {
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  BASE_TRY_ASSIGN(std::string instance, proto_compat::EncodeInstancePrimitive(f.record, f.call.instance_version));
  rpc::RpcRequest request;
  request.method = std::string(proto_compat::kRemoveVolumeConnectionMethod);
  request.version = f.call.version;
  BASE_TRY_ASSIGN(request.args_json, proto_compat::RemoveVolumeConnectionArgs(f.call, instance, f.volume_id));
  BASE_TRY_ASSIGN(request.context_json, proto_compat::ToContextJson(proto_compat::MakeAdminContext(now, rng)));
  request.json_trusted = true;  // both from rpc/python_json.h's writers
  request.msg_id = rpc::NewUuid4Hex(rng);
  request.reply_q = "reply_" + rpc::NewUuid4Hex(rng);
  request.unique_id = rpc::NewUuid4Hex(rng);
  return rpc::EncodeRequest(request);
}

// The field types of the objects in the message (nova/objects/instance.py,
// instance_info_cache.py, security_group.py), by field name: the names these
// classes share have the same type in all of them.
enum class FieldType { kInt, kString, kBool, kDateTime, kIp, kStringDict, kObject, kObjectList, kNetworkInfo };

struct FieldSpec {
  std::string_view name;
  FieldType type;
};

constexpr std::array<FieldSpec, 66> kFieldSpecs = {{
    {"id", FieldType::kInt}, {"user_id", FieldType::kString}, {"project_id", FieldType::kString},
    {"image_ref", FieldType::kString}, {"kernel_id", FieldType::kString}, {"ramdisk_id", FieldType::kString},
    {"hostname", FieldType::kString}, {"launch_index", FieldType::kInt}, {"key_name", FieldType::kString},
    {"key_data", FieldType::kString}, {"power_state", FieldType::kInt}, {"vm_state", FieldType::kString},
    {"task_state", FieldType::kString}, {"memory_mb", FieldType::kInt}, {"vcpus", FieldType::kInt},
    {"root_gb", FieldType::kInt}, {"ephemeral_gb", FieldType::kInt}, {"ephemeral_key_uuid", FieldType::kString},
    {"host", FieldType::kString}, {"node", FieldType::kString}, {"compute_id", FieldType::kInt},
    {"instance_type_id", FieldType::kInt}, {"user_data", FieldType::kString},
    {"reservation_id", FieldType::kString}, {"launched_at", FieldType::kDateTime},
    {"terminated_at", FieldType::kDateTime}, {"availability_zone", FieldType::kString},
    {"display_name", FieldType::kString}, {"display_description", FieldType::kString},
    {"launched_on", FieldType::kString}, {"locked", FieldType::kBool}, {"locked_by", FieldType::kString},
    {"os_type", FieldType::kString}, {"architecture", FieldType::kString}, {"vm_mode", FieldType::kString},
    {"uuid", FieldType::kString}, {"root_device_name", FieldType::kString},
    {"default_ephemeral_device", FieldType::kString}, {"default_swap_device", FieldType::kString},
    {"config_drive", FieldType::kString}, {"access_ip_v4", FieldType::kIp}, {"access_ip_v6", FieldType::kIp},
    {"auto_disk_config", FieldType::kBool}, {"progress", FieldType::kInt},
    {"shutdown_terminate", FieldType::kBool}, {"disable_terminate", FieldType::kBool},
    {"cell_name", FieldType::kString}, {"system_metadata", FieldType::kStringDict},
    {"info_cache", FieldType::kObject}, {"security_groups", FieldType::kObject}, {"cleaned", FieldType::kBool},
    {"hidden", FieldType::kBool}, {"created_at", FieldType::kDateTime}, {"updated_at", FieldType::kDateTime},
    {"deleted_at", FieldType::kDateTime}, {"deleted", FieldType::kBool},
    // InstanceInfoCache
    {"instance_uuid", FieldType::kString}, {"network_info", FieldType::kNetworkInfo},
    // SecurityGroupList, SecurityGroup
    {"objects", FieldType::kObjectList}, {"name", FieldType::kString}, {"description", FieldType::kString},
    // Instance fields nova-manage's instance does not carry
    {"metadata", FieldType::kStringDict}, {"ec2_ids", FieldType::kObject}, {"flavor", FieldType::kObject},
    {"numa_topology", FieldType::kObject}, {"pci_requests", FieldType::kObject},
}};

// A hydrated value; nullopt for null. Strings, dicts and the list of values
// live in one arena per decoded message (as the objects json.loads makes
// live in Python's heap), so that hydrating is not a malloc per string.
using String = std::pmr::string;
using StringDict = std::pmr::vector<std::pair<String, std::optional<String>>>;
using Value = std::variant<std::optional<std::int64_t>, std::optional<String>, std::optional<bool>,
                           std::optional<proto_compat::NovaDateTime>, StringDict>;

struct Hydrated {
  explicit Hydrated(std::pmr::memory_resource* arena) : arena(arena), values(arena) {}
  std::pmr::memory_resource* arena;
  std::pmr::vector<Value> values;
  std::size_t objects = 0;

  String Text(std::string_view text) const { return String(text, arena); }
};

base::Status Hydrate(const rpc::JsonNode& primitive, Hydrated& out);

// FieldType::from_primitive for one value that is not null, appended to
// out.values.
base::Status HydrateValue(FieldType type, const rpc::JsonNode& node, Hydrated& out) {
  const rpc::JsonMemberView& value = node.view();
  const auto wrong = [&] { return base::Status::Corrupt("field value " + std::string(value.json.substr(0, 40))); };
  std::string text;  // an escaped string's decoded text, for the values parsed further
  switch (type) {
    case FieldType::kInt: {
      std::int64_t number = 0;
      const char* end = value.json.data() + value.json.size();
      auto [ptr, ec] = std::from_chars(value.json.data(), end, number);
      if (value.kind != rpc::JsonKind::kNumber || ec != std::errc() || ptr != end) return wrong();
      out.values.emplace_back(std::optional<std::int64_t>(number));
      return base::Status();
    }
    case FieldType::kString:
      if (value.kind != rpc::JsonKind::kString) return wrong();
      out.values.emplace_back(std::optional<String>(out.Text(value.StringView(text))));
      return base::Status();
    case FieldType::kBool:
      if (value.kind != rpc::JsonKind::kBool) return wrong();
      out.values.emplace_back(std::optional<bool>(value.json == "true"));
      return base::Status();
    case FieldType::kDateTime: {
      if (value.kind != rpc::JsonKind::kString) return wrong();
      BASE_TRY_ASSIGN(proto_compat::NovaDateTime time, proto_compat::ParseDateTimeField(value.StringView(text)));
      out.values.emplace_back(std::optional<proto_compat::NovaDateTime>(time));
      return base::Status();
    }
    case FieldType::kIp: {
      if (value.kind != rpc::JsonKind::kString) return wrong();
      BASE_TRY_ASSIGN(proto_compat::IpAddress address, proto_compat::ParseIpAddress(value.StringView(text)));
      out.values.emplace_back(std::optional<String>(out.Text(address.text)));
      return base::Status();
    }
    case FieldType::kStringDict: {
      if (value.kind != rpc::JsonKind::kObject) return wrong();
      StringDict dict(out.arena);
      dict.reserve(16);
      std::string key;
      for (const rpc::JsonNode item_node : node) {
        const rpc::JsonMemberView& item = item_node.view();
        String name = out.Text(item.key_escaped ? std::string_view(key = item.Key()) : item.key_literal);
        if (item.kind == rpc::JsonKind::kNull) {
          dict.emplace_back(std::move(name), std::nullopt);
        } else if (item.kind == rpc::JsonKind::kString) {
          dict.emplace_back(std::move(name), out.Text(item.StringView(text)));
        } else {
          return wrong();
        }
      }
      out.values.emplace_back(std::move(dict));
      return base::Status();
    }
    case FieldType::kObject:
      BASE_TRY(Hydrate(node, out));
      out.values.emplace_back(std::optional<bool>(true));
      return base::Status();
    case FieldType::kObjectList: {
      if (value.kind != rpc::JsonKind::kArray) return wrong();
      std::int64_t items = 0;
      for (const rpc::JsonNode item : node) {
        BASE_TRY(Hydrate(item, out));
        ++items;
      }
      out.values.emplace_back(std::optional<std::int64_t>(items));
      return base::Status();
    }
    case FieldType::kNetworkInfo: {  // NetworkInfo.hydrate(value)
      if (value.kind != rpc::JsonKind::kString) return wrong();
      BASE_TRY_ASSIGN(std::string network_info, proto_compat::CanonicalNetworkInfo(value.StringView(text)));
      out.values.emplace_back(std::optional<String>(out.Text(network_info)));
      return base::Status();
    }
  }
  return wrong();
}

// Where each field is in kFieldSpecs, by name, as the classes' `fields`
// dicts give them.
const std::unordered_map<std::string_view, std::size_t>& FieldPositions() {
  static const std::unordered_map<std::string_view, std::size_t> positions = [] {
    std::unordered_map<std::string_view, std::size_t> map;
    for (std::size_t i = 0; i < kFieldSpecs.size(); ++i) map.emplace(kFieldSpecs[i].name, i);
    return map;
  }();
  return positions;
}

// obj_from_primitive: the header checked, then each field's from_primitive.
// Fields come in the class's order, which the table follows: the entry after
// the previous field's is tried before the map.
base::Status Hydrate(const rpc::JsonNode& primitive, Hydrated& out) {
  BASE_TRY_ASSIGN(proto_compat::NovaObjectView object, proto_compat::ReadTrustedNovaObject(primitive));
  ++out.objects;
  const auto& positions = FieldPositions();
  std::string key_storage;
  std::size_t next = 0;
  for (const rpc::JsonNode field : object.data) {
    const rpc::JsonMemberView& view = field.view();
    const std::string_view key = view.key_escaped ? std::string_view(key_storage = view.Key()) : view.key_literal;
    std::size_t at = next;
    if (at >= kFieldSpecs.size() || kFieldSpecs[at].name != key) {
      const auto found = positions.find(key);
      if (found == positions.end()) return base::Status::Corrupt(object.name + " has no field " + std::string(key));
      at = found->second;
    }
    next = at + 1;
    if (view.kind == rpc::JsonKind::kNull) {
      out.values.emplace_back();
      continue;
    }
    BASE_TRY(HydrateValue(kFieldSpecs[at].type, field, out));
  }
  return base::Status();
}

// Returns the number of fields hydrated, so the work cannot be elided.
base::Result<std::size_t> Decode(const std::string& body, std::mt19937_64& rng) {
  BASE_TRY_ASSIGN(rpc::RpcRequest request, rpc::DecodeRequest(body));
  BASE_TRY(proto_compat::ParseRequestContext(request, proto_compat::Timestamp{}, rng));
  // DecodeRequest indexed the args in the pass that checked the message.
  alignas(std::max_align_t) std::byte buffer[16384];  // the arena: a message's values fit
  std::pmr::monotonic_buffer_resource arena(buffer, sizeof buffer);
  Hydrated hydrated(&arena);
  hydrated.values.reserve(96);
  for (const rpc::JsonNode arg : request.args_index.Root()) {
    if (arg.view().KeyIs("instance")) {
      BASE_TRY(Hydrate(arg, hydrated));
    } else if (arg.kind() == rpc::JsonKind::kString) {
      std::string text;
      hydrated.values.emplace_back(std::optional<String>(hydrated.Text(arg.view().StringView(text))));
    }
  }
  if (hydrated.objects == 0) return base::Status::NotFound("no instance argument");
  return hydrated.values.size();
}

template <typename Fn>
double PerOp(int iterations, Fn&& fn) {
  fn();  // warm-up
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / iterations;
}

struct Codec {
  Fixture fixture;
  std::string body;
  std::mt19937_64 rng{std::random_device{}()};
};

}  // namespace

extern "C" {

void* bench_codec_open(const char* nova_conf, const char* instance_uuid, const char* volume_id,
                       const char* body_out) {
  auto fixture = Load(nova_conf, instance_uuid, volume_id);
  if (!fixture.ok()) {
    std::fprintf(stderr, "bench_rpc_codec: %s\n", fixture.error().ToString().c_str());
    return nullptr;
  }
  auto codec = std::make_unique<Codec>(Codec{std::move(*fixture), {}});
  auto body = Encode(codec->fixture, codec->rng);
  if (!body.ok() || !Decode(*body, codec->rng).ok()) {
    std::fprintf(stderr, "bench_rpc_codec: the message does not round-trip\n");
    return nullptr;
  }
  codec->body = std::move(*body);
  std::ofstream out(body_out, std::ios::binary);
  out << codec->body;
  if (!out.flush()) {
    std::fprintf(stderr, "bench_rpc_codec: cannot write %s\n", body_out);
    return nullptr;
  }
  return codec.release();
}

double bench_codec_encode(void* handle, int iterations) {
  auto& codec = *static_cast<Codec*>(handle);
  bool ok = true;
  const double seconds = PerOp(iterations, [&] { ok &= Encode(codec.fixture, codec.rng).ok(); });
  return ok ? seconds : -1;
}

double bench_codec_decode(void* handle, int iterations) {
  auto& codec = *static_cast<Codec*>(handle);
  bool ok = true;
  const double seconds = PerOp(iterations, [&] { ok &= Decode(codec.body, codec.rng).ok(); });
  return ok ? seconds : -1;
}

std::size_t bench_codec_body_bytes(void* handle) { return static_cast<Codec*>(handle)->body.size(); }

void bench_codec_close(void* handle) { delete static_cast<Codec*>(handle); }

}  // extern "C"
