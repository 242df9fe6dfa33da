// The remote errors `bdm-agent serve` raises: one exception class per exit
// condition of the matching CLI command, module "bdm_agent.exception", so
// that a Python RPCClient gets a RemoteError whose exc_type names what went
// wrong (InstanceNotStopped, ConnectorHostMismatch, ...), the same condition
// the CLI's exit code names. Exit codes are per command (show's 2 is not
// refresh's 2), so each command has its own table. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "rpc/remote_error.h"

namespace agent::serve {

inline constexpr std::string_view kExceptionModule = "bdm_agent.exception";

enum class FailingCommand { kShow, kRefresh, kGetConnector };

// The class for `exit_code` of `command` ("InternalError" for a code the
// command does not use).
std::string_view FailureClass(FailingCommand command, int exit_code);

// The remote failure for `exit_code` of `command` with `message` (one line).
rpc::RemoteFailure CommandFailure(FailingCommand command, int exit_code, std::string message);

// Raised when the request's context is not an admin's (NotAuthorized) and
// for arguments the method does not take or cannot read (InvalidArguments).
rpc::RemoteFailure NotAuthorizedFailure(std::string message);
rpc::RemoteFailure InvalidArgumentsFailure(std::string message);

}  // namespace agent::serve
