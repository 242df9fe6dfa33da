// NovaSession: what the commands that work on Nova's databases (show,
// refresh, recover) open first, in one place: Nova's configuration from the
// global options (--config-file, --config-dir) and the Nova databases it
// names. The databases connect on first use (agent/db/mysql_nova_database.h),
// so opening a session reaches no peer; a command opens Cinder or the
// broker itself, after its own checks, when it needs them.
#pragma once

#include <memory>

#include "agent/command_env.h"
#include "agent/config/nova_config.h"
#include "agent/db/mysql_nova_database.h"
#include "agent/peer_time.h"
#include "base/result.h"

namespace agent::commands {

struct NovaSession {
  config::NovaConfig conf;
  std::unique_ptr<db::MysqlNovaDatabase> nova_db;
};

// The session for `env`'s configuration. `database_time` (may be nullptr)
// gets the time of every database call and must outlive the session. Errors
// as config::LoadNovaConfig (kInvalidInput, kNotFound: exit_code::kConfig).
base::Result<NovaSession> OpenNovaSession(const CommandEnv& env, PeerTime* database_time = nullptr);

// The session for a configuration already loaded (serve keeps one per
// worker thread); `log` and `database_time` must outlive it.
NovaSession MakeNovaSession(config::NovaConfig conf, const Log& log, PeerTime* database_time = nullptr);

}  // namespace agent::commands
