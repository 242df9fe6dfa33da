#include "proto_compat/instance.h"

#include <algorithm>

#include "proto_compat/network_model.h"
#include "proto_compat/nova_object.h"
#include "proto_compat/stored_fields_internal.h"

namespace proto_compat {
namespace {

// Nested object versions; the same in Zed and in the latest release.
constexpr std::string_view kInfoCacheVersion = "1.5";
constexpr std::string_view kSecurityGroupListVersion = "1.1";
constexpr std::string_view kSecurityGroupVersion = "1.2";

base::Result<std::string> EncodeInfoCache(const InstanceInfoCacheRecord& cache) {
  StoredFields fields("InstanceInfoCache");
  fields.RequiredString("instance_uuid", cache.instance_uuid);
  if (!cache.network_info) {
    fields.data().Null("network_info");
  } else {
    auto canonical = CanonicalNetworkInfo(*cache.network_info);
    if (canonical.ok()) {
      fields.data().String("network_info", *canonical);
    } else {
      fields.Fail("network_info", canonical.error().message());
      fields.data().Null("network_info");
    }
  }
  fields.Persistent(cache.created_at, cache.updated_at, cache.deleted_at, cache.deleted);
  return std::move(fields).Finish(kInfoCacheVersion);
}

base::Result<std::string> EncodeSecurityGroup(const SecurityGroupRecord& group) {
  StoredFields fields("SecurityGroup");
  fields.data().Int("id", group.id);
  fields.RequiredString("name", group.name);
  fields.RequiredString("description", group.description);
  fields.RequiredString("user_id", group.user_id);
  fields.RequiredString("project_id", group.project_id);
  fields.Persistent(group.created_at, group.updated_at, group.deleted_at, group.deleted);
  return std::move(fields).Finish(kSecurityGroupVersion);
}

base::Result<std::string> EncodeSecurityGroups(const std::vector<SecurityGroupRecord>& groups) {
  std::vector<std::string> items;
  for (const SecurityGroupRecord& group : groups) {
    BASE_TRY_ASSIGN(std::string item, EncodeSecurityGroup(group));
    items.push_back(std::move(item));
  }
  return WriteNovaObjectList("SecurityGroupList", kSecurityGroupListVersion, items);
}

// dict(rows): a repeated key keeps its first position and its last value.
// Views into `items`.
NullableStringDict SystemMetadataDict(const std::vector<SystemMetadataItem>& items) {
  NullableStringDict dict;
  dict.reserve(items.size());
  for (const SystemMetadataItem& item : items) {
    auto it = std::find_if(dict.begin(), dict.end(), [&](const auto& entry) { return entry.first == item.key; });
    if (it == dict.end()) {
      dict.emplace_back(item.key, item.value ? std::optional<std::string_view>(*item.value) : std::nullopt);
    } else {
      it->second = item.value ? std::optional<std::string_view>(*item.value) : std::nullopt;
    }
  }
  return dict;
}

// The column fields from id to node, in Instance.fields order.
void WriteLeadingColumns(const InstanceRecord& r, StoredFields& f) {
  f.data().Int("id", r.id);
  f.String("user_id", r.user_id);
  f.String("project_id", r.project_id);
  f.String("image_ref", r.image_ref);
  f.String("kernel_id", r.kernel_id);
  f.String("ramdisk_id", r.ramdisk_id);
  f.String("hostname", r.hostname);
  f.Int("launch_index", r.launch_index);
  f.String("key_name", r.key_name);
  f.String("key_data", r.key_data);
  f.Int("power_state", r.power_state);
  f.String("vm_state", r.vm_state);
  f.String("task_state", r.task_state);
  f.Int("memory_mb", r.memory_mb);
  f.Int("vcpus", r.vcpus);
  f.Int("root_gb", r.root_gb);
  f.Int("ephemeral_gb", r.ephemeral_gb);
  f.String("ephemeral_key_uuid", r.ephemeral_key_uuid);
  f.String("host", r.host);
  f.String("node", r.node);
}

// The column fields from instance_type_id to cell_name.
void WriteMiddleColumns(const InstanceRecord& r, StoredFields& f) {
  f.Int("instance_type_id", r.instance_type_id);
  f.String("user_data", r.user_data);
  f.String("reservation_id", r.reservation_id);
  f.DateTime("launched_at", r.launched_at);
  f.DateTime("terminated_at", r.terminated_at);
  f.String("availability_zone", r.availability_zone);
  f.String("display_name", r.display_name);
  f.String("display_description", r.display_description);
  f.String("launched_on", r.launched_on);
  f.BoolDefaultFalse("locked", r.locked);
  f.String("locked_by", r.locked_by);
  f.String("os_type", r.os_type);
  f.String("architecture", r.architecture);
  f.String("vm_mode", r.vm_mode);
  f.RequiredString("uuid", r.uuid);
  f.String("root_device_name", r.root_device_name);
  f.String("default_ephemeral_device", r.default_ephemeral_device);
  f.String("default_swap_device", r.default_swap_device);
  f.String("config_drive", r.config_drive);
  f.Ip("access_ip_v4", r.access_ip_v4, IpVersion::kV4);
  f.Ip("access_ip_v6", r.access_ip_v6, IpVersion::kV6);
  f.BoolDefaultFalse("auto_disk_config", r.auto_disk_config);
  f.Int("progress", r.progress);
  f.BoolDefaultFalse("shutdown_terminate", r.shutdown_terminate);
  f.BoolDefaultFalse("disable_terminate", r.disable_terminate);
  f.String("cell_name", r.cell_name);
}

}  // namespace

std::string_view InstanceVersionName(InstanceVersion version) {
  return version == InstanceVersion::k2_8 ? "2.8" : "2.7";
}

InstanceFields NovaManageInstanceFields(InstanceVersion version) {
  InstanceFields fields;
  fields.security_groups = version == InstanceVersion::k2_7;
  return fields;
}

base::Result<std::string> EncodeInstancePrimitive(const InstanceRecord& record, InstanceVersion version,
                                                  const InstanceFields& load) {
  StoredFields f("Instance", 4096);  // the data of an Instance with its nested objects: no growing
  WriteLeadingColumns(record, f);
  if (version == InstanceVersion::k2_8) {
    if (!record.has_compute_id) f.Fail("compute_id", "the instances table has no compute_id column");
    f.Int("compute_id", record.compute_id);
  }
  WriteMiddleColumns(record, f);

  if (load.system_metadata) f.data().NullableDict("system_metadata", SystemMetadataDict(record.system_metadata));
  if (load.info_cache) {
    if (!record.info_cache) {
      f.data().Null("info_cache");
    } else {
      BASE_TRY_ASSIGN(std::string cache, EncodeInfoCache(*record.info_cache));
      f.data().Object("info_cache", cache);
    }
  }
  if (load.security_groups) {
    BASE_TRY_ASSIGN(std::string groups, EncodeSecurityGroups(record.security_groups));
    f.data().Object("security_groups", groups);
  }

  f.Bool("cleaned", record.cleaned == 1);
  f.BoolDefaultFalse("hidden", record.hidden);
  f.DateTime("created_at", record.created_at);
  f.DateTime("updated_at", record.updated_at);
  f.DateTime("deleted_at", record.deleted_at);
  f.Bool("deleted", record.deleted == record.id);
  return std::move(f).Finish(InstanceVersionName(version));
}

base::Result<std::string> EncodeInstancePrimitive(const InstanceRecord& record, InstanceVersion version) {
  return EncodeInstancePrimitive(record, version, NovaManageInstanceFields(version));
}

}  // namespace proto_compat
