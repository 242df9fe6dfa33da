#include "agent/cinder/cinder_client.h"

#include <algorithm>
#include <tuple>

#include "agent/cinder/cinder_endpoint.h"
#include "agent/cinder/cinder_http_api.h"

namespace agent::cinder {
namespace {

using base::Result;
using base::Status;

constexpr std::chrono::seconds kDefaultTimeout{90};
constexpr const char* kNoAuthToken = "notused";  // keystoneauth1.noauth.NoAuth.get_token()

constexpr const char* kSupportedAuthTypes = "none, password, v3password, v3applicationcredential, token, v3token";

Result<AuthKind> ParseAuthType(const config::NovaConfig& config, const std::optional<std::string>& auth_type,
                               std::string_view section) {
  const std::string value = auth_type.value_or("");
  if (value == "none") return AuthKind::kNone;
  if (std::optional<KeystoneMethod> method = KeystoneMethodFor(value)) {
    switch (*method) {
      case KeystoneMethod::kPassword: return AuthKind::kKeystonePassword;
      case KeystoneMethod::kApplicationCredential: return AuthKind::kApplicationCredential;
      case KeystoneMethod::kToken: return AuthKind::kFixedToken;
    }
  }
  return Status::InvalidInput("[" + std::string(section) + "] auth_type: " + config.Shown(section, "auth_type", value) +
                              " is not supported by bdm-agent (" + kSupportedAuthTypes + ")");
}

// `error` about the value of [cinder] `option` (whose text may quote it), or,
// when that value must not be quoted (NovaConfig::Shown), one that only names
// the option and says what is wrong with it.
Status WithheldValue(const config::NovaConfig& config, std::string_view option, const Status& error,
                     std::string_view what) {
  if (error.ok() || config.MayQuote("cinder", option)) return error;
  std::string message = "[cinder] " + std::string(option) + ": " + config.Shown("cinder", option, "") + " " +
                        std::string(what);
  switch (error.code()) {
    case base::Code::kInvalidInput: return Status::InvalidInput(std::move(message));
    case base::Code::kNotFound: return Status::NotFound(std::move(message));
    default: return error;  // the other messages quote no option
  }
}

bool SameCredentials(const config::KeystoneAuthOptions& a, const config::KeystoneAuthOptions& b) {
  auto fields = [](const config::KeystoneAuthOptions& o) {
    return std::tie(o.auth_type, o.auth_url, o.username, o.password, o.user_domain_name, o.user_domain_id,
                    o.project_name, o.project_id, o.project_domain_name, o.project_domain_id, o.system_scope, o.user_id,
                    o.application_credential_id, o.application_credential_name, o.application_credential_secret,
                    o.token);
  };
  return fields(a) == fields(b);
}

struct Token {
  std::string token;
  std::optional<std::chrono::system_clock::time_point> expires_at;
};

Result<Token> FetchToken(HttpTransport& transport, AuthKind kind, const config::KeystoneAuthOptions& auth,
                         std::string_view section, std::string* body) {
  if (kind == AuthKind::kNone) return Token{kNoAuthToken, std::nullopt};
  BASE_TRY_ASSIGN(KeystoneToken token, RequestKeystoneToken(transport, auth, section));
  if (body != nullptr) *body = std::move(token.body);
  return Token{std::move(token.token), token.expires_at};
}

// What fetching tokens needs, kept by the CinderAuth for renewals.
struct TokenSource {
  AuthKind user_auth;
  std::optional<AuthKind> service_auth;
  config::KeystoneAuthOptions cinder, service_user;
  TransportOptions transport;  // Cinder's: Nova's keystoneauth session uses [cinder]'s TLS options for both

  // X-Auth-Token (and X-Service-Token), over a connection of its own.
  Result<AuthGrant> Fetch(PeerTime* keystone_time) const {
    TransportOptions options = transport;
    options.peer_time = keystone_time;
    BASE_TRY_ASSIGN(HttpTransport keystone, HttpTransport::Create(options));
    AuthGrant out;
    BASE_TRY_ASSIGN(Token token, FetchToken(keystone, user_auth, cinder, "cinder", &out.token_body));
    out.headers.push_back("X-Auth-Token: " + token.token);
    out.secrets.push_back(token.token);
    out.expires_at = token.expires_at;
    if (service_auth) {
      // The same credentials give the same token: one Keystone request, not two.
      Token service = token;
      if (*service_auth != user_auth || !SameCredentials(service_user, cinder)) {
        BASE_TRY_ASSIGN(service, FetchToken(keystone, *service_auth, service_user, "service_user", nullptr));
      }
      if (service.expires_at && (!out.expires_at || *service.expires_at < *out.expires_at)) {
        out.expires_at = service.expires_at;
      }
      out.headers.push_back("X-Service-Token: " + service.token);
      out.secrets.push_back(std::move(service.token));
    }
    return out;
  }
};

CinderAuthPolicy PolicyFor(const CinderSettings& settings) {
  CinderAuthPolicy policy;
  for (const auto& [kind, section] : {std::pair{std::optional(settings.user_auth), "cinder"},
                                      std::pair{settings.service_auth, "service_user"}}) {
    if (kind == AuthKind::kFixedToken && !policy.cannot_renew) {
      policy.cannot_renew = std::string("[") + section +
                            "] auth_type = token: a fixed token cannot be renewed; give a new token, or use "
                            "auth_type password or v3applicationcredential";
    }
  }
  return policy;
}

}  // namespace

CinderSession CinderSession::ForContext(const proto_compat::RequestContext& context) {
  CinderSession session;
  session.global_request_id = context.global_request_id.value_or(context.request_id);
  return session;
}

Result<CinderSettings> ResolveCinderSettings(const config::NovaConfig& config, const CinderSession& session) {
  const config::CinderOptions& cinder = config.cinder;
  CinderSettings settings;
  if (!cinder.auth.auth_type || cinder.auth.auth_type->empty()) {
    return Status::InvalidInput(
        "[cinder] auth_type is not set: the [cinder] section of your nova configuration file must be configured "
        "for authentication with the block-storage service endpoint");
  }
  BASE_TRY_ASSIGN(settings.user_auth, ParseAuthType(config, cinder.auth.auth_type, "cinder"));
  if (config.service_user.send_service_user_token && config.service_user.auth.auth_type &&
      !config.service_user.auth.auth_type->empty()) {
    BASE_TRY_ASSIGN(settings.service_auth, ParseAuthType(config, config.service_user.auth.auth_type, "service_user"));
  }
  if (cinder.endpoint_template && !cinder.endpoint_template->empty()) {
    Result<std::string> endpoint = ExpandEndpointTemplate(*cinder.endpoint_template);
    Status checked = endpoint.ok() ? CheckVolumeApiV3(*endpoint).WithContext("[cinder] endpoint_template")
                                   : endpoint.error();
    BASE_TRY(WithheldValue(config, "endpoint_template", checked,
                           "is not a Cinder volume API v3 endpoint template"));
    settings.endpoint = std::move(*endpoint);
  } else if (settings.user_auth == AuthKind::kNone) {
    return Status::InvalidInput("[cinder] auth_type = none needs [cinder] endpoint_template (there is no catalog)");
  }
  BASE_TRY_ASSIGN(settings.catalog, ParseCatalogInfo(cinder.catalog_info, cinder.os_region_name));
  if (cinder.timeout && *cinder.timeout <= 0) {
    return Status::InvalidInput("[cinder] timeout must be a positive number of seconds");
  }
  const std::chrono::milliseconds total =
      cinder.timeout ? std::chrono::milliseconds(std::chrono::seconds(*cinder.timeout)) : kDefaultTimeout;
  settings.transport.total_timeout = total;
  settings.transport.connect_timeout = std::min(session.connect_timeout, total);
  settings.transport.ca_file = cinder.cafile;
  settings.transport.insecure = cinder.insecure;
  settings.transport.user_agent = session.user_agent;
  settings.transport.peer_time = session.peer_time;
  settings.connect_retries = cinder.http_retries;
  return settings;
}

CinderAccess::CinderAccess(CinderSettings settings, std::string endpoint, std::vector<std::string> config_secrets,
                           std::shared_ptr<CinderAuth> auth)
    : settings_(std::move(settings)),
      endpoint_(std::move(endpoint)),
      config_secrets_(std::move(config_secrets)),
      auth_(std::move(auth)) {}

Result<std::shared_ptr<const CinderAccess>> CinderAccess::Open(const config::NovaConfig& config,
                                                               const CinderSession& session) {
  BASE_TRY_ASSIGN(CinderSettings settings, ResolveCinderSettings(config, session));
  TokenSource source{settings.user_auth, settings.service_auth, config.cinder.auth, config.service_user.auth,
                     settings.transport};
  auto auth = std::make_shared<CinderAuth>(
      [source = std::move(source)](PeerTime* keystone_time) { return source.Fetch(keystone_time); },
      PolicyFor(settings));
  BASE_TRY(auth->Current(session.keystone_time));
  std::vector<std::string> secrets;
  for (const config::KeystoneAuthOptions* section : {&config.cinder.auth, &config.service_user.auth}) {
    for (const auto* secret : {&section->password, &section->application_credential_secret, &section->token}) {
      if (*secret && !(*secret)->empty()) secrets.push_back(**secret);
    }
  }
  std::string endpoint;
  if (settings.endpoint) {
    endpoint = *settings.endpoint;
  } else {
    Result<std::string> selected = SelectCatalogEndpoint(auth->FirstTokenBody(), settings.catalog);
    const char* what = "matches no endpoint in Keystone's service catalog";
    BASE_TRY(WithheldValue(config, "catalog_info", selected.ok() ? Status::Ok() : selected.error(), what));
    BASE_TRY(WithheldValue(config, "os_region_name", selected.ok() ? Status::Ok() : selected.error(), what));
    BASE_TRY_ASSIGN(endpoint, std::move(selected));
    BASE_TRY(CheckVolumeApiV3(endpoint).WithContext("catalog endpoint"));
  }
  return std::shared_ptr<const CinderAccess>(
      new CinderAccess(std::move(settings), std::move(endpoint), std::move(secrets), std::move(auth)));
}

Result<std::unique_ptr<AttachmentApi>> CinderAccess::NewClient(const CinderSession& session) const {
  TransportOptions transport = settings_.transport;
  transport.user_agent = session.user_agent;
  transport.peer_time = session.peer_time;
  BASE_TRY_ASSIGN(HttpTransport http, HttpTransport::Create(transport));
  CinderHttpApiOptions options;
  options.endpoint = endpoint_;
  options.auth = auth_;
  options.keystone_time = session.keystone_time;
  options.secrets = config_secrets_;
  options.request_id = session.global_request_id;
  options.request_timeout = settings_.transport.total_timeout;
  options.connect_retries = settings_.connect_retries;
  options.first_retry_delay = session.first_retry_delay;
  options.microversion_known = microversion_known_;
  return std::unique_ptr<AttachmentApi>(std::make_unique<CinderHttpApi>(std::move(http), std::move(options)));
}

Result<std::unique_ptr<AttachmentApi>> ConnectCinder(const config::NovaConfig& config, const CinderSession& session) {
  BASE_TRY_ASSIGN(std::shared_ptr<const CinderAccess> access, CinderAccess::Open(config, session));
  return access->NewClient(session);
}

}  // namespace agent::cinder
