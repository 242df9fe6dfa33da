// EnvTestHooks: the test hooks of agent/test_hooks.h, set from the
// environment. Compiled only into a bdm-agent built with -Dtest_hooks=true.
//   BDM_AGENT_TEST_CRASH_AFTER=<step>  SIGKILL this process right after the
//                                      journal line of <step>, as a crash would
//   BDM_AGENT_TEST_PAUSE_AFTER=<step>  after that line, create the file
//                                      $BDM_AGENT_TEST_PAUSED_FILE and wait
//                                      (up to 60 s) until a stop is requested
//                                      or the file $BDM_AGENT_TEST_RESUME_FILE
//                                      exists, so that a test can send a real
//                                      signal at that exact step
//   BDM_AGENT_TEST_SLOW_METHODS=<m,...> `serve` sleeps BDM_AGENT_TEST_SLOW_
//   BDM_AGENT_TEST_SLOW_HANDLER_MS=<ms> HANDLER_MS before running these RPC
//                                      methods (until the server cancels
//                                      the handler), to test a slow handler
#pragma once

#include <string>

#include "agent/test_hooks.h"

namespace agent {

class EnvTestHooks final : public TestHooks {
 public:
  EnvTestHooks();  // reads the variables once
  void AfterJournalStep(std::string_view step, const StopRequest* stop) const override;
  void BeforeHandler(std::string_view method, std::stop_token cancel) const override;

 private:
  std::string crash_after_, pause_after_, paused_file_, resume_file_;
  std::string slow_methods_;  // ",m1,m2,"
  long slow_ms_ = 0;
};

}  // namespace agent
