// The classification of `bdm-agent audit`: what Nova stores for each volume
// BDM against what Cinder has, over rows already fetched (audit_reads.h
// fetches them in bulk). Pure: no I/O, no clock; the same input gives the
// same report. Thread-compatible.
//
// Each BDM gets one class, the first that applies in this order:
//   volume-gone          Cinder has no (live) volume of that id
//   corrupt              connection_info is not a JSON object
//   connection-info-null connection_info is NULL
//   no-attachment        attachment_id is NULL (the old cinderv2 flow)
//   missing-attachment   Cinder has no attachment of that id
//   wrong-host           the volume's attachments (Cinder's volume view: the
//                        BDM's attachment, else those of the BDM's instance)
//                        name a host_name that is not the instance's host
//   stale                the stored connection_info differs from the Cinder
//                        attachment's in a field that matters (ConnectionDiff,
//                        connection_compare.h), or, for rbd with
//                        expect_monitors, its monitor hosts as a set differ
//   ok
// and, the other way round, `dangling`: a Cinder attachment of an instance in
// scope that no BDM of that instance names, where an attachment of the same
// instance and volume as a BDM whose attachment_id is NULL is that BDM's.
//
// Reasons name fields and ids only, never a value of connection_info (where
// keyrings and passwords are), so a report is safe to print.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/cinder/attachment_api.h"

namespace agent::fleet {

enum class AuditClass {
  kOk,
  kStale,
  kWrongHost,
  kNoAttachment,
  kMissingAttachment,
  kVolumeGone,
  kConnectionInfoNull,
  kCorrupt,
  kDangling,  // a Cinder attachment, never a BDM
};
inline constexpr std::size_t kAuditClassCount = 9;

// "ok", "stale", "wrong-host", ... (the names the output and tools/seed use).
std::string_view AuditClassName(AuditClass c);
// The classes in the order the report counts them (precedence order for
// BDMs, then dangling).
const std::array<AuditClass, kAuditClassCount>& AuditClassesInOrder();

// One volume BDM of the scope with its instance's host.
struct AuditBdm {
  std::string cell;  // the cell's name
  std::string bdm_uuid;  // "" on a legacy row without one
  std::int64_t bdm_id = 0;
  std::string instance_uuid;
  std::string host;  // the instance's host, "" when NULL
  std::string volume_id;
  std::optional<std::string> attachment_id;
  std::optional<std::string> connection_info;
};

// An instance of the scope (with or without volume BDMs): whose Cinder
// attachments may be dangling. Its volume BDMs left out of `bdms` (by
// --driver-volume-type) still own their attachments: their attachment ids,
// and the volumes of those whose attachment_id is NULL, are listed here.
struct AuditInstance {
  std::string cell;
  std::string uuid;
  std::string host;
  std::vector<std::string> unlisted_attachment_ids;
  std::vector<std::string> unlisted_legacy_volume_ids;
};

struct AuditInput {
  std::vector<AuditBdm> bdms;
  std::vector<AuditInstance> instances;
  // Everything Cinder listed (other instances' rows are ignored).
  std::vector<cinder::Attachment> attachments;
  std::vector<cinder::Volume> volumes;
  // --expect-monitors: the rbd monitor hosts every rbd BDM should name.
  std::optional<std::vector<std::string>> expect_monitors;
};

struct BdmVerdict {
  AuditClass klass = AuditClass::kOk;
  std::string reason;  // "" for ok
  const AuditBdm* bdm = nullptr;  // points into the AuditInput
};

struct DanglingAttachment {
  std::string attachment_id, instance_uuid, volume_id, status;
  const AuditInstance* instance = nullptr;  // points into the AuditInput
};

struct AuditReport {
  std::vector<BdmVerdict> bdms;  // one per input BDM, in input order
  std::vector<DanglingAttachment> dangling;  // in Cinder's order
  std::array<std::size_t, kAuditClassCount> counts{};  // indexed by AuditClass

  std::size_t Count(AuditClass c) const { return counts[static_cast<std::size_t>(c)]; }
  bool AllOk() const;
};

// The report over `input`, which must outlive it (verdicts point into it).
AuditReport ClassifyAudit(const AuditInput& input);

}  // namespace agent::fleet
