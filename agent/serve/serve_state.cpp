#include "agent/serve/serve_state.h"

namespace agent::serve {

ServeState::ServeState(ServeConfig config, const Log& log, const TestHooks* hooks, RefreshEvents& events)
    : log_(log), hooks_(hooks), events_(events), config_(std::make_shared<const ServeConfig>(std::move(config))) {}

std::shared_ptr<const ServeConfig> ServeState::Config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

void ServeState::Reload(ServeConfig config) {
  auto fresh = std::make_shared<const ServeConfig>(std::move(config));
  std::lock_guard lock(mutex_);
  config_ = std::move(fresh);
}

WorkerResources& ServeState::ForThisThread() {
  std::shared_ptr<const ServeConfig> current;
  WorkerResources* resources = nullptr;
  {
    std::lock_guard lock(mutex_);
    current = config_;
    std::unique_ptr<WorkerResources>& slot = workers_[std::this_thread::get_id()];
    if (!slot) slot = std::make_unique<WorkerResources>();
    resources = slot.get();
  }
  if (resources->config != current) {  // first request of this thread, or after a reload
    resources->connector_client.reset();
    resources->session.reset();
    resources->session.emplace(commands::MakeNovaSession(current->nova, log_, &resources->times.database));
    resources->config = std::move(current);
  }
  return *resources;
}

}  // namespace agent::serve
