// The JSON side of Cinder's v3 API as bdm-agent uses it: request bodies,
// response parsing (attachment detail view, volume, version document). HTTP
// error answers become a Status in http_answer_error.h.
//
// Parsers return kRemoteError (without context; the caller names the call)
// when a 2xx body is not what Cinder's API documents. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/cinder/attachment_api.h"
#include "base/result.h"

namespace agent::cinder {

// {"attachment": {"volume_uuid": V, "connector": null, "instance_uuid": I}}
// (Nova's reserve; keys in cinderclient's order).
std::string CreateAttachmentBody(std::string_view volume_id, std::string_view instance_uuid);

// {"attachment": {"connector": <connector>}}, the connector text as given
// with "mountpoint" added as Nova does (when `mountpoint` is non-empty and
// the connector has none). kInvalidInput when the connector is not a JSON
// object.
base::Result<std::string> UpdateAttachmentBody(std::string_view connector_json,
                                               std::optional<std::string_view> mountpoint);

// {"attachment": {...detail view...}} -> Attachment.
base::Result<Attachment> ParseAttachmentResponse(std::string_view body);

// {"attachments": [{...detail view...}, ...]} (GET /attachments/detail)
// -> Attachments, each as ParseAttachmentResponse reads one.
base::Result<std::vector<Attachment>> ParseAttachmentListResponse(std::string_view body);

// {"volume": {...}} -> Volume.
base::Result<Volume> ParseVolumeResponse(std::string_view body);

// {"volumes": [{...}, ...]} (GET /volumes/detail) -> Volumes, each as
// ParseVolumeResponse reads one.
base::Result<std::vector<Volume>> ParseVolumeListResponse(std::string_view body);

struct ApiVersion {
  int major = 0, minor = 0;
  friend auto operator<=>(const ApiVersion&, const ApiVersion&) = default;
};

// Parses "3.44". nullopt when malformed.
std::optional<ApiVersion> ParseApiVersion(std::string_view text);

// The version document of the endpoint root ({"versions": [...]}) -> the
// highest microversion of the first entry whose "version" contains "3." (as
// Nova's _get_server_version reads it); nullopt when there is none.
base::Result<std::optional<ApiVersion>> ParseMaxVolumeApiVersion(std::string_view body);

}  // namespace agent::cinder
