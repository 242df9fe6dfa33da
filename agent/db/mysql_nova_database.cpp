#include "agent/db/mysql_nova_database.h"

#include "agent/config/cell_url_template.h"
#include "agent/config/database_url.h"
#include "agent/db/mysql_cell_database.h"
#include "agent/db/row_mapping.h"

namespace agent::db {
namespace {

// Column lists are spelled out where the record is fixed; BDMs are read with
// every column so that older and newer schemas both map (row_mapping.h).
constexpr std::string_view kMappingQuery =
    "SELECT im.instance_uuid, im.queued_for_delete, cm.id, cm.uuid, cm.name, "
    "cm.database_connection, cm.transport_url, cm.disabled "
    "FROM instance_mappings im LEFT JOIN cell_mappings cm ON im.cell_id = cm.id "
    "WHERE im.instance_uuid = ? LIMIT 1";
constexpr std::string_view kCellsQuery =
    "SELECT id, uuid, name, database_connection, transport_url, disabled "
    "FROM cell_mappings ORDER BY id";

}  // namespace

MysqlNovaDatabase::MysqlNovaDatabase(NovaDatabaseSettings settings, const Log& log)
    : settings_(std::move(settings)), log_(log) {}

MysqlNovaDatabase::~MysqlNovaDatabase() = default;

base::Result<MysqlConnection*> MysqlNovaDatabase::Api() {
  if (api_) return &*api_;
  if (settings_.api_connection.empty()) {
    return base::Status::InvalidInput("[api_database] connection is not set in the configuration");
  }
  BASE_TRY_ASSIGN(config::DatabaseUrl url,
                  config::ParseDatabaseUrl(settings_.api_connection, "[api_database] connection"));
  log_.Debug("connecting to the API database " + url.Redacted());
  BASE_TRY_ASSIGN(MysqlConnection connection,
                  MysqlConnection::Connect(url, settings_.connect, "API database"));
  api_.emplace(std::move(connection));
  return &*api_;
}

base::Result<std::optional<InstanceMapping>> MysqlNovaDatabase::FindInstanceMapping(
    std::string_view instance_uuid) {
  BASE_TRY_ASSIGN(MysqlConnection * api, Api());
  const SqlParam params[] = {std::string(instance_uuid)};
  BASE_TRY_ASSIGN(SqlRows rows, api->Query(kMappingQuery, params));
  log_.Debug("instance mapping lookup for " + std::string(instance_uuid) + ": " +
             std::to_string(rows.size()) + " row(s)");
  if (rows.empty()) return std::optional<InstanceMapping>();
  SqlRowView row(rows, 0);
  InstanceMapping mapping;
  mapping.instance_uuid = row.Get("instance_uuid").value_or("");
  mapping.queued_for_delete = row.Get("queued_for_delete").value_or("0") != "0";
  if (row.Get("uuid")) {
    BASE_TRY_ASSIGN(CellMapping cell, CellMappingFromRow(row));
    mapping.cell = std::move(cell);
  }
  return std::optional<InstanceMapping>(std::move(mapping));
}

base::Result<std::vector<CellMapping>> MysqlNovaDatabase::ListCellMappings() {
  BASE_TRY_ASSIGN(MysqlConnection * api, Api());
  BASE_TRY_ASSIGN(SqlRows rows, api->Query(kCellsQuery));
  std::vector<CellMapping> cells;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    BASE_TRY_ASSIGN(CellMapping cell, CellMappingFromRow(SqlRowView(rows, i)));
    cells.push_back(std::move(cell));
  }
  return cells;
}

base::Result<CellDatabase*> MysqlNovaDatabase::Cell(const CellMapping& cell) {
  const std::string label = "cell '" + (cell.name.empty() ? cell.uuid : cell.name) + "' database";
  return OpenCell(cell.uuid, cell.database_connection, label, cell.name.empty() ? cell.uuid : cell.name);
}

base::Result<CellDatabase*> MysqlNovaDatabase::LocalCell() {
  if (settings_.local_connection.empty()) {
    return base::Status::InvalidInput("[database] connection is not set in the configuration");
  }
  return OpenCell("", settings_.local_connection, "local database", "");
}

base::Result<CellDatabase*> MysqlNovaDatabase::OpenCell(const std::string& key,
                                                        const std::string& url_text,
                                                        const std::string& label,
                                                        const std::string& cell_name) {
  {
    const std::lock_guard lock(cells_mutex_);
    if (auto it = cells_.find(key); it != cells_.end()) return it->second.get();
  }
  std::string expanded = url_text;
  std::string option = "[database] connection";
  if (!cell_name.empty()) {
    const std::optional<std::string> local =
        settings_.local_connection.empty() ? std::nullopt : std::optional(settings_.local_connection);
    BASE_TRY_ASSIGN(expanded, config::FormatCellUrl(url_text, config::CellUrlField::kDatabaseConnection,
                                                    local, cell_name));
    option = "database_connection of cell '" + cell_name + "'";
  }
  BASE_TRY_ASSIGN(config::DatabaseUrl url, config::ParseDatabaseUrl(expanded, option));
  log_.Debug("connecting to the " + label + " " + url.Redacted());
  BASE_TRY_ASSIGN(MysqlConnection connection, MysqlConnection::Connect(url, settings_.connect, label));
  auto cell = std::make_unique<MysqlCellDatabase>(std::move(connection));
  const std::lock_guard lock(cells_mutex_);
  return cells_.try_emplace(key, std::move(cell)).first->second.get();
}

}  // namespace agent::db
