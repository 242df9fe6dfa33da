#include "agent/db/mysql_error.h"

#include <string>

namespace agent::db {
namespace {

// Server (ER_*) and client (CR_*) error numbers, as published by MariaDB and
// MySQL; spelled out here so this file does not need <mysql.h>.
constexpr unsigned kErDbAccessDenied = 1044;
constexpr unsigned kErAccessDenied = 1045;
constexpr unsigned kErBadDb = 1049;
constexpr unsigned kErTooManyConnections = 1040;
constexpr unsigned kErConCount = 1203;
constexpr unsigned kErServerShutdown = 1053;
constexpr unsigned kErBadField = 1054;
constexpr unsigned kErNoSuchTable = 1146;
constexpr unsigned kErTableAccessDenied = 1142;
constexpr unsigned kErLockWaitTimeout = 1205;
constexpr unsigned kErStatementTimeout = 1969;
constexpr unsigned kCrConnectionError = 2002;
constexpr unsigned kCrConnHostError = 2003;
constexpr unsigned kCrUnknownHost = 2005;
constexpr unsigned kCrServerGone = 2006;
constexpr unsigned kCrServerLost = 2013;
constexpr unsigned kCrServerLostExtended = 2055;
constexpr unsigned kCrSslConnectionError = 2026;
constexpr unsigned kCrCantReadCharset = 2019;

}  // namespace

base::Status MysqlError(unsigned int error_number, std::string_view error_text,
                        std::string_view context) {
  if (error_number == kCrCantReadCharset) {  // its text names the charset, from the URL (a secret option)
    return base::Status::InvalidInput(std::string(context) +
                                      ": the client library does not know the charset the URL's charset query "
                                      "option names (mysql error 2019)");
  }
  std::string message(context);
  message += ": ";
  message += error_text.empty() ? std::string_view("unknown error") : error_text;
  message += " (mysql error " + std::to_string(error_number) + ")";
  switch (error_number) {
    case kCrConnectionError:
    case kCrConnHostError:
    case kCrUnknownHost:
    case kCrServerGone:
    case kCrServerLost:
    case kCrServerLostExtended:
    case kCrSslConnectionError:
    case kErTooManyConnections:
    case kErConCount:
    case kErServerShutdown:
      return base::Status::Unavailable(std::move(message));
    case kErAccessDenied:
    case kErDbAccessDenied:
    case kErTableAccessDenied:
      return base::Status::PermissionDenied(std::move(message));
    case kErBadDb:
    case kErNoSuchTable:
    case kErBadField:
      return base::Status::FailedPrecondition(std::move(message));
    case kErLockWaitTimeout:
    case kErStatementTimeout:
      return base::Status::Timeout(std::move(message));
    default:
      return base::Status::Internal(std::move(message));
  }
}

}  // namespace agent::db
