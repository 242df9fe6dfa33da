// NotifySystemd: sd_notify(3)'s protocol without libsystemd: one datagram
// ("READY=1", "STOPPING=1", "RELOADING=1", "STATUS=...") to the socket
// named by $NOTIFY_SOCKET (a path, or '@' for an abstract name), so that a
// Type=notify unit knows when serve consumes. Does nothing when the
// variable is unset (not started by systemd). kUnavailable when the send
// fails; the caller logs it and goes on.
#pragma once

#include <string_view>

#include "base/status.h"

namespace agent::serve {

base::Status NotifySystemd(std::string_view state);

}  // namespace agent::serve
