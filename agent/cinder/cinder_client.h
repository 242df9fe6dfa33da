// ConnectCinder: the production AttachmentApi (agent/cinder/attachment_api.h),
// an HTTP client of Cinder's v3 API configured from nova.conf exactly where
// Nova reads its own Cinder client settings ([cinder], [service_user]).
//
// Authentication ([cinder] auth_type):
//   none                  X-Auth-Token: notused (keystoneauth's NoAuth token,
//                         what nova-manage sends); [cinder] endpoint_template
//                         is then required.
//   password, v3password  a Keystone v3 password token for the [cinder] user,
//   v3applicationcredential  or for an application credential (by id, or by
//                         name and user), renewed as agent/cinder/cinder_auth.h
//                         says (ahead of expiry, and on a 401);
//   token, v3token        a fixed token, exchanged once for a scoped one (the
//                         catalog comes with it), never renewed: once it
//                         expires, or when Cinder refuses it, calls fail with
//                         kPermissionDenied saying so
//                         (agent/cinder/keystone_auth.h builds the requests).
// With [service_user] send_service_user_token = True, every request also
// carries X-Service-Token: "notused" for [service_user] auth_type = none, or
// a Keystone token of the [service_user] credentials (Nova sends none when
// that section has no auth_type); when those are the [cinder] ones exactly,
// the [cinder] token is reused (one Keystone request per run, where Nova
// makes two). Cinder needs it to let Delete remove an attachment that has
// connection_info (bug #2004555). When Cinder answers 401 (a token expired
// or revoked), the tokens are fetched again and the call is sent once more.
// The tokens live in a CinderAccess, shared by every client made from it.
// A Delete refused (409 or 500) when no service token was sent says so and
// names [service_user] send_service_user_token.
// Endpoint: [cinder] endpoint_template (expanded as for nova-manage's
// context), else the token's catalog by [cinder] catalog_info and
// os_region_name. Its path must name v3.
//
// Every call sends OpenStack-API-Version: volume 3.44 and, when the session
// has one, X-OpenStack-Request-ID. Timeouts: connect `connect_timeout`
// (default 5 s), whole request [cinder] timeout seconds, else 90 s (Cinder's
// own RPC timeout is 60 s; a PUT or DELETE while cinder-volume is down
// answers 500 after it).
// Retries: Update and Delete are sent up to 5 times in all while Cinder
// answers 500 or 504, at once (Nova 26.2.2 does so for attachment_delete;
// Cinder changes nothing when PUT or DELETE answer 500). Other answers are
// never resent. A connection Cinder refused, or a name that did not resolve
// (nothing was sent), is retried [cinder] http_retries times after 0.5 s,
// 1 s, 2 s, ... (keystoneauth's back-off) for every call but Create's POST;
// Create's version discovery GET is retried like any GET.
//
// CinderAccess::Open (and ConnectCinder) talk only to Keystone (when
// configured); Cinder is first contacted by a client's first call.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/cinder/attachment_api.h"
#include "agent/cinder/cinder_auth.h"
#include "agent/cinder/http_transport.h"
#include "agent/cinder/keystone_auth.h"
#include "agent/config/nova_config.h"
#include "base/result.h"
#include "proto_compat/request_context.h"

namespace agent::cinder {

struct CinderSession {
  // Sent as X-OpenStack-Request-ID on every call (not on version discovery,
  // like Nova); see ForContext.
  std::optional<std::string> global_request_id;
  std::string user_agent = "bdm-agent";
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds first_retry_delay{500};  // doubles with each retry of a refused connection
  // When set, accumulates the time spent in every Cinder HTTP request; must
  // outlive the AttachmentApi. See agent/peer_time.h.
  PeerTime* peer_time = nullptr;
  // The same for Keystone's token requests (the catalog comes with the
  // token), made by Open or by a renewal during a client's call.
  PeerTime* keystone_time = nullptr;

  // Nova sends context.global_id: the global request id, else the request id.
  static CinderSession ForContext(const proto_compat::RequestContext& context);
};

enum class AuthKind { kNone, kKeystonePassword, kApplicationCredential, kFixedToken };

// What nova.conf says, checked, before anything is sent.
struct CinderSettings {
  AuthKind user_auth = AuthKind::kNone;
  std::optional<AuthKind> service_auth;  // nullopt: no X-Service-Token
  std::optional<std::string> endpoint;   // expanded endpoint_template; nullopt: from the catalog
  CatalogQuery catalog;
  TransportOptions transport;
  int connect_retries = 3;
};

// kInvalidInput for settings Nova would refuse or bdm-agent does not support
// (the message names the option): [cinder] auth_type unset or unknown,
// auth_type none without endpoint_template, a template or catalog_info that
// does not parse, an endpoint that is not v3, a [cinder] timeout <= 0.
base::Result<CinderSettings> ResolveCinderSettings(const config::NovaConfig& config, const CinderSession& session);

// The settings, the endpoint and the tokens of one nova.conf, shared by all
// the clients made from it (a `serve` process keeps one per configuration
// snapshot, for all its worker threads). Thread-safe; not copyable.
class CinderAccess {
 public:
  // ResolveCinderSettings, then the first tokens (Keystone's errors as
  // described in keystone_auth.h; `session`'s keystone_time gets their time)
  // and the catalog look-up (kNotFound when the catalog has no such
  // endpoint).
  static base::Result<std::shared_ptr<const CinderAccess>> Open(const config::NovaConfig& config,
                                                                const CinderSession& session);

  // A client for one thread at a time, with its own HTTP connection and the
  // shared tokens; `session` gives its request id, user agent and peer
  // times (which must outlive the client). kUnavailable when libcurl cannot
  // be loaded.
  base::Result<std::unique_ptr<AttachmentApi>> NewClient(const CinderSession& session) const;

  const CinderAuth& auth() const { return *auth_; }

  CinderAccess(const CinderAccess&) = delete;
  CinderAccess& operator=(const CinderAccess&) = delete;

 private:
  CinderAccess(CinderSettings settings, std::string endpoint, std::vector<std::string> config_secrets,
               std::shared_ptr<CinderAuth> auth);

  const CinderSettings settings_;
  const std::string endpoint_;
  const std::vector<std::string> config_secrets_;  // passwords and secrets, masked in quoted error bodies
  const std::shared_ptr<CinderAuth> auth_;         // shared with every client
  // Whether a client found the attachments' microversion offered (shared
  // with every client: version discovery once per CinderAccess).
  const std::shared_ptr<std::atomic<bool>> microversion_known_ = std::make_shared<std::atomic<bool>>(false);
};

// Where a command gets its CinderAccess: CinderAccess::Open, or one shared
// with other requests (serve's, per configuration snapshot).
using CinderAccessSource = std::function<base::Result<std::shared_ptr<const CinderAccess>>(
    const config::NovaConfig& config, const CinderSession& session)>;

// CinderAccess::Open, then NewClient: the client of one command run.
base::Result<std::unique_ptr<AttachmentApi>> ConnectCinder(const config::NovaConfig& config,
                                                           const CinderSession& session);

}  // namespace agent::cinder
