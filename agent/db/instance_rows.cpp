#include "agent/db/instance_rows.h"

#include <string>

#include "agent/db/column_reader.h"

namespace agent::db {
namespace {

// NovaPersistentObject's columns, which every record here has.
template <typename T>
void ReadPersistent(ColumnReader& c, T& record) {
  record.created_at = c.Text("created_at");
  record.updated_at = c.Text("updated_at");
  record.deleted_at = c.Text("deleted_at");
  record.deleted = c.Int("deleted");
}

template <typename T>
base::Result<T> Checked(const ColumnReader& columns, T record) {
  if (!columns.status().ok()) return columns.status();
  return record;
}

}  // namespace

base::Result<proto_compat::InstanceRecord> InstanceRecordFromRow(const SqlRowView& row) {
  ColumnReader c(row, "instances");
  proto_compat::InstanceRecord r;
  r.id = c.Id();
  r.user_id = c.Text("user_id");
  r.project_id = c.Text("project_id");
  r.image_ref = c.Text("image_ref");
  r.kernel_id = c.Text("kernel_id");
  r.ramdisk_id = c.Text("ramdisk_id");
  r.hostname = c.Text("hostname");
  r.launch_index = c.Int("launch_index");
  r.key_name = c.Text("key_name");
  r.key_data = c.Text("key_data");
  r.power_state = c.Int("power_state");
  r.vm_state = c.Text("vm_state");
  r.task_state = c.Text("task_state");
  r.memory_mb = c.Int("memory_mb");
  r.vcpus = c.Int("vcpus");
  r.root_gb = c.Int("root_gb");
  r.ephemeral_gb = c.Int("ephemeral_gb");
  r.ephemeral_key_uuid = c.Text("ephemeral_key_uuid");
  r.host = c.Text("host");
  r.node = c.Text("node");
  r.has_compute_id = c.Has("compute_id");
  if (r.has_compute_id) r.compute_id = c.Int("compute_id");
  r.instance_type_id = c.Int("instance_type_id");
  r.user_data = c.Text("user_data");
  r.reservation_id = c.Text("reservation_id");
  r.launched_at = c.Text("launched_at");
  r.terminated_at = c.Text("terminated_at");
  r.availability_zone = c.Text("availability_zone");
  r.display_name = c.Text("display_name");
  r.display_description = c.Text("display_description");
  r.launched_on = c.Text("launched_on");
  r.locked = c.Int("locked");
  r.locked_by = c.Text("locked_by");
  r.os_type = c.Text("os_type");
  r.architecture = c.Text("architecture");
  r.vm_mode = c.Text("vm_mode");
  r.uuid = c.Text("uuid");
  r.root_device_name = c.Text("root_device_name");
  r.default_ephemeral_device = c.Text("default_ephemeral_device");
  r.default_swap_device = c.Text("default_swap_device");
  r.config_drive = c.Text("config_drive");
  r.access_ip_v4 = c.Text("access_ip_v4");
  r.access_ip_v6 = c.Text("access_ip_v6");
  r.auto_disk_config = c.Int("auto_disk_config");
  r.progress = c.Int("progress");
  r.shutdown_terminate = c.Int("shutdown_terminate");
  r.disable_terminate = c.Int("disable_terminate");
  r.cell_name = c.Text("cell_name");
  r.cleaned = c.Int("cleaned");
  r.hidden = c.Int("hidden");
  ReadPersistent(c, r);
  return Checked(c, std::move(r));
}

base::Result<proto_compat::InstanceInfoCacheRecord> InfoCacheRecordFromRow(const SqlRowView& row) {
  ColumnReader c(row, "instance_info_caches");
  proto_compat::InstanceInfoCacheRecord r;
  r.instance_uuid = c.Text("instance_uuid");
  r.network_info = c.Text("network_info");
  ReadPersistent(c, r);
  return Checked(c, std::move(r));
}

base::Result<proto_compat::SecurityGroupRecord> SecurityGroupRecordFromRow(const SqlRowView& row) {
  ColumnReader c(row, "security_groups");
  proto_compat::SecurityGroupRecord r;
  r.id = c.Id();
  r.name = c.Text("name");
  r.description = c.Text("description");
  r.user_id = c.Text("user_id");
  r.project_id = c.Text("project_id");
  ReadPersistent(c, r);
  return Checked(c, std::move(r));
}

base::Result<proto_compat::SystemMetadataItem> SystemMetadataItemFromRow(const SqlRowView& row) {
  ColumnReader c(row, "instance_system_metadata");
  proto_compat::SystemMetadataItem item;
  std::optional<std::string> key = c.Text("key");
  if (!c.status().ok()) return c.status();
  if (!key) return base::Status::Corrupt("instance_system_metadata row id " + row.Get("id").value_or("?") +
                                         ": column key is NULL");
  item.key = std::move(*key);
  item.value = c.Text("value");
  return Checked(c, std::move(item));
}

}  // namespace agent::db
