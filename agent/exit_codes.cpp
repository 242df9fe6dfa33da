#include "agent/exit_codes.h"

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

}  // namespace agent::exit_code
