// Typed records for the Nova rows bdm-agent reads, as stored (no defaults are
// invented: a NULL column is an empty optional).
//
// Datetimes stay in MySQL's text form "YYYY-MM-DD HH:MM:SS[.ffffff]" (naive
// UTC, as oslo.db stores them); formatting for output is the caller's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace agent::db {

// nova_api.cell_mappings
struct CellMapping {
  std::int64_t id = 0;
  std::string uuid;
  std::string name;
  std::string database_connection;  // may be a template, see cell_url_template.h
  std::string transport_url;        // idem
  bool disabled = false;
};

// nova_api.instance_mappings joined with its cell; `cell` is empty while the
// instance is not yet scheduled (cell_id NULL).
struct InstanceMapping {
  std::string instance_uuid;
  std::optional<CellMapping> cell;
  bool queued_for_delete = false;
};

// The instance columns bdm-agent needs to explain a missing BDM and, later,
// to check refresh prerequisites.
struct InstanceSummary {
  std::int64_t id = 0;
  std::string uuid;
  bool deleted = false;  // deleted != 0
  std::optional<std::string> host;
  std::optional<std::string> node;
  std::optional<std::string> vm_state;
  std::optional<std::string> task_state;
  bool locked = false;
  std::optional<std::string> locked_by;
};

// nova.block_device_mapping: every column of the BlockDeviceMapping object
// (Nova 26 object version 1.21), in the object's field order.
struct BlockDeviceMapping {
  std::int64_t id = 0;
  std::optional<std::string> uuid;  // NULL on legacy rows
  std::string instance_uuid;
  std::optional<std::string> source_type;
  std::optional<std::string> destination_type;
  std::optional<std::string> guest_format;
  std::optional<std::string> device_type;
  std::optional<std::string> disk_bus;
  std::optional<std::int64_t> boot_index;
  std::optional<std::string> device_name;
  bool delete_on_termination = false;
  std::optional<std::string> snapshot_id;
  std::optional<std::string> volume_id;
  std::optional<std::int64_t> volume_size;
  std::optional<std::string> image_id;
  bool no_device = false;
  std::optional<std::string> connection_info;  // JSON text, as stored
  std::optional<std::string> tag;
  std::optional<std::string> attachment_id;
  std::optional<std::string> volume_type;
  // Columns added in Nova 26 (object 1.21); absent on older schemas.
  std::optional<bool> encrypted;
  std::optional<std::string> encryption_secret_uuid;
  std::optional<std::string> encryption_format;
  std::optional<std::string> encryption_options;
  std::optional<std::string> created_at;
  std::optional<std::string> updated_at;
  std::optional<std::string> deleted_at;
  bool deleted = false;

  bool IsVolume() const { return destination_type == "volume" && volume_id.has_value(); }
};

}  // namespace agent::db
