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
#include <string>
#include <string_view>
#include <vector>

#include "agent/db/instance_changes.h"
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

  // compute_nodes.hypervisor_type of the live node (host, hypervisor_hostname);
  // empty when there is no such node.
  virtual base::Result<std::optional<std::string>> ComputeNodeHypervisorType(std::string_view host,
                                                                             std::string_view node) = 0;

  // Every live instance `filter` selects with each of its live volume BDMs,
  // in one query (bdm-agent audit), ordered by instance uuid and BDM id.
  virtual base::Result<std::vector<InstanceVolumeRow>> ListInstanceVolumes(const InstanceFilter& filter) = 0;

  // --- refresh's writes; the rows are described in agent/db/instance_changes.h ---

  // The live BDM with this id.
  virtual base::Result<std::optional<BlockDeviceMapping>> FindBdmById(std::int64_t bdm_id) = 0;

  // The value of the instance's live system_metadata key `locked_reason`.
  virtual base::Result<std::optional<std::string>> LockedReason(std::string_view instance_uuid) = 0;

  // Locks the instance as compute.api.API.lock does for an admin, in one
  // transaction, only if it is live and unlocked; false (nothing written)
  // otherwise.
  virtual base::Result<bool> LockInstance(const InstanceLockChange& change) = 0;

  // Unlocks as compute.api.API.unlock does, in one transaction, only if the
  // instance is locked with exactly `change.reason`; false (nothing written)
  // otherwise.
  virtual base::Result<bool> UnlockInstance(const InstanceLockChange& change) = 0;

  // instance_actions rows (InstanceAction.action_start / finish).
  virtual base::Status StartInstanceAction(std::string_view instance_uuid, std::string_view action,
                                           std::string_view request_id) = 0;
  virtual base::Result<std::optional<InstanceActionRow>> FindInstanceAction(std::string_view instance_uuid,
                                                                           std::string_view request_id) = 0;
  virtual base::Status FinishInstanceAction(std::string_view instance_uuid, std::string_view request_id) = 0;

  // Stores a new attachment id and connection_info (NULL when empty) on the
  // live BDM `bdm_id`, only if its attachment_id is still
  // `expected_attachment_id` (compare-and-set); false (nothing written)
  // otherwise. updated_at is bumped as BlockDeviceMapping.save does.
  virtual base::Result<bool> SaveBdmAttachment(std::int64_t bdm_id,
                                               const std::optional<std::string>& expected_attachment_id,
                                               std::string_view attachment_id,
                                               const std::optional<std::string>& connection_info) = 0;
};

class NovaDatabase {
 public:
  virtual ~NovaDatabase() = default;

  virtual base::Result<std::optional<InstanceMapping>> FindInstanceMapping(
      std::string_view instance_uuid) = 0;

  // Every cell mapping, cell0 included, in id order.
  virtual base::Result<std::vector<CellMapping>> ListCellMappings() = 0;

  // The database of a cell, connected on first use and kept open; the pointer
  // stays valid as long as this NovaDatabase. Safe to call from several
  // threads at once (LocateBdmByUuid asks the cells concurrently); each
  // CellDatabase is then used by one thread at a time.
  virtual base::Result<CellDatabase*> Cell(const CellMapping& cell) = 0;

  // The local [database] connection, which Nova uses for an instance whose
  // mapping has no cell yet.
  virtual base::Result<CellDatabase*> LocalCell() = 0;
};

}  // namespace agent::db
