#include "agent/exit_codes.h"

#include "agent/db/bdm_locator.h"

namespace agent::exit_code {

int ForDatabase(const base::Status& status, bool api) {
  switch (status.code()) {
    case base::Code::kUnavailable:
    case base::Code::kTimeout:
      return api ? kApiDbUnavailable : kCellDbUnavailable;
    case base::Code::kPermissionDenied: return kDbAccessDenied;
    case base::Code::kCorrupt: return kCorruptData;
    case base::Code::kFailedPrecondition: return kDbSchema;
    case base::Code::kInvalidInput: return kConfig;
    default: return kUnexpected;
  }
}

int ForLocate(db::LocateFailure failure, const base::Status& status, int instance_not_found, int bdm_not_found) {
  switch (failure) {
    case db::LocateFailure::kNoInstanceMapping:
    case db::LocateFailure::kInstanceNotFound: return instance_not_found;
    case db::LocateFailure::kInstanceDeleted: return kInstanceDeleted;
    case db::LocateFailure::kBdmNotFound: return bdm_not_found;
    case db::LocateFailure::kApiDatabase: return ForDatabase(status, /*api=*/true);
    case db::LocateFailure::kCellDatabase: return ForDatabase(status, /*api=*/false);
  }
  return kUnexpected;
}

int ForJournalOpen(const base::Status& status) {
  switch (status.code()) {
    case base::Code::kFailedPrecondition: return kRefreshAlreadyRunning;
    case base::Code::kCorrupt: return kCorruptData;
    case base::Code::kInvalidInput: return kConfig;  // a name that is not an instance uuid
    default: return kRefreshNeedsRecovery;
  }
}

}  // namespace agent::exit_code
