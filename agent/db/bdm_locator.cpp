#include "agent/db/bdm_locator.h"

#include <string>
#include <vector>

#include "agent/db/parallel_for.h"

namespace agent::db {
namespace {

// Cells searched at the same time (one thread and one connection each) by
// LocateBdmByUuid; more cells wait for a free thread.
constexpr std::size_t kMaxCellsAtOnce = 32;

}  // namespace

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
  // Every cell at once, each on its own connection: a region has dozens of
  // cells, whose connects and queries one after another would add up.
  struct CellAnswer {
    CellDatabase* cell_db = nullptr;
    base::Result<std::optional<BlockDeviceMapping>> bdm = base::Status::Internal("cell not searched");
  };
  std::vector<CellAnswer> answers(cells->size());
  ParallelFor(cells->size(), kMaxCellsAtOnce, [&](std::size_t i) {
    auto cell_db = db.Cell((*cells)[i]);
    if (!cell_db.ok()) {
      answers[i].bdm = cell_db.error();
      return;
    }
    answers[i].cell_db = *cell_db;
    answers[i].bdm = (*cell_db)->FindBdmByUuid(bdm_uuid);
  });

  // The answers in cell order, whichever came first: the first cell that has
  // the BDM wins, and failures are reported in that order too.
  std::string unreachable;
  base::Status first_failure;
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const CellMapping& cell = (*cells)[i];
    const auto& bdm = answers[i].bdm;
    if (!bdm.ok()) {
      log.Debug("cell '" + cell.name + "' could not be searched: " + bdm.error().ToString());
      if (first_failure.ok()) first_failure = bdm.error();
      unreachable += (unreachable.empty() ? "" : ", ") + ("'" + cell.name + "'");
      continue;
    }
    log.Debug("cell '" + cell.name + "': " + (bdm.value() ? "found" : "not found"));
    if (bdm.value() && !found) found = i;
  }
  if (found) return LocatedBdm{(*cells)[*found], answers[*found].cell_db, std::move(**answers[*found].bdm)};
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
