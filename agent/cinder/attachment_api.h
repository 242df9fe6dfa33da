// AttachmentApi: the Cinder v3 attachments calls `bdm-agent refresh` makes,
// the way Nova's nova/volume/cinder.py makes them (microversion 3.44), behind
// an interface so that the refresh workflow can be tested.
//
// The production implementation is agent/cinder/cinder_client.h
// (ConnectCinder); every call there is one or a few blocking HTTP requests.
// Status kinds of every call:
//   kNotFound           HTTP 404 (unknown attachment or volume)
//   kInvalidInput       HTTP 400, or an argument refused before sending
//                       (empty id, connector that is not a JSON object)
//   kPermissionDenied   HTTP 401/403
//   kFailedPrecondition HTTP 409, or a Cinder older than microversion 3.44
//   kRemoteError        any other HTTP error (after the retries described at
//                       ConnectCinder), or a 2xx body that is not what the API
//                       documents
//   kUnavailable        Cinder could not be reached (refused, DNS, TLS)
//   kTimeout            Cinder accepted the connection but did not answer in
//                       time
// Messages are one line: "Cinder <METHOD> <path>: HTTP <n>: <Cinder's message>"
// or "Cinder <METHOD> <path>: <transport error>"; never a token or password.
//
// NovaConnectionInfo is a pure function; it is what Nova stores in the BDM.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace agent::cinder {

// One attachment, detail view as Cinder returned it. Strings Cinder sent as
// null are "" here (Cinder sends instance null for an attachment made without
// one). Members of the view beyond the 3.44 detail view are not kept.
struct Attachment {
  std::string id, status, instance, volume_id;
  std::string attached_at, detached_at;  // "" when unset
  std::string attach_mode;               // "null" (a string) until Cinder sets it
  // The flattened connection_info object (driver `data` keys beside
  // driver_volume_type and attachment_id) as compact JSON text, members in
  // Cinder's order; nullopt when null or absent. "{}" for a reserved
  // attachment. Text of another JSON type when Cinder sent one.
  std::optional<std::string> connection_info;
};

// The parts of a volume (GET /volumes/{id}) the refresh workflow looks at.
// Cinder's volume view has no attach_status: like Nova
// (_untranslate_volume_summary_view) it is "attached" when the view lists
// attachments, else "detached". The view lists only attachments whose own
// status is attached (os-complete done), not reserved or attaching ones.
struct Volume {
  std::string id, status, attach_status;
  bool multiattach = false;
  std::vector<std::string> attachment_ids;  // volume.attachments[].attachment_id, in Cinder's order
  // volume.attachments[] again, with the members the audit compares: the
  // instance (server_id) and the host Cinder says it is attached to
  // (host_name; Cinder shows it to admins only, "" otherwise or when null).
  struct AttachedTo {
    std::string attachment_id, server_id, host_name;
  };
  std::vector<AttachedTo> attached_to;
};



// Thread safety: an implementation is used by one thread at a time.
class AttachmentApi {
 public:
  virtual ~AttachmentApi() = default;

  // Reserves the volume for the instance: POST /attachments with connector
  // null (volume -> reserved). Checks first, once per object, that the
  // endpoint offers microversion 3.44 (GET of the endpoint root, as Nova does).
  // Never retried: a POST that reached Cinder may have created an attachment.
  virtual base::Result<Attachment> Create(std::string_view volume_id, std::string_view instance_uuid) = 0;

  // GET /attachments/{id}.
  virtual base::Result<Attachment> Get(std::string_view attachment_id) = 0;

  // PUT /attachments/{id} with {"connector": ...}: Cinder exports the volume
  // and returns connection_info. connector_json: the os-brick connector JSON
  // object text; `mountpoint` (e.g. the BDM's device_name) is added to the
  // connector when given, non-empty and absent (as Nova does). The connector
  // is otherwise sent as given. Note that Cinder's PUT response still says
  // status "reserved" and attach_mode "null"; its connection_info is right.
  virtual base::Result<Attachment> Update(std::string_view attachment_id, std::string_view connector_json,
                                          std::optional<std::string_view> mountpoint) = 0;

  // POST /attachments/{id}/action {"os-complete": null}: attachment attached,
  // volume in-use.
  virtual base::Status Complete(std::string_view attachment_id) = 0;

  // DELETE /attachments/{id}, carrying the service token when nova.conf says
  // so ([service_user] send_service_user_token), which Cinder >= 21.3.1
  // requires to delete an attachment that has connection_info. kNotFound
  // when the attachment does not exist (the caller may treat that as done).
  virtual base::Status Delete(std::string_view attachment_id) = 0;

  // GET /attachments/detail?volume_id=<id>&all_tenants=1: the volume's
  // attachments (detail view, connection_info included), in Cinder's order.
  virtual base::Result<std::vector<Attachment>> ListAttachments(std::string_view volume_id) = 0;

  // GET /volumes/{id}.
  virtual base::Result<Volume> GetVolume(std::string_view volume_id) = 0;

  // Bulk reads (bdm-agent audit): one page of every project's attachments
  // (GET /attachments/detail?all_tenants=1&limit=L[&marker=M]) or volumes
  // (GET /volumes/detail?all_tenants=1&limit=L[&marker=M]), sorted by id.
  // `marker` is the last id of the previous page ("" for the first). Cinder
  // may give fewer than `limit` (its osapi_max_limit) on any page: the
  // listing ends with an empty page. Without the admin role Cinder ignores
  // all_tenants (the caller's project only) and hides host_name.
  virtual base::Result<std::vector<Attachment>> ListAttachmentsPage(std::string_view marker, int limit) = 0;
  virtual base::Result<std::vector<Volume>> ListVolumesPage(std::string_view marker, int limit) = 0;

  // How long one request may take before this client gives up on it (a
  // request given up on may still be carried out by Cinder: recovery waits
  // that long for a reservation that may still land).
  virtual std::chrono::milliseconds RequestTimeout() const = 0;
};

// What Nova stores in the BDM after refresh: Nova's _translate_attachment_ref
// of `attachment` plus "serial" = volume_id (nova-manage adds it when absent,
// which it always is), as compact JSON text:
//   {"driver_volume_type": <ci.driver_volume_type or null>,
//    "data": <ci without driver_volume_type and attachment_id, in order>,
//    "status", "instance" (null when ""), "attached_at", "detached_at",
//    "volume_id": <attachment.volume_id>, "serial": <volume_id>}
// Nova stores the same object in Python's json.dumps format:
// rpc::ToPythonJson of the result gives those exact bytes (integers beyond
// 64 bits aside, which become doubles here).
// kCorrupt when connection_info is missing, empty ({}: Nova would store a
// connection_info with no connection in it), not JSON or not an object.
base::Result<std::string> NovaConnectionInfo(const Attachment& attachment, std::string_view volume_id);

}  // namespace agent::cinder
