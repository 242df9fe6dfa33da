// TestHooks: points where a test build makes a refresh behave as a crash or
// an operator would at a chosen moment (SIGKILL right after a journal line,
// a pause that waits for a real SIGINT). The release binary has none: main()
// passes CommandEnv::hooks = nullptr and nothing in agent_lib reads the
// environment for them. Only a binary built with -Dtest_hooks=true (the
// tests' ASan tree) links an implementation (agent/test_hooks_env.h).
#pragma once

#include <stop_token>
#include <string_view>

namespace agent {

class StopRequest;  // agent/interrupt.h

class TestHooks {
 public:
  virtual ~TestHooks() = default;
  // Called right after the journal line of `step` (JournalStepName, or
  // "begin" once the journal exists) is written. `stop` (may be nullptr) is
  // the command's stop request; a hook that pauses returns when it is set.
  virtual void AfterJournalStep(std::string_view step, const StopRequest* stop) const = 0;
  // Called by `serve` when a request for `method` was admitted, before its
  // handler does anything; a hook that delays returns early once `cancel`
  // is requested.
  virtual void BeforeHandler(std::string_view method, std::stop_token cancel) const {
    (void)method;
    (void)cancel;
  }
};

}  // namespace agent
