#include "agent/db/row_mapping.h"

#include "agent/db/column_reader.h"

namespace agent::db {

base::Result<BlockDeviceMapping> BdmFromRow(const SqlRowView& row) {
  ColumnReader r(row, "block_device_mapping");
  BlockDeviceMapping b;
  b.id = r.Int("id").value_or(0);
  b.uuid = r.Text("uuid");
  b.instance_uuid = r.RequiredText("instance_uuid");
  b.source_type = r.Text("source_type");
  b.destination_type = r.Text("destination_type");
  b.guest_format = r.Text("guest_format");
  b.device_type = r.Text("device_type");
  b.disk_bus = r.Text("disk_bus");
  b.boot_index = r.Int("boot_index");
  b.device_name = r.Text("device_name");
  b.delete_on_termination = r.Bool("delete_on_termination");
  b.snapshot_id = r.Text("snapshot_id");
  b.volume_id = r.Text("volume_id");
  b.volume_size = r.Int("volume_size");
  b.image_id = r.Text("image_id");
  b.no_device = r.Bool("no_device");
  b.connection_info = r.Text("connection_info");
  b.tag = r.Text("tag");
  b.attachment_id = r.Text("attachment_id");
  b.volume_type = r.Text("volume_type");
  b.encrypted = r.OptionalBool("encrypted");
  b.encryption_secret_uuid = r.OptionalText("encryption_secret_uuid");
  b.encryption_format = r.OptionalText("encryption_format");
  b.encryption_options = r.OptionalText("encryption_options");
  b.created_at = r.Text("created_at");
  b.updated_at = r.Text("updated_at");
  b.deleted_at = r.Text("deleted_at");
  b.deleted = r.Bool("deleted");
  if (!r.status().ok()) return r.status();
  return b;
}

base::Result<CellMapping> CellMappingFromRow(const SqlRowView& row) {
  ColumnReader r(row, "cell_mappings");
  CellMapping c;
  c.id = r.Int("id").value_or(0);
  c.uuid = r.RequiredText("uuid");
  c.name = r.Text("name").value_or("");
  c.database_connection = r.Text("database_connection").value_or("");
  c.transport_url = r.Text("transport_url").value_or("");
  c.disabled = r.Bool("disabled");
  if (!r.status().ok()) return r.status();
  return c;
}

base::Result<InstanceSummary> InstanceSummaryFromRow(const SqlRowView& row) {
  ColumnReader r(row, "instances");
  InstanceSummary i;
  i.id = r.Int("id").value_or(0);
  i.uuid = r.RequiredText("uuid");
  i.deleted = r.Bool("deleted");
  i.host = r.Text("host");
  i.node = r.Text("node");
  i.vm_state = r.Text("vm_state");
  i.task_state = r.Text("task_state");
  i.locked = r.Bool("locked");
  i.locked_by = r.Text("locked_by");
  if (!r.status().ok()) return r.status();
  return i;
}

}  // namespace agent::db
