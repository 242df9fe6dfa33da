// ConnectCinder: the production AttachmentApi (agent/cinder/attachment_api.h),
// an HTTP client of Cinder's v3 API configured from nova.conf exactly where
// Nova reads its own Cinder client settings ([cinder], [service_user]).
//
// Authentication ([cinder] auth_type):
//   none                  X-Auth-Token: notused (keystoneauth's NoAuth token,
//                         what nova-manage sends); [cinder] endpoint_template
//                         is then required.
//   password, v3password  a Keystone v3 password token for the [cinder] user
//                         (agent/cinder/keystone_auth.h), fetched once here.
// With [service_user] send_service_user_token = True, every request also
// carries X-Service-Token: "notused" for [service_user] auth_type = none, or
// a Keystone token of the [service_user] credentials (Nova sends none when
// that section has no auth_type); when those are the [cinder] ones exactly,
// the [cinder] token is reused (one Keystone request per run, where Nova
// makes two). Cinder needs it to let Delete remove an attachment that has
// connection_info (bug #2004555). When Cinder answers 401 (a token expired
// or revoked), the tokens are fetched again and the call is sent once more.
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
// ConnectCinder itself talks only to Keystone (when configured); Cinder is
// first contacted by the first call.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/cinder/attachment_api.h"
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
  // When set, accumulates the time spent in every HTTP request (Keystone's
  // too); must outlive the AttachmentApi. See agent/peer_time.h.
  PeerTime* peer_time = nullptr;

  // Nova sends context.global_id: the global request id, else the request id.
  static CinderSession ForContext(const proto_compat::RequestContext& context);
};

enum class AuthKind { kNone, kKeystonePassword };

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

// ResolveCinderSettings, then the Keystone tokens (Keystone's errors as
// described in keystone_auth.h) and the catalog look-up (kNotFound when the
// catalog has no such endpoint).
base::Result<std::unique_ptr<AttachmentApi>> ConnectCinder(const config::NovaConfig& config,
                                                           const CinderSession& session);

}  // namespace agent::cinder
