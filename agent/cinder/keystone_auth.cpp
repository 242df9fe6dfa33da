#include "agent/cinder/keystone_auth.h"

#include <array>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/cinder/cinder_endpoint.h"
#include "agent/cinder/cinder_json.h"
#include "agent/cinder/http_answer_error.h"
#include "agent/input/bounded_json.h"
#include "agent/rapidjson_strings.h"

namespace agent::cinder {
namespace {

using base::Result;
using base::Status;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;


std::string Label(std::string_view section, std::string_view key) {
  return "[" + std::string(section) + "] " + std::string(key);
}

bool Set(const std::optional<std::string>& value) { return value && !value->empty(); }

// {"id": ...} or {"name": ...}; id wins as in keystoneauth.
void Domain(Writer& w, const std::optional<std::string>& id, const std::optional<std::string>& name) {
  w.StartObject();
  if (Set(id)) {
    w.Key("id");
    WriteJsonString(w, *id);
  } else {
    w.Key("name");
    WriteJsonString(w, name.value_or(""));
  }
  w.EndObject();
}

// {"password": P (when given), "id": I | "name": U, "domain": {...}}: the
// user, by id (keystoneauth's choice when both are set) or by name.
void User(Writer& w, const config::KeystoneAuthOptions& auth, const std::string* password) {
  w.StartObject();
  if (password != nullptr) {
    w.Key("password");
    WriteJsonString(w, *password);
  }
  if (Set(auth.user_id)) {
    w.Key("id");
    WriteJsonString(w, *auth.user_id);
  } else {
    w.Key("name");
    WriteJsonString(w, auth.username.value_or(""));
    if (Set(auth.user_domain_id) || Set(auth.user_domain_name)) {
      w.Key("domain");
      Domain(w, auth.user_domain_id, auth.user_domain_name);
    }
  }
  w.EndObject();
}

// "scope": the project by id or by name (with its domain), the system, or
// nothing (unscoped).
void Scope(Writer& w, const config::KeystoneAuthOptions& auth) {
  if (Set(auth.project_id) || Set(auth.project_name)) {
    w.Key("scope");
    w.StartObject();
    w.Key("project");
    w.StartObject();
    if (Set(auth.project_id)) {
      w.Key("id");
      WriteJsonString(w, *auth.project_id);
    } else {
      w.Key("name");
      WriteJsonString(w, *auth.project_name);
      if (Set(auth.project_domain_id) || Set(auth.project_domain_name)) {
        w.Key("domain");
        Domain(w, auth.project_domain_id, auth.project_domain_name);
      }
    }
    w.EndObject();
    w.EndObject();
  } else if (auth.system_scope.value_or("") == "all") {
    w.Key("scope");
    w.StartObject();
    w.Key("system");
    w.StartObject();
    w.Key("all");
    w.Bool(true);
    w.EndObject();
    w.EndObject();
  }
}

constexpr std::array<std::string_view, 5> kBlockStorageTypes = {"block-storage", "volumev3", "volumev2", "volume",
                                                                "block-store"};

// Service types that count as `requested`, best first (os-service-types).
std::vector<std::string_view> CandidateTypes(std::string_view requested) {
  std::vector<std::string_view> out{requested};
  bool family = false;
  for (std::string_view t : kBlockStorageTypes) family = family || t == requested;
  if (!family) return out;
  for (std::string_view t : kBlockStorageTypes) {
    if (t == requested) continue;
    if (requested == "block-storage" || t == "block-storage") out.push_back(t);
  }
  return out;
}

std::string_view Text(const rapidjson::Value& object, const char* key) {
  auto found = object.FindMember(key);
  if (found == object.MemberEnd() || !found->value.IsString()) return {};
  return JsonStringView(found->value);
}

// "type/name interface@region ...; type/name ..." for an error message (no
// URLs), cut after kMaxSummary characters; "nothing" for an empty catalog.
constexpr size_t kMaxSummary = 600;
std::string CatalogSummary(const rapidjson::Value& catalog) {
  std::string out;
  for (const auto& service : catalog.GetArray()) {
    if (!service.IsObject()) continue;
    std::string entry = std::string(Text(service, "type"));
    if (!Text(service, "name").empty()) entry += "/" + std::string(Text(service, "name"));
    auto endpoints = service.FindMember("endpoints");
    if (endpoints != service.MemberEnd() && endpoints->value.IsArray()) {
      for (const auto& endpoint : endpoints->value.GetArray()) {
        if (!endpoint.IsObject()) continue;
        std::string_view region = Text(endpoint, "region_id");
        if (region.empty()) region = Text(endpoint, "region");
        entry += " " + std::string(Text(endpoint, "interface")) + "@" + std::string(region.empty() ? "-" : region);
      }
    }
    if (out.size() + entry.size() > kMaxSummary) {
      return out.empty() ? entry.substr(0, kMaxSummary) + "..." : out + "; ...";
    }
    out += (out.empty() ? "" : "; ") + entry;
  }
  return out.empty() ? "nothing" : out;
}

}  // namespace

Result<CatalogQuery> ParseCatalogInfo(std::string_view catalog_info, std::optional<std::string> region) {
  const size_t first = catalog_info.find(':');
  const size_t second = first == std::string_view::npos ? first : catalog_info.find(':', first + 1);
  if (second == std::string_view::npos || catalog_info.find(':', second + 1) != std::string_view::npos) {
    return Status::InvalidInput("[cinder] catalog_info: expected <service_type>:<service_name>:<interface>");
  }
  CatalogQuery q;
  q.service_type = catalog_info.substr(0, first);
  q.service_name = catalog_info.substr(first + 1, second - first - 1);
  q.interface = catalog_info.substr(second + 1);
  if (q.interface.ends_with("URL")) q.interface.resize(q.interface.size() - 3);
  if (q.service_type.empty() || q.interface.empty()) {
    return Status::InvalidInput("[cinder] catalog_info: service type and interface must not be empty");
  }
  if (region && !region->empty()) q.region = std::move(region);
  return q;
}

std::optional<KeystoneMethod> KeystoneMethodFor(std::string_view auth_type) {
  if (auth_type == "password" || auth_type == "v3password") return KeystoneMethod::kPassword;
  if (auth_type == "v3applicationcredential") return KeystoneMethod::kApplicationCredential;
  if (auth_type == "token" || auth_type == "v3token") return KeystoneMethod::kToken;
  return std::nullopt;
}

Result<std::string> KeystoneTokenUrl(const config::KeystoneAuthOptions& auth, std::string_view section) {
  if (!Set(auth.auth_url)) return Status::InvalidInput(Label(section, "auth_url") + " is not set");
  std::string url = *auth.auth_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.ends_with("/v2.0")) {
    return Status::InvalidInput(Label(section, "auth_url") + " is a Keystone v2.0 URL; only v3 exists");
  }
  // The v3* plugins take auth_url as the v3 root, as keystoneauth does.
  if (auth.auth_type.value_or("").starts_with("v3") || url.ends_with("/v3")) return url + "/auth/tokens";
  return url + "/v3/auth/tokens";
}

Result<std::string> KeystoneTokenRequestBody(const config::KeystoneAuthOptions& auth, std::string_view section) {
  const std::optional<KeystoneMethod> method = KeystoneMethodFor(auth.auth_type.value_or(""));
  if (!method) return Status::InvalidInput(Label(section, "auth_type") + " is not a Keystone auth type");
  switch (*method) {
    case KeystoneMethod::kPassword:
      if (!Set(auth.username) && !Set(auth.user_id)) {
        return Status::InvalidInput(Label(section, "username") + " is not set");
      }
      if (!auth.password) return Status::InvalidInput(Label(section, "password") + " is not set");
      break;
    case KeystoneMethod::kApplicationCredential:
      if (!Set(auth.application_credential_secret)) {
        return Status::InvalidInput(Label(section, "application_credential_secret") + " is not set");
      }
      if (!Set(auth.application_credential_id) &&
          (!Set(auth.application_credential_name) || (!Set(auth.username) && !Set(auth.user_id)))) {
        return Status::InvalidInput(Label(section, "application_credential_id") +
                                    " is not set (nor application_credential_name with username or user_id)");
      }
      break;
    case KeystoneMethod::kToken:
      if (!Set(auth.token)) return Status::InvalidInput(Label(section, "token") + " is not set");
      break;
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("auth");
  w.StartObject();
  w.Key("identity");
  w.StartObject();
  w.Key("methods");
  w.StartArray();
  switch (*method) {
    case KeystoneMethod::kPassword:
      w.String("password");
      w.EndArray();
      w.Key("password");
      w.StartObject();
      w.Key("user");
      User(w, auth, &*auth.password);
      w.EndObject();
      break;
    case KeystoneMethod::kApplicationCredential:
      w.String("application_credential");
      w.EndArray();
      w.Key("application_credential");
      w.StartObject();
      w.Key("secret");
      WriteJsonString(w, *auth.application_credential_secret);
      if (Set(auth.application_credential_id)) {
        w.Key("id");
        WriteJsonString(w, *auth.application_credential_id);
      } else {
        w.Key("name");
        WriteJsonString(w, *auth.application_credential_name);
        w.Key("user");
        User(w, auth, nullptr);
      }
      w.EndObject();
      break;
    case KeystoneMethod::kToken:
      w.String("token");
      w.EndArray();
      w.Key("token");
      w.StartObject();
      w.Key("id");
      WriteJsonString(w, *auth.token);
      w.EndObject();
      break;
  }
  w.EndObject();  // identity
  if (*method != KeystoneMethod::kApplicationCredential) Scope(w, auth);
  w.EndObject();  // auth
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<std::string> SelectCatalogEndpoint(std::string_view token_body, const CatalogQuery& query) {
  auto parsed = input::ParseBoundedJson(token_body, {input::kMaxHttpAnswerBytes});
  if (!parsed.ok()) return Status::RemoteError("Keystone token response is not JSON (" + parsed.error().message() + ")");
  const rapidjson::Document& doc = *parsed;
  if (!doc.IsObject()) return Status::RemoteError("Keystone token response is not a JSON object");
  auto token = doc.FindMember("token");
  if (token == doc.MemberEnd() || !token->value.IsObject()) {
    return Status::RemoteError("Keystone token response has no \"token\" object");
  }
  auto catalog = token->value.FindMember("catalog");
  const std::string wanted = "type " + query.service_type +
                             (query.service_name.empty() ? "" : ", name " + query.service_name) + ", interface " +
                             query.interface + (query.region ? ", region " + *query.region : "");
  if (catalog == token->value.MemberEnd() || !catalog->value.IsArray()) {
    return Status::NotFound("Keystone token has no service catalog (is [cinder] scoped to a project?); wanted " +
                            wanted);
  }
  for (std::string_view type : CandidateTypes(query.service_type)) {
    for (const auto& service : catalog->value.GetArray()) {
      if (!service.IsObject() || Text(service, "type") != type) continue;
      std::string_view name = Text(service, "name");
      if (!query.service_name.empty() && !name.empty() && name != query.service_name) continue;
      auto endpoints = service.FindMember("endpoints");
      if (endpoints == service.MemberEnd() || !endpoints->value.IsArray()) continue;
      for (const auto& endpoint : endpoints->value.GetArray()) {
        if (!endpoint.IsObject() || Text(endpoint, "interface") != query.interface) continue;
        std::string_view region = Text(endpoint, "region_id");
        if (region.empty()) region = Text(endpoint, "region");
        if (query.region && region != *query.region) continue;
        std::string_view url = Text(endpoint, "url");
        if (!url.empty()) return std::string(url);
      }
    }
  }
  return Status::NotFound("no endpoint in Keystone's service catalog for " + wanted +
                          " ([cinder] catalog_info, os_region_name); the catalog has " +
                          CatalogSummary(catalog->value));
}

std::optional<std::chrono::system_clock::time_point> ParseKeystoneTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+00:00]
  auto number = [&text](size_t at, size_t digits) -> std::optional<int> {
    if (at + digits > text.size()) return std::nullopt;
    int value = 0;
    for (size_t i = at; i < at + digits; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  const auto hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  size_t at = 19;
  std::chrono::microseconds fraction{0};
  if (at < text.size() && text[at] == '.') {
    long scale = 100000;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, scale /= 10) {
      fraction += std::chrono::microseconds((text[at] - '0') * scale);
    }
  }
  const std::string_view zone = text.substr(at);
  if (!zone.empty() && zone != "Z" && zone != "+00:00" && zone != "+0000") return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
         std::chrono::seconds(*second) + fraction;
}

Result<KeystoneToken> RequestKeystoneToken(HttpTransport& transport, const config::KeystoneAuthOptions& auth,
                                           std::string_view section) {
  BASE_TRY_ASSIGN(std::string url, KeystoneTokenUrl(auth, section));
  BASE_TRY_ASSIGN(std::string body, KeystoneTokenRequestBody(auth, section));
  const std::string context = "Keystone POST " + RedactedUrl(url) + " (for [" + std::string(section) + "])";
  auto sent = transport.Send({"POST", url, {}, std::move(body)}, context);
  if (auto* error = std::get_if<TransportError>(&sent)) return error->status;
  auto& response = std::get<HttpResponse>(sent);
  if (response.status < 200 || response.status > 299) {
    std::vector<std::string> secrets;
    for (const auto* secret : {&auth.password, &auth.application_credential_secret, &auth.token}) {
      if (Set(*secret)) secrets.push_back(**secret);
    }
    Status error = HttpAnswerError(context, response.status, response.body, secrets);
    const KeystoneMethod method = KeystoneMethodFor(auth.auth_type.value_or("")).value_or(KeystoneMethod::kPassword);
    // A revoked or expired token given to exchange is 404 "Failed to
    // validate token" (TokenNotFound), not 401.
    const bool bad_token = method == KeystoneMethod::kToken && response.status == 404;
    if (response.status != 401 && !bad_token) return error;
    // Keystone answers the same 401 for a wrong password, user, domain or
    // project, on purpose; say where to look.
    const std::string hint =
        method == KeystoneMethod::kToken
            ? "the token is not valid (expired, revoked or wrong): check " + Label(section, "token") +
                  " and the project it is scoped to"
        : method == KeystoneMethod::kApplicationCredential
            ? "Keystone does not say which credential is wrong: check " +
                  Label(section, "application_credential_id (or _name and the user), application_credential_secret")
            : "Keystone does not say which credential is wrong: check " +
                  Label(section, "username, password, project and their domains");
    return Status::PermissionDenied(error.message() + " (" + hint + ")");
  }
  std::optional<std::string> token = response.Header("X-Subject-Token");
  if (!token || token->empty()) return Status::RemoteError(context + ": no X-Subject-Token in the answer");
  KeystoneToken out{std::move(*token), std::move(response.body), std::nullopt};
  auto parsed = input::ParseBoundedJson(out.body, {input::kMaxHttpAnswerBytes});
  if (parsed.ok() && parsed->IsObject()) {
    auto found = parsed->FindMember("token");
    if (found != parsed->MemberEnd() && found->value.IsObject()) {
      out.expires_at = ParseKeystoneTime(Text(found->value, "expires_at"));
    }
  }
  return out;
}

}  // namespace agent::cinder
