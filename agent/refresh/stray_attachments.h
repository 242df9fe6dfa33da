// Stray attachments: the attachments Cinder has for an instance on a volume
// that the instance's BDM does not name. A refresh (while it holds the
// instance lock) and a recovery sort them in two kinds:
//   kAbandonedReservation  status "reserved" and no connection_info: what
//                          an attachment create leaves before any connector
//                          is set. Nova makes those only for the length of
//                          a flow, and a stopped instance locked by a
//                          refresh has no flow that could own one: it is
//                          what a killed refresh (or nova-manage) left, or a
//                          create that landed after its caller died. Safe to
//                          delete.
//   kForeign               anything else (has a connection, or is attaching
//                          or attached): reported, never deleted. A refresh
//                          stops before its first change when it finds one
//                          (Cinder would refuse the new attachment's
//                          connector beside it); a recovery reports it.
// Pure functions over what Cinder listed; the callers do the deleting.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/cinder/attachment_api.h"

namespace agent::refresh {

enum class StrayKind { kAbandonedReservation, kForeign };

struct StrayAttachment {
  cinder::Attachment attachment;
  StrayKind kind;
};

// Whether `attachment` is a reservation without a connector (status
// "reserved", connection_info absent, null or {}).
bool IsBareReservation(const cinder::Attachment& attachment);

// The attachments in `listed` whose instance is `instance_uuid` and whose
// id is not in `named`, in listing order, each with its kind.
std::vector<StrayAttachment> FindStrayAttachments(std::span<const cinder::Attachment> listed,
                                                  std::string_view instance_uuid,
                                                  std::span<const std::string> named);

// One line for the report: "abandoned reservation <id> ..." or
// "attachment <id> (status <s>, has a connection) ...", naming the volume.
std::string DescribeStray(const StrayAttachment& stray);

}  // namespace agent::refresh
