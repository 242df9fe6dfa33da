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

Result<AuthKind> ParseAuthType(const config::NovaConfig& config, const std::optional<std::string>& auth_type,
                               std::string_view section) {
  const std::string value = auth_type.value_or("");
  if (value == "none") return AuthKind::kNone;
  if (IsKeystonePasswordAuth(value)) return AuthKind::kKeystonePassword;
  return Status::InvalidInput("[" + std::string(section) + "] auth_type: " + config.Shown(section, "auth_type", value) +
                              " is not supported by bdm-agent (none, password, v3password)");
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
                    o.project_name, o.project_id, o.project_domain_name, o.project_domain_id, o.system_scope);
  };
  return fields(a) == fields(b);
}

Result<std::string> Token(HttpTransport& transport, AuthKind kind, const config::KeystoneAuthOptions& auth,
                          std::string_view section, std::string* body) {
  if (kind == AuthKind::kNone) return std::string(kNoAuthToken);
  BASE_TRY_ASSIGN(KeystoneToken token, RequestKeystoneToken(transport, auth, section));
  if (body != nullptr) *body = std::move(token.body);
  return std::move(token.token);
}

// What fetching tokens needs, kept by the AttachmentApi for renewals.
struct TokenSource {
  AuthKind user_auth;
  std::optional<AuthKind> service_auth;
  config::KeystoneAuthOptions cinder, service_user;

  // X-Auth-Token (and X-Service-Token); the token body in *token_body.
  Result<AuthHeaders> Fetch(HttpTransport& transport, std::string* token_body) const {
    AuthHeaders out;
    BASE_TRY_ASSIGN(std::string token, Token(transport, user_auth, cinder, "cinder", token_body));
    out.headers.push_back("X-Auth-Token: " + token);
    out.secrets.push_back(token);
    if (service_auth) {
      // The same credentials give the same token: one Keystone request, not two.
      std::string service_token = token;
      if (*service_auth != user_auth || !SameCredentials(service_user, cinder)) {
        BASE_TRY_ASSIGN(service_token, Token(transport, *service_auth, service_user, "service_user", nullptr));
      }
      out.headers.push_back("X-Service-Token: " + service_token);
      out.secrets.push_back(std::move(service_token));
    }
    return out;
  }
};

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

Result<std::unique_ptr<AttachmentApi>> ConnectCinder(const config::NovaConfig& config, const CinderSession& session) {
  BASE_TRY_ASSIGN(CinderSettings settings, ResolveCinderSettings(config, session));
  BASE_TRY_ASSIGN(HttpTransport transport, HttpTransport::Create(settings.transport));

  CinderHttpApiOptions options;
  std::string token_body;
  const TokenSource source{settings.user_auth, settings.service_auth, config.cinder.auth, config.service_user.auth};
  BASE_TRY_ASSIGN(AuthHeaders auth, source.Fetch(transport, &token_body));
  options.auth_headers = std::move(auth.headers);
  options.secrets = std::move(auth.secrets);
  if (settings.user_auth != AuthKind::kNone || settings.service_auth.value_or(AuthKind::kNone) != AuthKind::kNone) {
    options.renew_auth = [source, transport_options = settings.transport]() -> Result<AuthHeaders> {
      BASE_TRY_ASSIGN(HttpTransport renewal, HttpTransport::Create(transport_options));
      return source.Fetch(renewal, nullptr);
    };
  }
  for (const auto* password : {&config.cinder.auth.password, &config.service_user.auth.password}) {
    if (*password) options.secrets.push_back(**password);
  }
  if (settings.endpoint) {
    options.endpoint = std::move(*settings.endpoint);
  } else {
    Result<std::string> endpoint = SelectCatalogEndpoint(token_body, settings.catalog);
    const char* what = "matches no endpoint in Keystone's service catalog";
    BASE_TRY(WithheldValue(config, "catalog_info", endpoint.ok() ? Status::Ok() : endpoint.error(), what));
    BASE_TRY(WithheldValue(config, "os_region_name", endpoint.ok() ? Status::Ok() : endpoint.error(), what));
    BASE_TRY_ASSIGN(options.endpoint, std::move(endpoint));
    BASE_TRY(CheckVolumeApiV3(options.endpoint).WithContext("catalog endpoint"));
  }
  options.request_id = session.global_request_id;
  options.request_timeout = settings.transport.total_timeout;
  options.connect_retries = settings.connect_retries;
  options.first_retry_delay = session.first_retry_delay;
  return std::unique_ptr<AttachmentApi>(std::make_unique<CinderHttpApi>(std::move(transport), std::move(options)));
}

}  // namespace agent::cinder
