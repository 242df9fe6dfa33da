// The Nova databases as bdm-agent sees them (cells v2): the API database,
// which maps instances to cells, and one database per cell.
//
// These interfaces are the seam between the commands and MySQL: commands and
// workflows take a NovaDatabase&, production passes MysqlNovaDatabase, and a
// test may pass an implementation that injects faults the real server cannot.
//
// All lookups see live rows only (deleted = 0) unless a method says otherwise.
// Errors: kUnavailable (server unreachable), kPermissionDenied (credentials),
// kFailedPrecondition (schema missing), kCorrupt (a row that does not parse),
// each naming the database it came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "agent/db/records.h"
#include "base/result.h"
#include "proto_compat/instance.h"

namespace agent::db {

class CellDatabase {
 public:
  virtual ~CellDatabase() = default;

  // The first live volume BDM of the instance for the volume, as Nova's
  // BlockDeviceMapping.get_by_volume_and_instance finds it.
  virtual base::Result<std::optional<BlockDeviceMapping>> FindVolumeBdm(
      std::string_view instance_uuid, std::string_view volume_id) = 0;

  // The live BDM with this uuid.
  virtual base::Result<std::optional<BlockDeviceMapping>> FindBdmByUuid(std::string_view bdm_uuid) = 0;

  // The instance row with this uuid, deleted or not (see InstanceSummary::deleted).
  virtual base::Result<std::optional<InstanceSummary>> FindInstance(std::string_view instance_uuid) = 0;

  // The live instance with this uuid and the rows its Instance object is
  // loaded with (info cache, system metadata, security groups), as
  // agent/db/instance_loader.h describes; empty when there is no live row.
  virtual base::Result<std::optional<proto_compat::InstanceRecord>> LoadInstance(
      std::string_view instance_uuid) = 0;

  // MIN(version) of the live, not forced-down nova-compute services in this
  // cell; empty when there are none (or all versions are NULL).
  virtual base::Result<std::optional<std::int64_t>> MinimumComputeServiceVersion() = 0;
};

class NovaDatabase {
 public:
  virtual ~NovaDatabase() = default;

  virtual base::Result<std::optional<InstanceMapping>> FindInstanceMapping(
      std::string_view instance_uuid) = 0;

  // Every cell mapping, cell0 included, in id order.
  virtual base::Result<std::vector<CellMapping>> ListCellMappings() = 0;

  // The database of a cell, connected on first use and kept open; the pointer
  // stays valid as long as this NovaDatabase.
  virtual base::Result<CellDatabase*> Cell(const CellMapping& cell) = 0;

  // The local [database] connection, which Nova uses for an instance whose
  // mapping has no cell yet.
  virtual base::Result<CellDatabase*> LocalCell() = 0;
};

}  // namespace agent::db
