#include "agent/commands/nova_session.h"

namespace agent::commands {

base::Result<NovaSession> OpenNovaSession(const CommandEnv& env, PeerTime* database_time) {
  BASE_TRY_ASSIGN(config::NovaConfig conf, config::LoadNovaConfig(env.global.config));
  return MakeNovaSession(std::move(conf), env.log, database_time);
}

NovaSession MakeNovaSession(config::NovaConfig conf, const Log& log, PeerTime* database_time) {
  db::ConnectOptions connect;
  connect.peer_time = database_time;
  auto nova_db = std::make_unique<db::MysqlNovaDatabase>(
      db::NovaDatabaseSettings{conf.api_database_connection.value_or(""), conf.database_connection.value_or(""),
                               connect},
      log);
  return NovaSession{std::move(conf), std::move(nova_db)};
}

}  // namespace agent::commands
