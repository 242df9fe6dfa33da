// Typed records for the Nova rows bdm-agent reads, as stored (no defaults are
// invented: a NULL column is an empty optional).
//
// Datetimes stay in MySQL's text form "YYYY-MM-DD HH:MM:SS[.ffffff]" (naive
// UTC, as oslo.db stores them); formatting for output is the caller's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

// What `bdm-agent audit` reads of a cell, in one query: a live instance of
// its scope with one of its live volume BDMs (nova.instances LEFT JOIN
// nova.block_device_mapping on destination_type 'volume' with a volume_id).
// An instance without volume BDMs gives one row with bdm_id 0 and the BDM
// members empty.
struct InstanceVolumeRow {
  std::string instance_uuid;
  std::optional<std::string> host;  // instances.host
  std::int64_t bdm_id = 0;
  std::optional<std::string> bdm_uuid;  // NULL on legacy rows
  std::string volume_id;
  std::optional<std::string> attachment_id;
  std::optional<std::string> connection_info;  // as stored
};

// Which live instances a bulk read selects: those on one of `hosts` and
// with one of `instance_uuids`; an empty list does not filter.
struct InstanceFilter {
  std::vector<std::string> hosts;
  std::vector<std::string> instance_uuids;
};

}  // namespace agent::db
