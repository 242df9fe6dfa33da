// The checks refresh makes before its first side effect, as pure functions
// of what the database and the connector say. Nova's own checks come first
// with its messages (vm_state must be "stopped"; Zed also refuses a locked
// instance; Nova >= 27 refuses a connector from another host, but only after
// it has locked the instance and reserved the volume); bdm-agent adds: no
// task in progress, a volume BDM, a libvirt compute.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "agent/db/records.h"

namespace agent::refresh {

enum class CheckFailure {
  kNotVolumeBdm,      // not a volume BDM, or no volume_id
  kNotStopped,        // vm_state is not "stopped"
  kTaskInProgress,    // task_state is set
  kLocked,            // the instance is locked
  kNoHost,            // the instance has no host (never scheduled, or shelved)
  kNotLibvirt,        // the compute node is not a libvirt one (and not allowed)
  kHostConflict,      // the connector's host is not the instance's host
};

struct CheckError {
  CheckFailure kind;
  std::string message;
};

struct RefreshFacts {
  const db::InstanceSummary& instance;
  const db::BlockDeviceMapping& bdm;
  std::optional<std::string> hypervisor_type;          // of the instance's compute node
  std::string_view connector_host;
  std::span<const std::string> allowed_hypervisor_types;  // beyond libvirt's
};

// The first failed check, or nothing when refresh may start.
std::optional<CheckError> CheckRefreshPrerequisites(const RefreshFacts& facts);

// Whether compute_nodes.hypervisor_type names a libvirt driver (QEMU, KVM,
// LXC, Xen, UML, Parallels, vz; any case).
bool IsLibvirtHypervisorType(std::string_view type);

// Nova's lock reason for this refresh.
std::string LockReason(std::string_view bdm_uuid, std::string_view instance_uuid, std::string_view volume_id);

}  // namespace agent::refresh
