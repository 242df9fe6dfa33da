// Keystone v3 authentication as keystoneauth does it for Nova's [cinder] and
// [service_user] sections (auth_type password or v3password,
// v3applicationcredential, token or v3token), and the service catalog
// look-up Nova does with [cinder] catalog_info and os_region_name.
//
// Differences from keystoneauth, on purpose: the generic `password` plugin
// first GETs auth_url for version discovery; here an auth_url whose path ends
// in /v3 is used as the v3 root and any other gets "/v3" appended (a /v2.0
// auth_url is refused: Keystone has no v2 API since Queens). When tokens are
// fetched and renewed: agent/cinder/cinder_auth.h.
// Messages never contain the password, the application credential secret or
// a token.
#pragma once

#include <chrono>
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

// How a token is asked for, by auth_type: password and v3password ->
// kPassword, v3applicationcredential -> kApplicationCredential, token and
// v3token -> kToken (a token exchanged for a scoped one, with the catalog);
// nullopt for any other value.
enum class KeystoneMethod { kPassword, kApplicationCredential, kToken };
std::optional<KeystoneMethod> KeystoneMethodFor(std::string_view auth_type);

// POST URL for a token: see the header comment. `section` ("cinder" or
// "service_user") names the options in errors. kInvalidInput when auth_url is
// unset or a v2.0 URL.
base::Result<std::string> KeystoneTokenUrl(const config::KeystoneAuthOptions& auth, std::string_view section);

// The JSON body keystoneauth's v3 plugins send:
//   password: {"auth": {"identity": {"methods": ["password"], "password":
//     {"user": {"password": P, "id": I | "name": U, "domain": {"id"|"name":
//     D}}}}, "scope": S}}
//   application credential: {"auth": {"identity": {"methods":
//     ["application_credential"], "application_credential": {"secret": X,
//     "id": I}}}} or, without an id, {"secret": X, "name": N, "user": {"id":
//     I | "name": U, "domain": {...}}}; never a scope (the credential has one)
//   token: {"auth": {"identity": {"methods": ["token"], "token": {"id": T}},
//     "scope": S}}
// with S {"project": {"id": I}} (project_id wins), {"project": {"name": N,
// "domain": {"id"|"name": D}}}, {"system": {"all": true}} (system_scope
// "all") or no "scope" at all (unscoped). A domain is sent only when set;
// ids win over names. kInvalidInput naming the option when auth_type is not
// one of KeystoneMethodFor's, or a credential it needs is unset (password:
// username or user_id, password; application credential: the secret, the id
// or the name with user_id or username; token: token).
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
  // The token's "expires_at"; nullopt when absent or not a time Keystone
  // writes ("2026-12-03T16:35:20.000000Z", fraction and zone optional).
  std::optional<std::chrono::system_clock::time_point> expires_at;
};

// Keystone's ISO 8601 UTC time as a time point; nullopt when it does not
// parse.
std::optional<std::chrono::system_clock::time_point> ParseKeystoneTime(std::string_view text);

// POSTs the token request; statuses as for Cinder calls (HttpAnswerError) with
// the context "Keystone POST <token url>", a 401 (kPermissionDenied) also
// naming the options to check (Keystone answers the same 401 for a wrong
// password, secret, user, domain or project), as is the 404 Keystone gives
// a token to exchange that is revoked or expired;
// kRemoteError when the answer has no X-Subject-Token.
base::Result<KeystoneToken> RequestKeystoneToken(HttpTransport& transport, const config::KeystoneAuthOptions& auth,
                                                 std::string_view section);

}  // namespace agent::cinder
