#include "agent/test_hooks_env.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "agent/interrupt.h"

namespace agent {
namespace {

std::string Variable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

EnvTestHooks::EnvTestHooks()
    : crash_after_(Variable("BDM_AGENT_TEST_CRASH_AFTER")),
      pause_after_(Variable("BDM_AGENT_TEST_PAUSE_AFTER")),
      paused_file_(Variable("BDM_AGENT_TEST_PAUSED_FILE")),
      resume_file_(Variable("BDM_AGENT_TEST_RESUME_FILE")),
      slow_methods_("," + Variable("BDM_AGENT_TEST_SLOW_METHODS") + ","),
      slow_ms_(std::atol(Variable("BDM_AGENT_TEST_SLOW_HANDLER_MS").c_str())) {}

void EnvTestHooks::BeforeHandler(std::string_view method, std::stop_token cancel) const {
  if (slow_ms_ <= 0 || slow_methods_.find("," + std::string(method) + ",") == std::string::npos) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(slow_ms_);
  while (!cancel.stop_requested() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void EnvTestHooks::AfterJournalStep(std::string_view step, const StopRequest* stop) const {
  if (!crash_after_.empty() && step == crash_after_) std::raise(SIGKILL);
  if (pause_after_.empty() || step != pause_after_) return;
  if (!paused_file_.empty()) std::ofstream(paused_file_) << step << "\n";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const auto resumed = [this] { return !resume_file_.empty() && std::filesystem::exists(resume_file_); };
  while ((stop == nullptr || !stop->requested()) && !resumed() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace agent
