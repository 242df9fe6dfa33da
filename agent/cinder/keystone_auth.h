// Keystone v3 password authentication as keystoneauth does it for Nova's
// [cinder] and [service_user] sections (auth_type password or v3password),
// and the service catalog look-up Nova does with [cinder] catalog_info and
// os_region_name.
//
// Differences from keystoneauth, on purpose: the generic `password` plugin
// first GETs auth_url for version discovery; here an auth_url whose path ends
// in /v3 is used as the v3 root and any other gets "/v3" appended (a /v2.0
// auth_url is refused: Keystone has no v2 API since Queens). Tokens are
// fetched once per ConnectCinder, again only when Cinder answers 401
// (agent/cinder/cinder_client.h).
// Messages never contain the password or the token.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/cinder/http_transport.h"
#include "agent/config/nova_config.h"
#include "base/result.h"

namespace agent::cinder {

// "<service_type>:<service_name>:<interface>", e.g. "volumev3::publicURL";
// interface "publicURL" is "public" (keystoneauth strips a trailing "URL").
struct CatalogQuery {
  std::string service_type, service_name, interface;
  std::optional<std::string> region;  // [cinder] os_region_name
};

// kInvalidInput, naming "[cinder] catalog_info", unless there are exactly
// three ':'-separated parts with a non-empty type and interface.
base::Result<CatalogQuery> ParseCatalogInfo(std::string_view catalog_info, std::optional<std::string> region);

// True for the auth_type values handled here (password, v3password).
bool IsKeystonePasswordAuth(std::string_view auth_type);

// POST URL for a token: see the header comment. `section` ("cinder" or
// "service_user") names the options in errors. kInvalidInput when auth_url is
// unset or a v2.0 URL.
base::Result<std::string> KeystoneTokenUrl(const config::KeystoneAuthOptions& auth, std::string_view section);

// The JSON body keystoneauth's v3 Password plugin sends:
// {"auth": {"identity": {"methods": ["password"], "password": {"user": {
//   "password": P, "name": U, "domain": {"id"|"name": D}}}}, "scope": S}}
// with S {"project": {"id": I}} (project_id wins), {"project": {"name": N,
// "domain": {"id"|"name": D}}}, {"system": {"all": true}} (system_scope
// "all") or no "scope" at all (unscoped). A domain is sent only when set.
// kInvalidInput when username or password is unset.
base::Result<std::string> KeystoneTokenRequestBody(const config::KeystoneAuthOptions& auth, std::string_view section);

// The URL of the first endpoint matching `query` in the "catalog" of a token
// response body, chosen as keystoneauth does: services of the requested type
// first, else (for block-storage and its aliases volumev3, volumev2, volume,
// block-store) of the first alias found in the official order; the service
// name must match when both are set; interface and region (region_id, else
// region) must match; endpoints with an empty url are skipped. kNotFound
// naming the query and listing what the catalog has (type/name
// interface@region, no URLs, cut at 600 characters) when nothing matches;
// kRemoteError when the body is not a token.
base::Result<std::string> SelectCatalogEndpoint(std::string_view token_body, const CatalogQuery& query);

struct KeystoneToken {
  std::string token;  // X-Subject-Token
  std::string body;   // the token response (catalog inside)
};

// POSTs the token request; statuses as for Cinder calls (HttpAnswerError) with
// the context "Keystone POST <token url>", a 401 also naming the options to
// check (Keystone answers the same 401 for a wrong password, user, domain or
// project); kRemoteError when the answer has no X-Subject-Token.
base::Result<KeystoneToken> RequestKeystoneToken(HttpTransport& transport, const config::KeystoneAuthOptions& auth,
                                                 std::string_view section);

}  // namespace agent::cinder
