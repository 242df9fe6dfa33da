// AttachmentApi: the Cinder v3 attachment calls refresh makes (microversion
// 3.44), behind an interface so that the workflow can be tested with fault
// injection. Production: cinder_client.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace agent::cinder {

struct Attachment {  // one attachment, detail view as Cinder returned it
  std::string id, status, instance, volume_id;
  std::string attached_at, detached_at;        // "" when unset
  std::string attach_mode;
  std::optional<std::string> connection_info;  // the (flattened) JSON object text; nullopt when null/absent
};

struct Volume {
  std::string id, status, attach_status;
  bool multiattach = false;
  std::vector<std::string> attachment_ids;
};

class AttachmentApi {
 public:
  virtual ~AttachmentApi() = default;
  virtual base::Result<Attachment> Create(std::string_view volume_id, std::string_view instance_uuid) = 0;
  virtual base::Result<Attachment> Get(std::string_view attachment_id) = 0;
  virtual base::Result<Attachment> Update(std::string_view attachment_id, std::string_view connector_json,
                                          std::optional<std::string_view> mountpoint) = 0;
  virtual base::Status Complete(std::string_view attachment_id) = 0;
  virtual base::Status Delete(std::string_view attachment_id) = 0;
  virtual base::Result<Volume> GetVolume(std::string_view volume_id) = 0;
  // Summary view of the attachments of a volume (id, status, instance, volume_id).
  virtual base::Result<std::vector<Attachment>> ListAttachments(std::string_view volume_id) = 0;
};

base::Result<std::string> NovaConnectionInfo(const Attachment& attachment, std::string_view volume_id);

}  // namespace agent::cinder
