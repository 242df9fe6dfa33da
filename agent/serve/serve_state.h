// ServeState: what the handlers of one `bdm-agent serve` process share, and
// what each worker thread keeps for itself.
//
// Shared: the configuration snapshot (Nova's options and the serve
// settings), replaced as a whole by Reload() (SIGHUP) while requests run, the
// service log, the test hooks, the start time, the refresh event sink, and
// Cinder's access with its Keystone tokens (one set for all workers).
// Per thread (database connections and RPC clients are not thread-safe):
// a NovaSession on the snapshot it was made from (made again on the first
// request after a reload), the peer-time accumulators lent to it, the RPC
// client that asks other agents for their connector (connected on first
// use), and a random generator.
//
// Thread safety: every member function may be called from any thread;
// ForThisThread() returns the calling thread's resources, which only that
// thread may use.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "agent/cinder/cinder_client.h"
#include "agent/commands/nova_session.h"
#include "agent/log.h"
#include "agent/peer_time.h"
#include "agent/serve/refresh_events.h"
#include "agent/serve/serve_settings.h"
#include "agent/test_hooks.h"
#include "rpc/rpc_client.h"

namespace agent::serve {

struct ServeConfig {
  config::NovaConfig nova;
  ServeSettings settings;
};

struct WorkerResources {
  std::shared_ptr<const ServeConfig> config;  // the snapshot `session` was made from
  PeerTimes times;                            // the current request's; reset by the handler
  std::optional<commands::NovaSession> session;
  std::optional<rpc::RpcClient> connector_client;
  std::mt19937_64 rng{std::random_device{}()};
};

class ServeState {
 public:
  // `log`, `hooks` (may be nullptr) and `events` must outlive the state.
  ServeState(ServeConfig config, const Log& log, const TestHooks* hooks, RefreshEvents& events);

  std::shared_ptr<const ServeConfig> Config() const;
  // Requests that start after this see `config`.
  void Reload(ServeConfig config);

  // The calling thread's resources, on the current snapshot.
  WorkerResources& ForThisThread();

  // The Cinder access (settings, endpoint, tokens) of the snapshot
  // `config`, shared by every worker: opened by the first caller (one
  // Keystone token request, or two with a distinct service user; the others
  // wait for it), kept until a reload brings a new snapshot. Open's errors
  // are not kept: the next call tries again. The tokens are renewed as
  // agent/cinder/cinder_auth.h says.
  base::Result<std::shared_ptr<const cinder::CinderAccess>> Cinder(const std::shared_ptr<const ServeConfig>& config,
                                                                    const cinder::CinderSession& session);

  const Log& log() const { return log_; }
  const TestHooks* hooks() const { return hooks_; }
  RefreshEvents& events() const { return events_; }
  std::chrono::steady_clock::duration uptime() const { return std::chrono::steady_clock::now() - started_; }

 private:
  const Log& log_;
  const TestHooks* const hooks_;
  RefreshEvents& events_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  mutable std::mutex mutex_;
  std::shared_ptr<const ServeConfig> config_;
  std::map<std::thread::id, std::unique_ptr<WorkerResources>> workers_;
  std::mutex cinder_mutex_;  // held while the access is opened
  std::shared_ptr<const ServeConfig> cinder_config_;
  std::shared_ptr<const cinder::CinderAccess> cinder_;
};

}  // namespace agent::serve
