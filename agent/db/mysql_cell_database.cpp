#include "agent/db/mysql_cell_database.h"

#include <charconv>

#include "agent/db/instance_loader.h"
#include "agent/db/row_mapping.h"

namespace agent::db {
namespace {

// BDMs are read with every column so that older and newer schemas both map
// (row_mapping.h); other column lists are spelled out.
constexpr std::string_view kVolumeBdmQuery =
    "SELECT * FROM block_device_mapping "
    "WHERE deleted = 0 AND volume_id = ? AND instance_uuid = ? ORDER BY id LIMIT 1";
constexpr std::string_view kBdmByUuidQuery =
    "SELECT * FROM block_device_mapping WHERE deleted = 0 AND uuid = ? LIMIT 1";
constexpr std::string_view kBdmByIdQuery = "SELECT * FROM block_device_mapping WHERE deleted = 0 AND id = ?";
constexpr std::string_view kInstanceQuery =
    "SELECT id, uuid, deleted, host, node, vm_state, task_state, locked, locked_by "
    "FROM instances WHERE uuid = ? ORDER BY deleted LIMIT 1";
constexpr std::string_view kMinimumComputeVersionQuery =
    "SELECT MIN(version) AS version FROM services "
    "WHERE `binary` = ? AND deleted = 0 AND forced_down = 0";
constexpr std::string_view kHypervisorTypeQuery =
    "SELECT hypervisor_type FROM compute_nodes "
    "WHERE deleted = 0 AND host = ? AND hypervisor_hostname = ? ORDER BY id LIMIT 1";
constexpr std::string_view kLockedReasonQuery =
    "SELECT value FROM instance_system_metadata "
    "WHERE deleted = 0 AND instance_uuid = ? AND `key` = ? ORDER BY id LIMIT 1";

base::Result<std::optional<BlockDeviceMapping>> FirstBdm(base::Result<SqlRows> rows) {
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<BlockDeviceMapping>();
  BASE_TRY_ASSIGN(BlockDeviceMapping bdm, BdmFromRow(SqlRowView(*rows, 0)));
  return std::optional<BlockDeviceMapping>(std::move(bdm));
}

// The first column of the first row, if any.
base::Result<std::optional<std::string>> FirstValue(base::Result<SqlRows> rows) {
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<std::string>();
  return rows->rows()[0][0];
}

}  // namespace

base::Result<std::optional<BlockDeviceMapping>> MysqlCellDatabase::FindVolumeBdm(std::string_view instance_uuid,
                                                                                 std::string_view volume_id) {
  const SqlParam params[] = {std::string(volume_id), std::string(instance_uuid)};
  return FirstBdm(connection_.Query(kVolumeBdmQuery, params));
}

base::Result<std::optional<BlockDeviceMapping>> MysqlCellDatabase::FindBdmByUuid(std::string_view bdm_uuid) {
  const SqlParam params[] = {std::string(bdm_uuid)};
  return FirstBdm(connection_.Query(kBdmByUuidQuery, params));
}

base::Result<std::optional<BlockDeviceMapping>> MysqlCellDatabase::FindBdmById(std::int64_t bdm_id) {
  const SqlParam params[] = {bdm_id};
  return FirstBdm(connection_.Query(kBdmByIdQuery, params));
}

base::Result<std::optional<InstanceSummary>> MysqlCellDatabase::FindInstance(std::string_view instance_uuid) {
  const SqlParam params[] = {std::string(instance_uuid)};
  BASE_TRY_ASSIGN(SqlRows rows, connection_.Query(kInstanceQuery, params));
  if (rows.empty()) return std::optional<InstanceSummary>();
  BASE_TRY_ASSIGN(InstanceSummary instance, InstanceSummaryFromRow(SqlRowView(rows, 0)));
  return std::optional<InstanceSummary>(std::move(instance));
}

base::Result<std::optional<proto_compat::InstanceRecord>> MysqlCellDatabase::LoadInstance(
    std::string_view instance_uuid) {
  return LoadInstanceRecord(connection_, instance_uuid);
}

base::Result<std::optional<std::int64_t>> MysqlCellDatabase::MinimumComputeServiceVersion() {
  const SqlParam params[] = {std::string("nova-compute")};
  BASE_TRY_ASSIGN(std::optional<std::string> text, FirstValue(connection_.Query(kMinimumComputeVersionQuery, params)));
  if (!text) return std::optional<std::int64_t>();
  std::int64_t version = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, version);
  if (ec != std::errc() || ptr != end) {
    return base::Status::Corrupt(connection_.label() + ": services.version minimum '" + *text +
                                 "' is not an integer");
  }
  return std::optional<std::int64_t>(version);
}

base::Result<std::optional<std::string>> MysqlCellDatabase::ComputeNodeHypervisorType(std::string_view host,
                                                                                       std::string_view node) {
  const SqlParam params[] = {std::string(host), std::string(node)};
  return FirstValue(connection_.Query(kHypervisorTypeQuery, params));
}

base::Result<std::optional<std::string>> MysqlCellDatabase::LockedReason(std::string_view instance_uuid) {
  const SqlParam params[] = {std::string(instance_uuid), std::string(kLockedReasonKey)};
  return FirstValue(connection_.Query(kLockedReasonQuery, params));
}

namespace {

// "?, ?, ?" for n parameters.
std::string Placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

}  // namespace

base::Result<std::vector<InstanceVolumeRow>> MysqlCellDatabase::ListInstanceVolumes(const InstanceFilter& filter) {
  std::string sql =
      "SELECT i.uuid AS instance_uuid, i.host AS instance_host, b.id AS bdm_id, b.uuid AS bdm_uuid, "
      "b.volume_id AS volume_id, b.attachment_id AS attachment_id, b.connection_info AS connection_info "
      "FROM instances i LEFT JOIN block_device_mapping b ON b.instance_uuid = i.uuid AND b.deleted = 0 "
      "AND b.destination_type = 'volume' AND b.volume_id IS NOT NULL WHERE i.deleted = 0";
  std::vector<SqlParam> params;
  if (!filter.hosts.empty()) {
    sql += " AND i.host IN (" + Placeholders(filter.hosts.size()) + ")";
    for (const std::string& host : filter.hosts) params.emplace_back(host);
  }
  if (!filter.instance_uuids.empty()) {
    sql += " AND i.uuid IN (" + Placeholders(filter.instance_uuids.size()) + ")";
    for (const std::string& uuid : filter.instance_uuids) params.emplace_back(uuid);
  }
  sql += " ORDER BY i.uuid, b.id";
  BASE_TRY_ASSIGN(SqlRows rows, connection_.Query(sql, params));
  std::vector<InstanceVolumeRow> out;
  out.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const SqlRowView row(rows, i);
    InstanceVolumeRow r;
    r.instance_uuid = row.Get("instance_uuid").value_or("");
    r.host = row.Get("instance_host");
    if (const SqlField& id = row.Get("bdm_id")) {
      const char* end = id->data() + id->size();
      if (std::from_chars(id->data(), end, r.bdm_id).ptr != end) {
        return base::Status::Corrupt("block_device_mapping: id \"" + *id + "\" is not an integer");
      }
      r.bdm_uuid = row.Get("bdm_uuid");
      r.volume_id = row.Get("volume_id").value_or("");
      r.attachment_id = row.Get("attachment_id");
      r.connection_info = row.Get("connection_info");
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace agent::db
