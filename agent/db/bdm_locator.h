// Finding one block device mapping in a cells v2 deployment, the two ways an
// operator names it: by instance + volume (nova-manage's form: instance
// mapping -> cell -> BDM) or by the BDM's own uuid (every cell is searched).
//
// A failed lookup says which step failed, so that each command can map it to
// its own exit code (show: 2/3, refresh: 4/6, ...). Read-only.
#pragma once

#include <optional>
#include <string_view>
#include <variant>

#include "agent/db/nova_database.h"
#include "agent/log.h"

namespace agent::db {

struct LocatedBdm {
  std::optional<CellMapping> cell;  // empty: the local [database] (unmapped instance)
  CellDatabase* cell_db = nullptr;  // borrowed from the NovaDatabase
  BlockDeviceMapping bdm;
};

enum class LocateFailure {
  kNoInstanceMapping,  // the API DB has no mapping for the instance
  kInstanceNotFound,   // the cell DB has no such instance
  kInstanceDeleted,    // the instance row is soft-deleted
  kBdmNotFound,        // no live BDM matches
  kApiDatabase,        // the API DB failed (see status().code())
  kCellDatabase,       // a cell DB failed or could not be searched
};

class [[nodiscard]] LocateResult {
 public:
  LocateResult(LocatedBdm found) : state_(std::move(found)) {}  // NOLINT
  LocateResult(LocateFailure failure, base::Status status)
      : state_(Failure{failure, std::move(status)}) {}

  bool ok() const { return state_.index() == 0; }
  LocatedBdm& value() { return std::get<LocatedBdm>(state_); }
  LocateFailure failure() const { return std::get<Failure>(state_).kind; }
  const base::Status& status() const { return std::get<Failure>(state_).status; }

 private:
  struct Failure {
    LocateFailure kind;
    base::Status status;
  };
  std::variant<LocatedBdm, Failure> state_;
};

LocateResult LocateVolumeBdm(NovaDatabase& db, std::string_view instance_uuid,
                             std::string_view volume_id, const Log& log);

// Asks every cell at once (up to 32 at a time, each on its own thread and
// connection; NovaDatabase::Cell must allow that) and waits for all. The first
// cell in cell-mapping order that has the BDM wins, even when other cells
// failed; otherwise any failed cell makes it kCellDatabase, with the first
// failure (in cell order) and the names of all failed cells.
LocateResult LocateBdmByUuid(NovaDatabase& db, std::string_view bdm_uuid, const Log& log);

}  // namespace agent::db
