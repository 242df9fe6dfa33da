// CinderHttpApi: the AttachmentApi over HTTP, once ConnectCinder
// (agent/cinder/cinder_client.h, which documents the behaviour) has settled
// the endpoint and the auth headers. Internal to agent/cinder/.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/cinder/attachment_api.h"
#include "agent/cinder/cinder_auth.h"
#include "agent/cinder/http_transport.h"

namespace agent::cinder {

struct CinderHttpApiOptions {
  std::string endpoint;                    // .../v3[/<project>]
  // The tokens, shared with the other clients of the same CinderAccess.
  // Each call takes the current headers (renewed ahead of expiry); when
  // Cinder answers 401 (expired or revoked), new ones are asked for and the
  // call is sent once more with them (a 401 comes from keystonemiddleware,
  // before Cinder did anything).
  std::shared_ptr<CinderAuth> auth;
  PeerTime* keystone_time = nullptr;       // gets the time of renewals made by this client's calls
  std::vector<std::string> secrets;        // passwords and secrets (the tokens come from auth), masked in error bodies
  std::optional<std::string> request_id;   // X-OpenStack-Request-ID
  int connect_retries = 3;
  std::chrono::milliseconds first_retry_delay{500};
  std::chrono::milliseconds request_timeout{90000};  // the transport's total timeout per request
  // Shared by the clients of one CinderAccess: set once one of them found
  // Cinder offering the attachments' microversion, so that the others skip
  // the version discovery (one GET per run, not one per refresh); nullptr:
  // this client asks itself.
  std::shared_ptr<std::atomic<bool>> microversion_known;
};

class CinderHttpApi final : public AttachmentApi {
 public:
  CinderHttpApi(HttpTransport transport, CinderHttpApiOptions options);

  base::Result<Attachment> Create(std::string_view volume_id, std::string_view instance_uuid) override;
  base::Result<Attachment> Get(std::string_view attachment_id) override;
  base::Result<Attachment> Update(std::string_view attachment_id, std::string_view connector_json,
                                  std::optional<std::string_view> mountpoint) override;
  base::Status Complete(std::string_view attachment_id) override;
  base::Status Delete(std::string_view attachment_id) override;
  base::Result<Volume> GetVolume(std::string_view volume_id) override;
  base::Result<std::vector<Attachment>> ListAttachments(std::string_view volume_id) override;
  base::Result<std::vector<Attachment>> ListAttachmentsPage(std::string_view marker, int limit) override;
  base::Result<std::vector<Volume>> ListVolumesPage(std::string_view marker, int limit) override;
  std::chrono::milliseconds RequestTimeout() const override { return options_.request_timeout; }

 private:
  enum class ConnectRetry { kNo, kYes };
  struct Call {
    std::string method;
    std::vector<std::string_view> path;  // segments under the endpoint
    std::optional<std::string> body;
    ConnectRetry connect_retry = ConnectRetry::kYes;
    int attempts_on_5xx = 1;             // sends while Cinder answers 500 or 504
    std::string query = {};              // "key=value&..." (already encoded), or empty
  };

  // The 2xx answer, or the Status of the last failure.
  base::Result<HttpResponse> Perform(const Call& call);
  // Sends with connect retries; a TransportError's status on failure.
  base::Result<HttpResponse> SendWithConnectRetries(const HttpRequest& request, ConnectRetry retry,
                                                    const std::string& context);
  base::Status EnsureMicroversion();
  // One page of GET /<collection>/detail (see AttachmentApi::ListAttachmentsPage).
  template <typename T>
  base::Result<std::vector<T>> ListPage(std::string_view collection, std::string_view marker, int limit,
                                        base::Result<std::vector<T>> (*parse)(std::string_view body));
  // options_.secrets and every token held so far.
  std::vector<std::string> Secrets() const;

  HttpTransport transport_;
  CinderHttpApiOptions options_;
  bool microversion_checked_ = false;
};

}  // namespace agent::cinder
