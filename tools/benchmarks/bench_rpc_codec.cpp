// tools/bench rpc, part (a): the codec. Builds and parses the message
// bdm-agent sends most, remove_volume_connection with a versioned Instance,
// for one seeded instance loaded once from the stack's cell database.
//
//   encode: Instance primitive + args + admin context + ids + oslo envelope
//   decode: envelope + context + args + Instance primitive and its nested
//           objects split into typed fields
//
// Usage: bench_rpc_codec ITERATIONS NOVA_CONF INSTANCE_UUID VOLUME_ID BODY_OUT
// Writes the encoded body to BODY_OUT (the Python reference decodes the same
// bytes) and prints one JSON line {"encode_s": ..., "decode_s": ..., "body_bytes": ...}.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "agent/config/nova_config.h"
#include "agent/db/mysql_nova_database.h"
#include "proto_compat/compute_rpc_version.h"
#include "proto_compat/instance.h"
#include "proto_compat/nova_object.h"
#include "proto_compat/remove_volume_connection.h"
#include "proto_compat/request_context.h"
#include "rpc/envelope.h"

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
  request.msg_id = rpc::NewUuid4Hex(rng);
  request.reply_q = "reply_" + rpc::NewUuid4Hex(rng);
  request.unique_id = rpc::NewUuid4Hex(rng);
  return rpc::EncodeRequest(request);
}

// Returns the number of Instance fields read, so the work cannot be elided.
base::Result<std::size_t> Decode(const std::string& body, std::mt19937_64& rng) {
  BASE_TRY_ASSIGN(rpc::RpcRequest request, rpc::DecodeRequest(body));
  BASE_TRY(proto_compat::ParseContextJson(request.context_json, proto_compat::Timestamp{}, rng));
  BASE_TRY_ASSIGN(std::vector<rpc::JsonMember> args, rpc::SplitJsonObject(request.args_json));
  std::size_t fields = 0;
  for (const rpc::JsonMember& arg : args) {
    if (arg.key != "instance") continue;
    BASE_TRY_ASSIGN(proto_compat::NovaObjectPrimitive instance, proto_compat::ReadNovaObject(arg.value.json));
    for (const rpc::JsonMember& field : instance.data) {
      ++fields;
      if (field.value.kind == rpc::JsonKind::kObject && field.key != "system_metadata") {
        BASE_TRY(proto_compat::ReadNovaObject(field.value.json));
      }
    }
  }
  return fields;
}

template <typename Fn>
double PerOp(int iterations, Fn&& fn) {
  fn();  // warm-up
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / iterations;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: bench_rpc_codec ITERATIONS NOVA_CONF INSTANCE_UUID VOLUME_ID BODY_OUT\n");
    return 64;
  }
  const int iterations = std::atoi(argv[1]);
  auto fixture = Load(argv[2], argv[3], argv[4]);
  if (!fixture.ok()) {
    std::fprintf(stderr, "bench_rpc_codec: %s\n", fixture.error().ToString().c_str());
    return 1;
  }
  std::mt19937_64 rng(std::random_device{}());
  auto body = Encode(*fixture, rng);
  if (!body.ok() || !Decode(*body, rng).ok()) {
    std::fprintf(stderr, "bench_rpc_codec: the message does not round-trip\n");
    return 1;
  }
  std::ofstream(argv[5], std::ios::binary) << *body;
  bool ok = true;
  const double encode_s = PerOp(iterations, [&] { ok &= Encode(*fixture, rng).ok(); });
  const double decode_s = PerOp(iterations, [&] { ok &= Decode(*body, rng).ok(); });
  if (!ok) return 1;
  std::printf("{\"encode_s\": %.9f, \"decode_s\": %.9f, \"body_bytes\": %zu}\n", encode_s, decode_s, body->size());
  return 0;
}
