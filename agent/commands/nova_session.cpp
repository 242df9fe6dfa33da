#include "agent/commands/nova_session.h"

namespace agent::commands {

base::Result<NovaSession> OpenNovaSession(const CommandEnv& env, PeerTime* database_time) {
  BASE_TRY_ASSIGN(config::NovaConfig conf, config::LoadNovaConfig(env.global.config));
  db::ConnectOptions connect;
  connect.peer_time = database_time;
  auto nova_db = std::make_unique<db::MysqlNovaDatabase>(
      db::NovaDatabaseSettings{conf.api_database_connection.value_or(""), conf.database_connection.value_or(""),
                               connect},
      env.log);
  return NovaSession{std::move(conf), std::move(nova_db)};
}

}  // namespace agent::commands
