// The one place that turns a MariaDB Connector/C error into a base::Status.
//
// Classification, by what the caller can do next:
//   server unreachable, connection lost, too many connections -> kUnavailable
//   access denied (bad user/password, no grant on the schema)  -> kPermissionDenied
//   unknown database / table / column (schema missing or older)  -> kFailedPrecondition
//   lock wait timeout, query interrupted by read timeout       -> kTimeout
//   a charset the client library does not know (the URL's)     -> kInvalidInput
//   anything else                                               -> kInternal
// The message is "context: <server text> (mysql error N)". The server's own
// text never contains the password (it says "using password: YES").
#pragma once

#include <string_view>

#include "base/status.h"

namespace agent::db {

base::Status MysqlError(unsigned int error_number, std::string_view error_text,
                        std::string_view context);

}  // namespace agent::db
