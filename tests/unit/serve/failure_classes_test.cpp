#include "agent/serve/failure_classes.h"

#include <set>
#include <string>

#include <doctest/doctest.h>

#include "agent/exit_codes.h"

using agent::serve::FailingCommand;
using agent::serve::FailureClass;
namespace code = agent::exit_code;

TEST_CASE("agent::serve::FailureClass: one class per refresh exit condition") {
  std::set<std::string> classes;
  for (int exit_code = 2; exit_code <= 27; ++exit_code) classes.insert(std::string(FailureClass(FailingCommand::kRefresh, exit_code)));
  classes.insert(std::string(FailureClass(FailingCommand::kRefresh, code::kInterrupted)));
  CHECK(classes.size() == 27);  // 2..27 and 130 each have their own
  CHECK(FailureClass(FailingCommand::kRefresh, code::kRefreshInstanceState) == "InstanceNotStopped");
  CHECK(FailureClass(FailingCommand::kRefresh, code::kRefreshHostConflict) == "ConnectorHostMismatch");
  CHECK(FailureClass(FailingCommand::kRefresh, code::kRefreshBdmNotFound) == "VolumeBdmNotFound");
  CHECK(FailureClass(FailingCommand::kRefresh, 999) == "InternalError");
}

TEST_CASE("agent::serve::FailureClass: codes are read per command") {
  CHECK(FailureClass(FailingCommand::kShow, 2) == "InstanceNotFound");
  CHECK(FailureClass(FailingCommand::kRefresh, 2) == "ConnectorNotFound");
  CHECK(FailureClass(FailingCommand::kShow, 3) == "BdmNotFound");
  CHECK(FailureClass(FailingCommand::kRefresh, 3) == "InvalidConnector");
  CHECK(FailureClass(FailingCommand::kShow, code::kCorruptData) == "CorruptData");
  CHECK(FailureClass(FailingCommand::kGetConnector, code::kUnexpected) == "ConnectorUnavailable");
  const rpc::RemoteFailure failure = agent::serve::CommandFailure(FailingCommand::kShow, 3, "no BDM x");
  CHECK(failure.class_name == "BdmNotFound");
  CHECK(failure.module == "bdm_agent.exception");
  CHECK(failure.message == "no BDM x");
}
