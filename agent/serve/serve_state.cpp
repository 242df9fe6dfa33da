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

base::Result<std::shared_ptr<const cinder::CinderAccess>> ServeState::Cinder(
    const std::shared_ptr<const ServeConfig>& config, const cinder::CinderSession& session) {
  std::lock_guard lock(cinder_mutex_);
  if (cinder_ && cinder_config_ == config) return cinder_;
  BASE_TRY_ASSIGN(std::shared_ptr<const cinder::CinderAccess> access, cinder::CinderAccess::Open(config->nova, session));
  cinder_config_ = config;
  cinder_ = access;
  return access;
}

}  // namespace agent::serve
