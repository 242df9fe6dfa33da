#include "agent/db/row_mapping.h"

#include <charconv>
#include <string>

namespace agent::db {
namespace {

// Reads typed columns of one row and remembers the first failure, so that a
// mapping function reads like a list of fields.
class ColumnReader {
 public:
  ColumnReader(const SqlRowView& row, std::string table) : row_(row), table_(std::move(table)) {
    const SqlField& id = row_.Get("id");
    where_ = table_ + (id ? " row id " + *id : std::string(" row"));
  }

  std::optional<std::string> String(std::string_view column) {
    if (!Require(column)) return std::nullopt;
    return row_.Get(column);
  }

  std::string RequiredString(std::string_view column) {
    auto value = String(column);
    if (!value && status_.ok()) Fail(column, "is NULL");
    return value.value_or("");
  }

  std::optional<std::int64_t> Int(std::string_view column) {
    if (!Require(column)) return std::nullopt;
    const SqlField& text = row_.Get(column);
    if (!text) return std::nullopt;
    std::int64_t value = 0;
    const char* end = text->data() + text->size();
    auto [ptr, ec] = std::from_chars(text->data(), end, value);
    if (ec != std::errc() || ptr != end) {
      Fail(column, "'" + *text + "' is not an integer");
      return std::nullopt;
    }
    return value;
  }

  // TINYINT(1) booleans; NULL reads as `null_value`.
  bool Bool(std::string_view column, bool null_value = false) {
    auto value = Int(column);
    return value ? *value != 0 : null_value;
  }

  std::optional<bool> OptionalBool(std::string_view column) {
    if (!row_.Has(column)) return std::nullopt;
    auto value = Int(column);
    if (!value) return std::nullopt;
    return *value != 0;
  }

  std::optional<std::string> OptionalString(std::string_view column) {
    return row_.Has(column) ? row_.Get(column) : std::nullopt;
  }

  base::Status status() const { return status_; }

 private:
  bool Require(std::string_view column) {
    if (row_.Has(column)) return true;
    Fail(column, "is missing from the schema");
    return false;
  }

  void Fail(std::string_view column, const std::string& what) {
    if (status_.ok()) {
      status_ = base::Status::Corrupt(where_ + ": column " + std::string(column) + " " + what);
    }
  }

  const SqlRowView& row_;
  std::string table_;
  std::string where_;
  base::Status status_;
};

}  // namespace

base::Result<BlockDeviceMapping> BdmFromRow(const SqlRowView& row) {
  ColumnReader r(row, "block_device_mapping");
  BlockDeviceMapping b;
  b.id = r.Int("id").value_or(0);
  b.uuid = r.String("uuid");
  b.instance_uuid = r.RequiredString("instance_uuid");
  b.source_type = r.String("source_type");
  b.destination_type = r.String("destination_type");
  b.guest_format = r.String("guest_format");
  b.device_type = r.String("device_type");
  b.disk_bus = r.String("disk_bus");
  b.boot_index = r.Int("boot_index");
  b.device_name = r.String("device_name");
  b.delete_on_termination = r.Bool("delete_on_termination");
  b.snapshot_id = r.String("snapshot_id");
  b.volume_id = r.String("volume_id");
  b.volume_size = r.Int("volume_size");
  b.image_id = r.String("image_id");
  b.no_device = r.Bool("no_device");
  b.connection_info = r.String("connection_info");
  b.tag = r.String("tag");
  b.attachment_id = r.String("attachment_id");
  b.volume_type = r.String("volume_type");
  b.encrypted = r.OptionalBool("encrypted");
  b.encryption_secret_uuid = r.OptionalString("encryption_secret_uuid");
  b.encryption_format = r.OptionalString("encryption_format");
  b.encryption_options = r.OptionalString("encryption_options");
  b.created_at = r.String("created_at");
  b.updated_at = r.String("updated_at");
  b.deleted_at = r.String("deleted_at");
  b.deleted = r.Bool("deleted");
  if (!r.status().ok()) return r.status();
  return b;
}

base::Result<CellMapping> CellMappingFromRow(const SqlRowView& row) {
  ColumnReader r(row, "cell_mappings");
  CellMapping c;
  c.id = r.Int("id").value_or(0);
  c.uuid = r.RequiredString("uuid");
  c.name = r.String("name").value_or("");
  c.database_connection = r.String("database_connection").value_or("");
  c.transport_url = r.String("transport_url").value_or("");
  c.disabled = r.Bool("disabled");
  if (!r.status().ok()) return r.status();
  return c;
}

base::Result<InstanceSummary> InstanceSummaryFromRow(const SqlRowView& row) {
  ColumnReader r(row, "instances");
  InstanceSummary i;
  i.id = r.Int("id").value_or(0);
  i.uuid = r.RequiredString("uuid");
  i.deleted = r.Bool("deleted");
  i.host = r.String("host");
  i.node = r.String("node");
  i.vm_state = r.String("vm_state");
  i.task_state = r.String("task_state");
  i.locked = r.Bool("locked");
  i.locked_by = r.String("locked_by");
  if (!r.status().ok()) return r.status();
  return i;
}

}  // namespace agent::db
