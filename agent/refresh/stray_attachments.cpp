#include "agent/refresh/stray_attachments.h"

#include <algorithm>

namespace agent::refresh {

bool IsBareReservation(const cinder::Attachment& attachment) {
  if (attachment.status != "reserved") return false;
  const std::optional<std::string>& info = attachment.connection_info;
  return !info || info->empty() || *info == "{}" || *info == "null";
}

std::vector<StrayAttachment> FindStrayAttachments(std::span<const cinder::Attachment> listed,
                                                  std::string_view instance_uuid,
                                                  std::span<const std::string> named) {
  std::vector<StrayAttachment> strays;
  for (const cinder::Attachment& attachment : listed) {
    if (attachment.instance != instance_uuid) continue;
    if (std::find(named.begin(), named.end(), attachment.id) != named.end()) continue;
    strays.push_back({attachment, IsBareReservation(attachment) ? StrayKind::kAbandonedReservation
                                                                : StrayKind::kForeign});
  }
  return strays;
}

std::string DescribeStray(const StrayAttachment& stray) {
  const cinder::Attachment& a = stray.attachment;
  if (stray.kind == StrayKind::kAbandonedReservation) {
    return "abandoned reservation " + a.id + " of volume " + a.volume_id + " (reserved, no connector)";
  }
  const bool connected = a.connection_info && *a.connection_info != "{}" && *a.connection_info != "null";
  return "attachment " + a.id + " of volume " + a.volume_id + " for this instance (status " + a.status +
         (connected ? ", has a connection" : "") + ") is not the BDM's; kept: check it";
}

}  // namespace agent::refresh
