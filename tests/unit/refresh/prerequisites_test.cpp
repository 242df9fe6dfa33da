#include "agent/refresh/prerequisites.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace {

using agent::refresh::CheckFailure;
using agent::refresh::CheckRefreshPrerequisites;

struct Case {
  agent::db::InstanceSummary instance;
  agent::db::BlockDeviceMapping bdm;
  std::optional<std::string> hypervisor_type = "QEMU";
  std::string connector_host = "cmp1";
  std::vector<std::string> allowed;

  Case() {
    instance.uuid = "inst-1";
    instance.host = "cmp1";
    instance.node = "cmp1.example";
    instance.vm_state = "stopped";
    bdm.id = 7;
    bdm.uuid = "bdm-1";
    bdm.destination_type = "volume";
    bdm.volume_id = "vol-1";
  }
  std::optional<CheckFailure> Check() const {
    auto failed = CheckRefreshPrerequisites({instance, bdm, hypervisor_type, connector_host, allowed});
    if (failed) return failed->kind;
    return std::nullopt;
  }
};

}  // namespace

TEST_CASE("CheckRefreshPrerequisites: a stopped, unlocked instance on a libvirt compute passes") {
  CHECK(!Case().Check());
  Case kvm;
  kvm.hypervisor_type = "kvm";
  CHECK(!kvm.Check());
}

TEST_CASE("CheckRefreshPrerequisites: each failure, in Nova's order") {
  Case c;
  c.bdm.destination_type = "local";
  CHECK(c.Check() == CheckFailure::kNotVolumeBdm);

  c = Case();
  c.instance.vm_state = "active";
  CHECK(c.Check() == CheckFailure::kNotStopped);
  auto message = CheckRefreshPrerequisites({c.instance, c.bdm, c.hypervisor_type, c.connector_host, c.allowed});
  CHECK(message->message ==
        "Instance inst-1 in vm_state active. Cannot refresh connection_info (must be stopped) while the instance "
        "is in this state.");

  c = Case();
  c.instance.task_state = "powering-on";
  CHECK(c.Check() == CheckFailure::kTaskInProgress);

  c = Case();
  c.instance.locked = true;
  CHECK(c.Check() == CheckFailure::kLocked);

  c = Case();
  c.instance.host.reset();
  CHECK(c.Check() == CheckFailure::kNoHost);

  c = Case();
  c.hypervisor_type = "ironic";
  CHECK(c.Check() == CheckFailure::kNotLibvirt);
  c.hypervisor_type.reset();
  CHECK(c.Check() == CheckFailure::kNotLibvirt);

  c = Case();
  c.connector_host = "cmp2";
  CHECK(c.Check() == CheckFailure::kHostConflict);
}

TEST_CASE("CheckRefreshPrerequisites: --allow-hypervisor-type admits another driver") {
  Case c;
  c.hypervisor_type = "fake";
  CHECK(c.Check() == CheckFailure::kNotLibvirt);
  c.allowed = {"FAKE"};
  CHECK(!c.Check());
}

TEST_CASE("LockReason is Nova's") {
  CHECK(agent::refresh::LockReason("b", "i", "v") ==
        "Refreshing connection_info for BDM b associated with instance i and volume v.");
}
