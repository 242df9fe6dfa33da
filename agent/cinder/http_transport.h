// HttpTransport: blocking HTTP(S) requests over one libcurl easy handle
// (connections are kept alive between requests), for the Cinder and Keystone
// clients in agent/cinder/.
//
// Send() returns any HTTP answer, whatever its status, as an HttpResponse;
// only transport failures are Statuses, made by CurlError():
//   could not resolve, connect, or set up TLS (nothing was sent) -> kUnavailable
//   no complete answer within the total timeout                 -> kTimeout
//   connection lost or garbled answer after sending             -> kRemoteError
//   an answer larger than input::kMaxHttpAnswerBytes (headers and
//   body together; agent/input/limits.h)                       -> kRemoteError
//   anything else (a libcurl misuse)                            -> kInternal
// Messages are "<context>: <libcurl's text>" and never contain the request's
// headers or body (where the tokens and passwords are).
//
// bdm-agent does not link libcurl: the first Create() loads libcurl.so.4 with
// dlopen (once per process; it stays loaded). Linked, libcurl and the ~30
// libraries it needs (GnuTLS, Kerberos, LDAP, SSH, ...) were loaded and bound
// before main by every command, `show` included, which reaches no HTTP peer;
// now only the commands that reach Cinder pay for them. When it cannot be
// loaded, Create() fails with kUnavailable, one line naming the reason:
//   "cannot load libcurl, which bdm-agent needs to reach Cinder: <dlerror>"
//
// Thread safety: one thread at a time. Movable, not copyable.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "agent/peer_time.h"
#include "base/result.h"

namespace agent::cinder {

struct HttpRequest {
  std::string method;                // GET, POST, PUT, DELETE
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::optional<std::string> body;   // sent with Content-Type: application/json
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent

  // The first header of that name (case-insensitive), value trimmed.
  std::optional<std::string> Header(std::string_view name) const;
};

struct TransportOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{90000};  // per request, connect included
  std::optional<std::string> ca_file;              // [cinder] cafile
  bool insecure = false;                           // [cinder] insecure: no TLS verification
  std::string user_agent = "bdm-agent";
  PeerTime* peer_time = nullptr;                   // when set, gets the time of each transfer (peer_time.h)
};

// Whether a transport failure happened before anything was sent (so any
// request, even a POST, may be sent again).
enum class Sent { kNothing, kMaybe };

struct TransportError {
  base::Status status;
  Sent sent = Sent::kMaybe;
};

// The one converter from a CURLcode (as int, so that this header does not need
// <curl/curl.h>) to a Status. `request_sent` says whether any request bytes
// had gone out (it tells a connect timeout, kUnavailable with Sent::kNothing,
// from an answer timeout, kTimeout); `detail` is libcurl's error buffer, or ""
// for curl_easy_strerror.
TransportError CurlError(int curl_code, bool request_sent, std::string_view detail, std::string_view context);

// The load Create() runs, on another file name (for tests): OK when `soname`
// loads and has every function HttpTransport calls, else Create()'s error.
base::Status CheckLibcurl(const char* soname);

class HttpTransport {
 public:
  // kUnavailable when libcurl cannot be loaded (above); kInternal when it
  // cannot make a handle.
  static base::Result<HttpTransport> Create(TransportOptions options);

  HttpTransport(HttpTransport&&) noexcept;
  HttpTransport& operator=(HttpTransport&&) noexcept;
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;
  ~HttpTransport();

  // Sends `request` once; `context` starts every error message.
  std::variant<HttpResponse, TransportError> Send(const HttpRequest& request, std::string_view context);

  const TransportOptions& options() const { return options_; }

 private:
  struct Handle;
  HttpTransport(TransportOptions options, std::unique_ptr<Handle> handle);

  TransportOptions options_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace agent::cinder
