#include "agent/cinder/http_transport.h"

#include <curl/curl.h>
#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <type_traits>

#include "agent/input/limits.h"
#include "agent/openssl_setup.h"

namespace agent::cinder {
namespace {

using base::Status;

constexpr const char* kLibcurl = "libcurl.so.4";

// The libcurl functions this file calls, taken from the shared library with
// dlsym (bdm-agent does not link libcurl; see http_transport.h).
struct CurlApi {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_reset) easy_reset = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
};

Status CannotLoad(std::string_view detail) {
  return Status::Unavailable("cannot load libcurl, which bdm-agent needs to reach Cinder: " + std::string(detail));
}

// Loads `soname` and resolves every CurlApi function; the library stays
// loaded (it is never unloaded).
base::Result<CurlApi> LoadCurlApi(const char* soname) {
  void* library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* error = dlerror();
    return CannotLoad(error != nullptr ? error : soname);
  }
  CurlApi api;
  std::string missing;
  auto resolve = [&](auto& function, const char* name) {
    void* address = dlsym(library, name);
    if (address == nullptr && missing.empty()) missing = name;
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(address);
  };
  resolve(api.global_init, "curl_global_init");
  resolve(api.easy_init, "curl_easy_init");
  resolve(api.easy_cleanup, "curl_easy_cleanup");
  resolve(api.easy_reset, "curl_easy_reset");
  resolve(api.easy_setopt, "curl_easy_setopt");
  resolve(api.easy_perform, "curl_easy_perform");
  resolve(api.easy_getinfo, "curl_easy_getinfo");
  resolve(api.easy_strerror, "curl_easy_strerror");
  resolve(api.slist_append, "curl_slist_append");
  resolve(api.slist_free_all, "curl_slist_free_all");
  if (!missing.empty()) {
    dlclose(library);
    return CannotLoad(std::string(soname) + " has no " + missing);
  }
  LoadOpenSslConfig();  // libcurl may share OpenSSL with libmariadb (agent/openssl_setup.h)
  if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return Status::Internal("libcurl: curl_global_init failed");
  }
  return api;
}

// The process's libcurl, loaded by the first call (thread-safe).
const base::Result<CurlApi>& Curl() {
  static const base::Result<CurlApi> api = LoadCurlApi(kLibcurl);
  return api;
}

struct CurlListDeleter {
  void operator()(curl_slist* list) const { Curl()->slist_free_all(list); }
};
using CurlList = std::unique_ptr<curl_slist, CurlListDeleter>;

// What arrives of one answer; past input::kMaxHttpAnswerBytes (headers and
// body together) a callback returns short, which stops libcurl.
struct Received {
  HttpResponse& response;
  std::size_t bytes = 0;
  bool too_large = false;

  bool Take(std::size_t n) {
    too_large = too_large || n > input::kMaxHttpAnswerBytes - bytes;
    if (!too_large) bytes += n;
    return !too_large;
  }
};

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* received = static_cast<Received*>(user);
  if (!received->Take(size * count)) return 0;
  received->response.body.append(data, size * count);
  return size * count;
}

std::string Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  const size_t last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// Header lines of the final answer only (an interim 100 Continue or a
// redirect starts a new status line, which clears the list).
size_t AppendHeader(char* data, size_t size, size_t count, void* user) {
  auto* received = static_cast<Received*>(user);
  if (!received->Take(size * count)) return 0;
  auto* headers = &received->response.headers;
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers->clear();
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    headers->emplace_back(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  }
  return size * count;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

struct HttpTransport::Handle {
  struct Deleter {
    void operator()(CURL* curl) const { Curl()->easy_cleanup(curl); }
  };
  std::unique_ptr<CURL, Deleter> curl;
};

base::Status CheckLibcurl(const char* soname) {
  auto api = LoadCurlApi(soname);
  return api.ok() ? Status::Ok() : api.error();
}

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

TransportError CurlError(int curl_code, bool request_sent, std::string_view detail, std::string_view context) {
  const auto code = static_cast<CURLcode>(curl_code);
  std::string text(detail);
  if (text.empty()) {
    text = Curl().ok() ? Curl()->easy_strerror(code) : "libcurl error " + std::to_string(curl_code);
  }
  std::string message = std::string(context) + ": " + Trim(text);
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return {Status::Unavailable(std::move(message)), Sent::kNothing};
    case CURLE_OPERATION_TIMEDOUT:
      if (!request_sent) return {Status::Unavailable(std::move(message)), Sent::kNothing};
      return {Status::Timeout(std::move(message)), Sent::kMaybe};
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
      return {Status::RemoteError(std::move(message)), Sent::kMaybe};
    default:
      return {Status::Internal(std::move(message)), Sent::kMaybe};
  }
}

base::Result<HttpTransport> HttpTransport::Create(TransportOptions options) {
  BASE_TRY(Curl().error());
  std::unique_ptr<CURL, Handle::Deleter> curl(Curl()->easy_init());
  if (!curl) return Status::Internal("libcurl: curl_easy_init failed");
  return HttpTransport(std::move(options), std::make_unique<Handle>(Handle{std::move(curl)}));
}

HttpTransport::HttpTransport(TransportOptions options, std::unique_ptr<Handle> handle)
    : options_(std::move(options)), handle_(std::move(handle)) {}
HttpTransport::HttpTransport(HttpTransport&&) noexcept = default;
HttpTransport& HttpTransport::operator=(HttpTransport&&) noexcept = default;
HttpTransport::~HttpTransport() = default;

std::variant<HttpResponse, TransportError> HttpTransport::Send(const HttpRequest& request, std::string_view context) {
  const CurlApi& api = *Curl();  // loaded: Create() succeeded
  CURL* curl = handle_->curl.get();
  api.easy_reset(curl);  // keeps the connection cache
  HttpResponse response;
  Received received{response};
  char error_buffer[CURL_ERROR_SIZE] = {};

  CurlList headers;
  auto add_header = [&](const std::string& line) -> bool {
    curl_slist* grown = api.slist_append(headers.get(), line.c_str());
    if (grown == nullptr) return false;
    static_cast<void>(headers.release());
    headers.reset(grown);
    return true;
  };
  bool ok = add_header("Accept: application/json") && add_header("Expect:");
  if (request.body) ok = ok && add_header("Content-Type: application/json");
  for (const std::string& line : request.headers) ok = ok && add_header(line);
  if (!ok) return TransportError{Status::Internal(std::string(context) + ": out of memory"), Sent::kNothing};

  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = api.easy_setopt(curl, option, value);
  };
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  set(CURLOPT_USERAGENT, options_.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, headers.get());
  set(CURLOPT_WRITEFUNCTION, AppendBody);
  set(CURLOPT_WRITEDATA, &received);
  set(CURLOPT_HEADERFUNCTION, AppendHeader);
  set(CURLOPT_HEADERDATA, &received);
  if (options_.ca_file) set(CURLOPT_CAINFO, options_.ca_file->c_str());
  if (options_.insecure) {
    set(CURLOPT_SSL_VERIFYPEER, 0L);
    set(CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (request.method == "GET") {
    set(CURLOPT_HTTPGET, 1L);
  } else {
    set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.body) {
      set(CURLOPT_POSTFIELDS, request.body->data());
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
    } else if (request.method == "POST" || request.method == "PUT") {
      set(CURLOPT_POSTFIELDS, "");
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0));
    }
  }
  if (rc != CURLE_OK) return CurlError(rc, false, "", context);

  {
    const PeerTimer timer(options_.peer_time);
    rc = api.easy_perform(curl);
  }
  if (received.too_large) {
    return TransportError{Status::RemoteError(std::string(context) + ": the answer is larger than " +
                                              std::to_string(input::kMaxHttpAnswerBytes) + " bytes"),
                          Sent::kMaybe};
  }
  if (rc != CURLE_OK) {
    long request_bytes = 0;
    api.easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_bytes);
    return CurlError(rc, request_bytes > 0, error_buffer, context);
  }
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace agent::cinder
