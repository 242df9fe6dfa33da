#include "agent/serve/failure_classes.h"

#include "agent/exit_codes.h"
#include "rpc/rpc_dispatcher.h"

namespace agent::serve {
namespace {

namespace code = agent::exit_code;

// Codes every command shares (exit_codes.h, 20 and up).
std::string_view SharedClass(int exit_code) {
  switch (exit_code) {
    case code::kConfig: return "ConfigurationError";
    case code::kApiDbUnavailable: return "ApiDatabaseUnavailable";
    case code::kCellDbUnavailable: return "CellDatabaseUnavailable";
    case code::kDbAccessDenied: return "DatabaseAccessDenied";
    case code::kCorruptData: return "CorruptData";
    case code::kInstanceDeleted: return "InstanceDeleted";
    case code::kDbSchema: return "DatabaseSchemaMismatch";
    case code::kUsage: return "InvalidArguments";
    case code::kInterrupted: return "Interrupted";
    default: return "InternalError";
  }
}

std::string_view RefreshClass(int exit_code) {
  switch (exit_code) {
    case code::kRefreshConnectorMissing: return "ConnectorNotFound";
    case code::kRefreshConnectorInvalid: return "InvalidConnector";
    case code::kRefreshInstanceNotFound: return "InstanceNotFound";
    case code::kRefreshInstanceState: return "InstanceNotStopped";
    case code::kRefreshBdmNotFound: return "VolumeBdmNotFound";
    case code::kRefreshHostConflict: return "ConnectorHostMismatch";
    case code::kRefreshInstanceLocked: return "InstanceLocked";
    case code::kRefreshTaskInProgress: return "InstanceTaskInProgress";
    case code::kRefreshNotLibvirt: return "NotLibvirtCompute";
    case code::kRefreshNotVolumeBdm: return "NotAttachedVolume";
    case code::kRefreshAlreadyRunning: return "RefreshInProgress";
    case code::kRefreshComputeFailed: return "ComputeCallFailed";
    case code::kRefreshCinderFailed: return "CinderCallFailed";
    case code::kRefreshNeedsRecovery: return "RefreshNeedsRecovery";
    case code::kRefreshComputeTooOld: return "ComputeRpcTooOld";
    case code::kRefreshBrokerUnavailable: return "BrokerUnavailable";
    case code::kRefreshKeptReserved: return "VolumeKeptReserved";
    case code::kRefreshCinderUnavailable: return "CinderUnavailable";
    default: return SharedClass(exit_code);
  }
}

std::string_view ShowClass(int exit_code) {
  switch (exit_code) {
    case code::kShowInstanceNotFound: return "InstanceNotFound";
    case code::kShowBdmNotFound: return "BdmNotFound";
    case code::kNoConnectionInfo: return "NoConnectionInfo";
    default: return SharedClass(exit_code);
  }
}

}  // namespace

std::string_view FailureClass(FailingCommand command, int exit_code) {
  switch (command) {
    case FailingCommand::kShow: return ShowClass(exit_code);
    case FailingCommand::kRefresh: return RefreshClass(exit_code);
    case FailingCommand::kGetConnector:
      return exit_code == code::kUnexpected ? "ConnectorUnavailable" : SharedClass(exit_code);
  }
  return "InternalError";
}

rpc::RemoteFailure CommandFailure(FailingCommand command, int exit_code, std::string message) {
  return rpc::MakeRemoteFailure(std::string(FailureClass(command, exit_code)), std::string(kExceptionModule),
                                std::move(message));
}

rpc::RemoteFailure NotAuthorizedFailure(std::string message) {
  return rpc::MakeRemoteFailure("NotAuthorized", std::string(kExceptionModule), std::move(message));
}

rpc::RemoteFailure InvalidArgumentsFailure(std::string message) {
  return rpc::MakeRemoteFailure("InvalidArguments", std::string(kExceptionModule), std::move(message));
}

}  // namespace agent::serve
