// MysqlNovaDatabase: NovaDatabase over real MariaDB/MySQL connections.
//
// The API database is connected on first use; each cell database is connected
// on first use and kept (one connection per cell). Cell mapping URLs may be
// templates and are expanded against the local config as Nova does.
//
// Thread safety: Cell() and LocalCell() may be called from several threads at
// once (cells are connected concurrently; should two threads connect the same
// cell, the first connection is kept); the other calls one thread at a time.
//
// Only reads here; nothing is written. Every query is a prepared statement.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent/db/mysql_connection.h"
#include "agent/db/nova_database.h"
#include "agent/log.h"

namespace agent::db {

struct NovaDatabaseSettings {
  std::string api_connection;    // [api_database] connection
  std::string local_connection;  // [database] connection (may be empty)
  ConnectOptions connect;
};

class MysqlNovaDatabase final : public NovaDatabase {
 public:
  // `log` must outlive this object.
  MysqlNovaDatabase(NovaDatabaseSettings settings, const Log& log);
  ~MysqlNovaDatabase() override;

  base::Result<std::optional<InstanceMapping>> FindInstanceMapping(
      std::string_view instance_uuid) override;
  base::Result<std::vector<CellMapping>> ListCellMappings() override;
  base::Result<CellDatabase*> Cell(const CellMapping& cell) override;
  base::Result<CellDatabase*> LocalCell() override;

 private:
  base::Result<MysqlConnection*> Api();
  base::Result<CellDatabase*> OpenCell(const std::string& key, const std::string& url_text,
                                       const std::string& label, const std::string& cell_name);

  NovaDatabaseSettings settings_;
  const Log& log_;
  std::optional<MysqlConnection> api_;
  std::mutex cells_mutex_;                                      // guards cells_
  std::map<std::string, std::unique_ptr<CellDatabase>> cells_;  // by cell uuid
};

}  // namespace agent::db
