#include "agent/db/bdm_locator.h"

#include <string>

namespace agent::db {

LocateResult LocateVolumeBdm(NovaDatabase& db, std::string_view instance_uuid,
                             std::string_view volume_id, const Log& log) {
  const std::string instance(instance_uuid);
  auto mapping = db.FindInstanceMapping(instance_uuid);
  if (!mapping.ok()) return {LocateFailure::kApiDatabase, mapping.error()};
  if (!mapping.value()) {
    return {LocateFailure::kNoInstanceMapping,
            base::Status::NotFound("Instance " + instance + " has no mapping to a cell.")};
  }
  const std::optional<CellMapping>& cell = (*mapping)->cell;
  log.Debug("instance " + instance + " is in " +
            (cell ? "cell '" + cell->name + "' (" + cell->uuid + ")" : std::string("no cell yet")));
  auto cell_db = cell ? db.Cell(*cell) : db.LocalCell();
  if (!cell_db.ok()) return {LocateFailure::kCellDatabase, cell_db.error()};

  auto bdm = (*cell_db)->FindVolumeBdm(instance_uuid, volume_id);
  if (!bdm.ok()) return {LocateFailure::kCellDatabase, bdm.error()};
  if (bdm.value()) return LocatedBdm{cell, *cell_db, std::move(**bdm)};

  // Explain the miss: no instance, a deleted one, or no such volume BDM.
  auto row = (*cell_db)->FindInstance(instance_uuid);
  if (!row.ok()) return {LocateFailure::kCellDatabase, row.error()};
  if (!row.value()) {
    return {LocateFailure::kInstanceNotFound,
            base::Status::NotFound("Instance " + instance + " could not be found.")};
  }
  if ((*row)->deleted) {
    return {LocateFailure::kInstanceDeleted,
            base::Status::FailedPrecondition("Instance " + instance + " is deleted.")};
  }
  return {LocateFailure::kBdmNotFound,
          base::Status::NotFound("No volume Block Device Mapping with id " + std::string(volume_id) +
                                 " for instance " + instance + ".")};
}

LocateResult LocateBdmByUuid(NovaDatabase& db, std::string_view bdm_uuid, const Log& log) {
  auto cells = db.ListCellMappings();
  if (!cells.ok()) return {LocateFailure::kApiDatabase, cells.error()};
  std::string unreachable;
  base::Status first_failure;
  for (const CellMapping& cell : *cells) {
    auto cell_db = db.Cell(cell);
    auto bdm = cell_db.ok() ? (*cell_db)->FindBdmByUuid(bdm_uuid)
                            : base::Result<std::optional<BlockDeviceMapping>>(cell_db.error());
    if (!bdm.ok()) {
      log.Debug("cell '" + cell.name + "' could not be searched: " + bdm.error().ToString());
      if (first_failure.ok()) first_failure = bdm.error();
      unreachable += (unreachable.empty() ? "" : ", ") + ("'" + cell.name + "'");
      continue;
    }
    log.Debug("cell '" + cell.name + "': " + (bdm.value() ? "found" : "not found"));
    if (bdm.value()) return LocatedBdm{cell, *cell_db, std::move(**bdm)};
  }
  if (!first_failure.ok()) {
    return {LocateFailure::kCellDatabase,
            first_failure.WithContext("Block Device Mapping " + std::string(bdm_uuid) +
                                      " not found in the cells that answered; could not search " +
                                      unreachable)};
  }
  return {LocateFailure::kBdmNotFound,
          base::Status::NotFound("No Block Device Mapping with uuid " + std::string(bdm_uuid) +
                                 " in any of " + std::to_string(cells->size()) + " cells.")};
}

}  // namespace agent::db
