// instance_primitive_dump: a test-only program that prints, one line per
// instance uuid, the Instance primitive bdm-agent builds from the cell
// database, so that tests/wire/test_instance_primitive.py can compare it
// with what Nova's own Instance.get_by_uuid(...).obj_to_primitive() gives.
//
//   instance_primitive_dump --config-file NOVA_CONF [--cell NAME]
//       [--version 2.7|2.8] [--without system_metadata|info_cache|security_groups]...
//       [--service-version] UUID...
//   instance_primitive_dump --config-file NOVA_CONF --plan LEVEL
//       [--call-args VOLUME_ID UUID...]
//
// The cell is the instance's mapping in the API database, or --cell (by
// name) for rows that have no mapping. --service-version prints, instead,
// the cell's minimum nova-compute service version ("none" if there is none).
// --plan prints the remove_volume_connection call for `[upgrade_levels]
// compute = LEVEL` ("-" for unset, which is auto; auto reads every cell's
// services) as
// "<version> <topic> <delete_attachment> <instance version>", or
// "error <code name>: <message>". With --call-args it then prints, one line
// per uuid, the `args` object of that call for VOLUME_ID, as the agent sends
// it (the Instance primitive at the plan's version, with the fields above).
// Exit 0 when everything printed; 1 with "instance_primitive_dump: <uuid>:
// <code name>: <message>" on stderr at the first one that did not.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/nova_config.h"
#include "agent/db/mysql_nova_database.h"
#include "agent/log.h"
#include "proto_compat/compute_rpc_version.h"
#include "proto_compat/instance.h"
#include "proto_compat/remove_volume_connection.h"

namespace {

struct Options {
  std::string config_file;
  std::string cell;
  proto_compat::InstanceVersion version = proto_compat::InstanceVersion::k2_7;
  proto_compat::InstanceFields fields;
  bool service_version = false;
  std::optional<std::string> plan;  // "-" for an unset level
  std::optional<std::string> call_args_volume;
  std::vector<std::string> uuids;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "instance_primitive_dump: %s\n", message.c_str());
  return 1;
}

base::Result<Options> ParseArguments(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--config-file" && has_value) {
      options.config_file = argv[++i];
    } else if (arg == "--cell" && has_value) {
      options.cell = argv[++i];
    } else if (arg == "--version" && has_value) {
      const std::string_view value = argv[++i];
      if (value != "2.7" && value != "2.8") return base::Status::InvalidInput("--version is 2.7 or 2.8");
      options.version = value == "2.8" ? proto_compat::InstanceVersion::k2_8 : proto_compat::InstanceVersion::k2_7;
    } else if (arg == "--without" && has_value) {
      const std::string_view value = argv[++i];
      if (value == "system_metadata") options.fields.system_metadata = false;
      else if (value == "info_cache") options.fields.info_cache = false;
      else if (value == "security_groups") options.fields.security_groups = false;
      else return base::Status::InvalidInput("--without " + std::string(value) + ": unknown field");
    } else if (arg == "--plan" && has_value) {
      options.plan = argv[++i];
    } else if (arg == "--call-args" && has_value) {
      options.call_args_volume = argv[++i];
    } else if (arg == "--service-version") {
      options.service_version = true;
    } else if (!arg.empty() && arg.front() != '-') {
      options.uuids.emplace_back(arg);
    } else {
      return base::Status::InvalidInput("unknown or incomplete argument " + std::string(arg));
    }
  }
  if (options.config_file.empty()) return base::Status::InvalidInput("--config-file is required");
  if (options.call_args_volume && !options.plan) return base::Status::InvalidInput("--call-args needs --plan");
  return options;
}

base::Result<agent::db::CellDatabase*> CellFor(agent::db::MysqlNovaDatabase& db, const Options& options,
                                               const std::string& uuid) {
  if (!options.cell.empty()) {
    BASE_TRY_ASSIGN(std::vector<agent::db::CellMapping> cells, db.ListCellMappings());
    for (const agent::db::CellMapping& cell : cells) {
      if (cell.name == options.cell) return db.Cell(cell);
    }
    return base::Status::NotFound("no cell named " + options.cell);
  }
  BASE_TRY_ASSIGN(std::optional<agent::db::InstanceMapping> mapping, db.FindInstanceMapping(uuid));
  if (!mapping) return base::Status::NotFound("instance " + uuid + " has no mapping");
  if (!mapping->cell) return db.LocalCell();
  return db.Cell(*mapping->cell);
}

// The primitive of `uuid`, or with `call` (--call-args) the call's args.
base::Result<std::string> Dump(agent::db::MysqlNovaDatabase& db, const Options& options, const std::string& uuid,
                               const proto_compat::RemoveVolumeConnectionCall* call) {
  BASE_TRY_ASSIGN(agent::db::CellDatabase * cell, CellFor(db, options, uuid));
  if (options.service_version) {
    BASE_TRY_ASSIGN(std::optional<std::int64_t> version, cell->MinimumComputeServiceVersion());
    return version ? std::to_string(*version) : std::string("none");
  }
  BASE_TRY_ASSIGN(std::optional<proto_compat::InstanceRecord> record, cell->LoadInstance(uuid));
  if (!record) return base::Status::NotFound("no live instance " + uuid);
  if (call) {
    BASE_TRY_ASSIGN(std::string instance,
                    proto_compat::EncodeInstancePrimitive(*record, call->instance_version, options.fields));
    return proto_compat::RemoveVolumeConnectionArgs(*call, instance, *options.call_args_volume);
  }
  return proto_compat::EncodeInstancePrimitive(*record, options.version, options.fields);
}

// The minimum over every cell that answers, as Nova's "auto" computes it.
base::Result<std::int64_t> MinimumAcrossCells(agent::db::MysqlNovaDatabase& db) {
  BASE_TRY_ASSIGN(std::vector<agent::db::CellMapping> cells, db.ListCellMappings());
  std::vector<std::optional<std::int64_t>> versions;
  for (const agent::db::CellMapping& cell : cells) {
    auto cell_db = db.Cell(cell);
    if (!cell_db.ok()) continue;
    auto version = (*cell_db)->MinimumComputeServiceVersion();
    if (version.ok()) versions.push_back(*version);
  }
  return proto_compat::MinimumServiceVersionAcrossCells(versions);
}

base::Result<proto_compat::RemoveVolumeConnectionCall> Plan(agent::db::MysqlNovaDatabase& db,
                                                            const std::string& level_text) {
  const std::optional<std::string> level =
      level_text == "-" ? std::nullopt : std::optional<std::string>(level_text);
  std::optional<std::int64_t> minimum;
  if (proto_compat::IsAutoUpgradeLevel(level)) {
    BASE_TRY_ASSIGN(minimum, MinimumAcrossCells(db));
  }
  BASE_TRY_ASSIGN(proto_compat::ComputeRpcCap cap, proto_compat::ResolveComputeRpcCap(level, minimum));
  return proto_compat::PlanRemoveVolumeConnection(cap);
}

std::string PlanLine(const base::Result<proto_compat::RemoveVolumeConnectionCall>& call) {
  if (!call.ok()) return "error " + std::string(base::CodeName(call.error().code())) + ": " + call.error().message();
  return call->version + " " + call->topic + " " + (call->delete_attachment ? "true" : "false") + " " +
         std::string(proto_compat::InstanceVersionName(call->instance_version));
}

}  // namespace

int main(int argc, char** argv) {
  auto options = ParseArguments(argc, argv);
  if (!options.ok()) return Fail(options.error().ToString());
  auto conf = agent::config::LoadNovaConfig({{agent::config::SourceKind::kFile, options->config_file}});
  if (!conf.ok()) return Fail(conf.error().ToString());
  agent::Log log;
  agent::db::MysqlNovaDatabase db(
      {conf->api_database_connection.value_or(""), conf->database_connection.value_or(""), {}}, log);
  std::optional<base::Result<proto_compat::RemoveVolumeConnectionCall>> call;
  if (options->plan) {
    call = Plan(db, *options->plan);
    std::printf("%s\n", PlanLine(*call).c_str());
    if (options->call_args_volume && !call->ok()) return Fail("--call-args: no call to build");
  }
  const proto_compat::RemoveVolumeConnectionCall* call_args =
      options->call_args_volume ? &**call : nullptr;
  for (const std::string& uuid : options->uuids) {
    auto text = Dump(db, *options, uuid, call_args);
    if (!text.ok()) {
      return Fail(uuid + ": " + std::string(base::CodeName(text.error().code())) + ": " + text.error().message());
    }
    std::printf("%s\n", text->c_str());
  }
  return 0;
}
