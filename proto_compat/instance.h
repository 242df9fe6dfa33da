// The Instance object primitive that nova-manage sends as the `instance`
// argument of remove_volume_connection (nova/objects/instance.py), built from
// the stored rows instead of from Python objects.
//
// InstanceRecord holds the rows as the database has them: raw column values,
// NULL as an empty optional, DATETIMEs in MySQL's text form, booleans as the
// stored integers. EncodeInstancePrimitive applies what
// Instance._from_db_object and the field types do to them:
//   - every column field is set; NULL is null, except on the non-nullable
//     booleans with a default (locked, auto_disk_config, shutdown_terminate,
//     disable_terminate, hidden), which read NULL as false;
//   - deleted is `deleted == id`, cleaned is `cleaned == 1`, other booleans
//     are "non-zero";
//   - access_ip_v4/v6 go through netaddr (nova_fields.h), DATETIMEs become
//     "...Z" strings, info_cache.network_info is re-serialized as Nova's
//     network model writes it (network_model.h);
//   - system_metadata is a dict of the rows in the given order (a repeated
//     key keeps its first position and its last value, as a dict does);
//   - info_cache is an InstanceInfoCache 1.5 primitive, or null without a
//     row; security_groups a SecurityGroupList 1.1 of SecurityGroup 1.2
//     primitives (uuid unset: it is not stored);
//   - fields come in Instance.fields order with created_at, updated_at,
//     deleted_at and deleted last; nothing else (metadata, flavor, ...) is
//     written, and there is never a nova_object.changes (the object was
//     reset after loading).
// Instance 2.7 is Zed's version; 2.8 adds compute_id after node (the field
// exists from nova 28.0.0; obj_make_compatible deletes it below 2.8).
//
// Which optional fields are present depends on what nova-manage loaded:
// NovaManageInstanceFields() gives that set per version (see there).
//
// Errors: kCorrupt, naming the field, when a stored value is one Nova could
// not load either (a NULL in a non-nullable column, a bad IP address,
// datetime or network_info, invalid UTF-8) or when 2.8 is asked for a row
// read from a schema without instances.compute_id. Pure functions; safe from
// any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace proto_compat {

// instance_info_caches: the row joined to the instance (Nova does not filter
// it on `deleted`).
struct InstanceInfoCacheRecord {
  std::optional<std::string> instance_uuid;  // NOT NULL in the schema
  std::optional<std::string> network_info;   // JSON text as stored
  std::optional<std::string> created_at;
  std::optional<std::string> updated_at;
  std::optional<std::string> deleted_at;
  std::optional<std::int64_t> deleted;
};

// security_groups, for each live association of the instance.
struct SecurityGroupRecord {
  std::int64_t id = 0;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> user_id;
  std::optional<std::string> project_id;
  std::optional<std::string> created_at;
  std::optional<std::string> updated_at;
  std::optional<std::string> deleted_at;
  std::optional<std::int64_t> deleted;
};

struct SystemMetadataItem {
  std::string key;
  std::optional<std::string> value;
};

// instances: the columns of the Instance object's column fields, in the
// object's field order.
struct InstanceRecord {
  std::int64_t id = 0;
  std::optional<std::string> user_id;
  std::optional<std::string> project_id;
  std::optional<std::string> image_ref;
  std::optional<std::string> kernel_id;
  std::optional<std::string> ramdisk_id;
  std::optional<std::string> hostname;
  std::optional<std::int64_t> launch_index;
  std::optional<std::string> key_name;
  std::optional<std::string> key_data;
  std::optional<std::int64_t> power_state;
  std::optional<std::string> vm_state;
  std::optional<std::string> task_state;
  std::optional<std::int64_t> memory_mb;
  std::optional<std::int64_t> vcpus;
  std::optional<std::int64_t> root_gb;
  std::optional<std::int64_t> ephemeral_gb;
  std::optional<std::string> ephemeral_key_uuid;
  std::optional<std::string> host;
  std::optional<std::string> node;
  std::optional<std::int64_t> compute_id;  // only with has_compute_id
  bool has_compute_id = false;             // the schema has instances.compute_id
  std::optional<std::int64_t> instance_type_id;
  std::optional<std::string> user_data;
  std::optional<std::string> reservation_id;
  std::optional<std::string> launched_at;
  std::optional<std::string> terminated_at;
  std::optional<std::string> availability_zone;
  std::optional<std::string> display_name;
  std::optional<std::string> display_description;
  std::optional<std::string> launched_on;
  std::optional<std::int64_t> locked;
  std::optional<std::string> locked_by;
  std::optional<std::string> os_type;
  std::optional<std::string> architecture;
  std::optional<std::string> vm_mode;
  std::optional<std::string> uuid;  // NOT NULL in the schema
  std::optional<std::string> root_device_name;
  std::optional<std::string> default_ephemeral_device;
  std::optional<std::string> default_swap_device;
  std::optional<std::string> config_drive;
  std::optional<std::string> access_ip_v4;
  std::optional<std::string> access_ip_v6;
  std::optional<std::int64_t> auto_disk_config;
  std::optional<std::int64_t> progress;
  std::optional<std::int64_t> shutdown_terminate;
  std::optional<std::int64_t> disable_terminate;
  std::optional<std::string> cell_name;
  std::optional<std::int64_t> cleaned;
  std::optional<std::int64_t> hidden;
  std::optional<std::string> created_at;
  std::optional<std::string> updated_at;
  std::optional<std::string> deleted_at;
  std::optional<std::int64_t> deleted;

  std::vector<SystemMetadataItem> system_metadata;     // row order
  std::optional<InstanceInfoCacheRecord> info_cache;   // empty: no row
  std::vector<SecurityGroupRecord> security_groups;    // association order
};

enum class InstanceVersion {
  k2_7,  // nova 26 (Zed) and older computes
  k2_8,  // nova 28.0.0 and newer: compute_id
};

// "2.7" or "2.8".
std::string_view InstanceVersionName(InstanceVersion version);

// The optional (non-column) fields to write; each one left out is unset.
struct InstanceFields {
  bool system_metadata = true;
  bool info_cache = true;
  bool security_groups = true;
};

// What nova-manage's instance carries when it makes the call. Both releases
// load it with Instance.get_by_uuid (Zed: expected_attrs info_cache and
// security_groups; nova >= 29: info_cache only) and then lock it, which
// lazy-loads system_metadata. So 2.7: all three; 2.8: no security_groups.
// (A newer nova-manage skips the lock for an instance that is already locked;
// its instance then has no system_metadata either: clear that flag.)
InstanceFields NovaManageInstanceFields(InstanceVersion version);

// The primitive (see above).
base::Result<std::string> EncodeInstancePrimitive(const InstanceRecord& record, InstanceVersion version,
                                                  const InstanceFields& fields);
base::Result<std::string> EncodeInstancePrimitive(const InstanceRecord& record, InstanceVersion version);

}  // namespace proto_compat
