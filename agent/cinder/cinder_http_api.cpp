#include "agent/cinder/cinder_http_api.h"

#include <thread>

#include "agent/cinder/cinder_endpoint.h"
#include "agent/cinder/cinder_json.h"
#include "agent/cinder/http_answer_error.h"

namespace agent::cinder {
namespace {

using base::Result;
using base::Status;

constexpr ApiVersion kMicroversion{3, 44};
constexpr const char* kMicroversionHeader = "OpenStack-API-Version: volume 3.44";

// "/attachments/<id>", each segment percent-encoded.
std::string DisplayPath(const std::vector<std::string_view>& path) {
  std::string out;
  for (std::string_view segment : path) out += EndpointUrl("", {segment});
  return out;
}

// Cinder >= 21.3.1 deletes an attachment that has connection_info only for a
// service caller; otherwise it asks Nova's API and answers 409 (in use) or
// 500 (Nova unreachable). Said when no service token went with the DELETE.
Status WithServiceTokenHint(const Status& error) {
  std::string message = error.message() +
                        " (no service token was sent: Cinder deletes an attachment that has connection_info only for "
                        "a service caller; set [service_user] send_service_user_token = True, for a user with the "
                        "service role)";
  switch (error.code()) {
    case base::Code::kRemoteError: return Status::RemoteError(std::move(message));
    case base::Code::kFailedPrecondition: return Status::FailedPrecondition(std::move(message));
    default: return error;
  }
}

// The query of one page of a bulk listing: every project, sorted by id (a
// stable order for the marker), `limit` items after `marker`.
std::string PageQuery(std::string_view marker, int limit) {
  std::string query = "all_tenants=1&sort=id:asc&limit=" + std::to_string(limit);
  if (!marker.empty()) query += "&marker=" + EndpointUrl("", {marker}).substr(1);
  return query;
}

Status RequireId(std::string_view id, std::string_view what, std::string_view call) {
  if (id.empty()) return Status::InvalidInput("Cinder " + std::string(call) + ": empty " + std::string(what));
  return Status::Ok();
}

}  // namespace

CinderHttpApi::CinderHttpApi(HttpTransport transport, CinderHttpApiOptions options)
    : transport_(std::move(transport)), options_(std::move(options)) {}

Result<HttpResponse> CinderHttpApi::SendWithConnectRetries(const HttpRequest& request, ConnectRetry retry,
                                                           const std::string& context) {
  std::chrono::milliseconds delay = options_.first_retry_delay;
  for (int attempt = 0;; ++attempt) {
    auto sent = transport_.Send(request, context);
    if (auto* response = std::get_if<HttpResponse>(&sent)) return std::move(*response);
    const TransportError& error = std::get<TransportError>(sent);
    if (retry == ConnectRetry::kNo || error.sent != Sent::kNothing || attempt >= options_.connect_retries) {
      return error.status;
    }
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
}

Result<HttpResponse> CinderHttpApi::Perform(const Call& call) {
  const std::string context = "Cinder " + call.method + " " + DisplayPath(call.path);
  HttpRequest request;
  request.method = call.method;
  request.url = options_.endpoint;
  while (!request.url.empty() && request.url.back() == '/') request.url.pop_back();
  request.url += DisplayPath(call.path);
  if (!call.query.empty()) request.url += "?" + call.query;
  request.body = call.body;
  BASE_TRY_ASSIGN(HeldAuth auth, options_.auth->Current(options_.keystone_time));
  bool renewed = false;
  for (int attempt = 1;; ++attempt) {
    request.headers = {kMicroversionHeader};
    if (options_.request_id) request.headers.push_back("X-OpenStack-Request-ID: " + *options_.request_id);
    request.headers.insert(request.headers.end(), auth.headers.begin(), auth.headers.end());
    BASE_TRY_ASSIGN(HttpResponse response, SendWithConnectRetries(request, call.connect_retry, context));
    if (response.status >= 200 && response.status <= 299) return response;
    if (response.status == 401 && !renewed) {
      renewed = true;
      Result<HeldAuth> renewal = options_.auth->RenewAfterRejection(auth.generation, options_.keystone_time);
      if (!renewal.ok()) return renewal.error().WithContext(context + ": HTTP 401, renewing the token");
      auth = std::move(*renewal);
      --attempt;  // not an attempt on 5xx
      continue;
    }
    const bool server_error = response.status == 500 || response.status == 504;
    if (!server_error || attempt >= call.attempts_on_5xx) {
      return HttpAnswerError(context, response.status, response.body, Secrets());
    }
  }
}

std::vector<std::string> CinderHttpApi::Secrets() const {
  std::vector<std::string> out = options_.secrets;
  for (std::string& token : options_.auth->Secrets()) out.push_back(std::move(token));
  return out;
}

Status CinderHttpApi::EnsureMicroversion() {
  if (microversion_checked_) return Status::Ok();
  if (options_.microversion_known && options_.microversion_known->load()) {
    microversion_checked_ = true;
    return Status::Ok();
  }
  const std::string url = VersionRootUrl(options_.endpoint);
  const std::string context = "Cinder GET " + RedactedUrl(url) + " (version discovery)";
  BASE_TRY_ASSIGN(HeldAuth auth, options_.auth->Current(options_.keystone_time));
  HttpRequest request{"GET", url, std::move(auth.headers), std::nullopt};
  BASE_TRY_ASSIGN(HttpResponse response, SendWithConnectRetries(request, ConnectRetry::kYes, context));
  if (response.status != 200 && response.status != 300) {
    return HttpAnswerError(context, response.status, response.body, Secrets());
  }
  auto max = ParseMaxVolumeApiVersion(response.body);
  if (!max.ok()) return Status::RemoteError(context + ": " + max.error().message());
  if (!max->has_value() || **max < kMicroversion) {
    const std::string offered =
        max->has_value() ? std::to_string((*max)->major) + "." + std::to_string((*max)->minor) : "no 3.x";
    return Status::FailedPrecondition(context + ": Cinder offers volume API " + offered +
                                      "; attachments need microversion 3.44 (Cinder 12.0.0 Queens or newer)");
  }
  microversion_checked_ = true;
  if (options_.microversion_known) options_.microversion_known->store(true);
  return Status::Ok();
}

Result<Attachment> CinderHttpApi::Create(std::string_view volume_id, std::string_view instance_uuid) {
  BASE_TRY(RequireId(volume_id, "volume id", "POST /attachments"));
  BASE_TRY(RequireId(instance_uuid, "instance uuid", "POST /attachments"));
  BASE_TRY(EnsureMicroversion());
  Call call{"POST", {"attachments"}, CreateAttachmentBody(volume_id, instance_uuid), ConnectRetry::kNo, 1};
  BASE_TRY_ASSIGN(HttpResponse response, Perform(call));
  auto attachment = ParseAttachmentResponse(response.body);
  if (!attachment.ok()) return attachment.error().WithContext("Cinder POST /attachments");
  return attachment;
}

Result<Attachment> CinderHttpApi::Get(std::string_view attachment_id) {
  BASE_TRY(RequireId(attachment_id, "attachment id", "GET /attachments/"));
  BASE_TRY_ASSIGN(HttpResponse response, Perform({"GET", {"attachments", attachment_id}, std::nullopt}));
  auto attachment = ParseAttachmentResponse(response.body);
  if (!attachment.ok()) {
    return attachment.error().WithContext("Cinder GET " + DisplayPath({"attachments", attachment_id}));
  }
  return attachment;
}

Result<Attachment> CinderHttpApi::Update(std::string_view attachment_id, std::string_view connector_json,
                                         std::optional<std::string_view> mountpoint) {
  const std::string call_name = "PUT " + DisplayPath({"attachments", attachment_id});
  BASE_TRY(RequireId(attachment_id, "attachment id", "PUT /attachments/"));
  auto body = UpdateAttachmentBody(connector_json, mountpoint);
  if (!body.ok()) return body.error().WithContext("Cinder " + call_name);
  Call call{"PUT", {"attachments", attachment_id}, std::move(*body), ConnectRetry::kYes, 5};
  BASE_TRY_ASSIGN(HttpResponse response, Perform(call));
  auto attachment = ParseAttachmentResponse(response.body);
  if (!attachment.ok()) return attachment.error().WithContext("Cinder " + call_name);
  return attachment;
}

Status CinderHttpApi::Complete(std::string_view attachment_id) {
  BASE_TRY(RequireId(attachment_id, "attachment id", "POST /attachments/"));
  // A refused connection sent nothing, so even this POST may be sent again.
  Call call{"POST", {"attachments", attachment_id, "action"}, std::string("{\"os-complete\": null}"),
            ConnectRetry::kYes, 1};
  BASE_TRY(Perform(call));
  return Status::Ok();
}

Status CinderHttpApi::Delete(std::string_view attachment_id) {
  BASE_TRY(RequireId(attachment_id, "attachment id", "DELETE /attachments/"));
  Result<HttpResponse> deleted =
      Perform({"DELETE", {"attachments", attachment_id}, std::nullopt, ConnectRetry::kYes, 5});
  if (deleted.ok()) return Status::Ok();
  if (options_.auth->SendsServiceToken()) return deleted.error();
  return WithServiceTokenHint(deleted.error());
}

Result<Volume> CinderHttpApi::GetVolume(std::string_view volume_id) {
  BASE_TRY(RequireId(volume_id, "volume id", "GET /volumes/"));
  BASE_TRY_ASSIGN(HttpResponse response, Perform({"GET", {"volumes", volume_id}, std::nullopt}));
  auto volume = ParseVolumeResponse(response.body);
  if (!volume.ok()) return volume.error().WithContext("Cinder GET " + DisplayPath({"volumes", volume_id}));
  return volume;
}

Result<std::vector<Attachment>> CinderHttpApi::ListAttachments(std::string_view volume_id) {
  BASE_TRY(RequireId(volume_id, "volume id", "GET /attachments"));
  // all_tenants: the attachments of every project (the volume is the
  // instance owner's, the caller an admin or service user). The id goes into
  // the query percent-encoded like a path segment.
  Call call{"GET", {"attachments", "detail"}, std::nullopt, ConnectRetry::kYes, 1,
            "all_tenants=1&volume_id=" + EndpointUrl("", {volume_id}).substr(1)};
  BASE_TRY_ASSIGN(HttpResponse response, Perform(call));
  auto attachments = ParseAttachmentListResponse(response.body);
  if (!attachments.ok()) return attachments.error().WithContext("Cinder GET /attachments/detail");
  return attachments;
}

template <typename T>
Result<std::vector<T>> CinderHttpApi::ListPage(std::string_view collection, std::string_view marker, int limit,
                                               Result<std::vector<T>> (*parse)(std::string_view body)) {
  Call call{"GET", {collection, "detail"}, std::nullopt, ConnectRetry::kYes, 1, PageQuery(marker, limit)};
  BASE_TRY_ASSIGN(HttpResponse response, Perform(call));
  auto items = parse(response.body);
  if (!items.ok()) return items.error().WithContext("Cinder GET /" + std::string(collection) + "/detail");
  return items;
}

Result<std::vector<Attachment>> CinderHttpApi::ListAttachmentsPage(std::string_view marker, int limit) {
  return ListPage<Attachment>("attachments", marker, limit, &ParseAttachmentListResponse);
}

Result<std::vector<Volume>> CinderHttpApi::ListVolumesPage(std::string_view marker, int limit) {
  return ListPage<Volume>("volumes", marker, limit, &ParseVolumeListResponse);
}

}  // namespace agent::cinder
