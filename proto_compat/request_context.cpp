#include "proto_compat/request_context.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "rpc/rpc_codec.h"
#include "rpc/uuid4.h"

namespace proto_compat {
namespace {

using rpc::JsonKind;
using rpc::JsonMember;

constexpr std::string_view kWhat = "request context";
constexpr std::string_view kTimestampFormat = "%Y-%m-%dT%H:%M:%S.%f";

// The service types Nova keeps from a received catalog (RequestContext.__init__).
constexpr std::array<std::string_view, 7> kCatalogTypes = {
    "image", "block-storage", "volumev3", "key-manager", "placement", "network", "accelerator"};

struct OptionalStringKey {
  std::string_view key;
  std::optional<std::string> RequestContext::*field;
};
constexpr std::array<OptionalStringKey, 13> kOptionalStrings = {{
    {"user_id", &RequestContext::user_id},  // nova's from_dict reads user_id, not "user"
    {"project_id", &RequestContext::project_id},
    {"system_scope", &RequestContext::system_scope},
    {"domain", &RequestContext::domain_id},
    {"user_domain", &RequestContext::user_domain_id},
    {"project_domain", &RequestContext::project_domain_id},
    {"auth_token", &RequestContext::auth_token},
    {"global_request_id", &RequestContext::global_request_id},
    {"resource_uuid", &RequestContext::resource_uuid},
    {"remote_address", &RequestContext::remote_address},
    {"quota_class", &RequestContext::quota_class},
    {"user_name", &RequestContext::user_name},
    {"project_name", &RequestContext::project_name},
}};

struct BoolKey {
  std::string_view key;
  bool RequestContext::*field;
};
constexpr std::array<BoolKey, 4> kBools = {{
    {"is_admin", &RequestContext::is_admin},
    {"read_only", &RequestContext::read_only},
    {"show_deleted", &RequestContext::show_deleted},
    {"is_admin_project", &RequestContext::is_admin_project},
}};

base::Status WrongType(std::string_view key, std::string_view expected) {
  return base::Status::Corrupt(std::string(kWhat) + ": '" + std::string(key) + "' is not " + std::string(expected));
}

// A short, escaped rendering of caller or wire text for an error message.
std::string Quoted(std::string_view text) {
  constexpr std::size_t kMax = 64;
  auto quoted = rpc::PythonJsonString(text.substr(0, kMax));
  std::string out = quoted.ok() ? *quoted : std::string("(not UTF-8)");
  if (text.size() > kMax) out += "...";
  return out;
}

// From `min` to `max` ASCII digits at text[pos], as many as there are.
std::optional<int> Digits(std::string_view text, std::size_t& pos, std::size_t min, std::size_t max) {
  std::size_t n = 0;
  int value = 0;
  while (n < max && pos + n < text.size() && text[pos + n] >= '0' && text[pos + n] <= '9') {
    value = value * 10 + (text[pos + n] - '0');
    ++n;
  }
  if (n < min) return std::nullopt;
  pos += n;
  return value;
}

bool Literal(std::string_view text, std::size_t& pos, char expected) {
  if (pos >= text.size()) return false;
  const char c = text[pos];
  if (c != expected && !(expected == 'T' && c == 't')) return false;  // strptime ignores case
  ++pos;
  return true;
}

base::Result<std::string> CatalogJson(std::string_view key, const rpc::JsonMemberView& member) {
  if (member.kind == JsonKind::kNull || member.json == "[]") return std::string("[]");
  if (member.kind != JsonKind::kArray) return WrongType(key, "an array");
  BASE_TRY_ASSIGN(std::vector<rpc::JsonPart> entries, rpc::SplitJsonArray(member.json));
  std::string json = "[";
  for (const rpc::JsonPart& entry : entries) {
    if (entry.kind != JsonKind::kObject) return WrongType(key, "an array of objects");
    BASE_TRY_ASSIGN(std::vector<JsonMember> fields, rpc::SplitJsonObject(entry.json));
    const auto type = std::find_if(fields.begin(), fields.end(), [](const JsonMember& f) { return f.key == "type"; });
    if (type == fields.end() || type->value.kind != JsonKind::kString ||
        std::find(kCatalogTypes.begin(), kCatalogTypes.end(), type->value.string_value) == kCatalogTypes.end()) {
      continue;
    }
    if (json.size() > 1) json += ", ";
    json += entry.json;
  }
  return json + "]";
}

}  // namespace

std::string_view ReadDeletedName(ReadDeleted read_deleted) {
  switch (read_deleted) {
    case ReadDeleted::kNo: return "no";
    case ReadDeleted::kYes: return "yes";
    case ReadDeleted::kOnly: return "only";
  }
  return "no";
}

std::string RequestContext::UserIdentity() const {
  const auto part = [](const std::optional<std::string>& value) {
    return value && !value->empty() ? *value : std::string("-");
  };
  return part(user_id) + " " + part(project_id) + " " + part(domain_id) + " " + part(user_domain_id) + " " +
         part(project_domain_id);
}

RequestContext MakeAdminContext(Timestamp now, std::mt19937_64& rng) {
  RequestContext context;
  context.is_admin = true;
  context.request_id = "req-" + rpc::NewUuid4(rng);
  context.timestamp = now;
  return context;
}

base::Result<std::string> ToContextJson(const RequestContext& context) {
  auto catalog = rpc::ToPythonJson(context.service_catalog_json);
  if (!catalog.ok() || catalog->kind != JsonKind::kArray) {
    return base::Status::InvalidInput(std::string(kWhat) + ": service_catalog_json is " +
                                      (catalog.ok() ? std::string("not a JSON array") : catalog.error().message()));
  }
  const RequestContext& c = context;
  rpc::PythonJsonObjectWriter json(1024);  // 25 keys: no growing
  // oslo.context's to_dict ...
  json.OptionalString("user", c.user_id).OptionalString("project_id", c.project_id);
  json.OptionalString("system_scope", c.system_scope).OptionalString("project", c.project_id);
  json.OptionalString("domain", c.domain_id).OptionalString("user_domain", c.user_domain_id);
  json.OptionalString("project_domain", c.project_domain_id).Bool("is_admin", c.is_admin);
  json.Bool("read_only", c.read_only).Bool("show_deleted", c.show_deleted);
  json.OptionalString("auth_token", c.auth_token).String("request_id", c.request_id);
  json.OptionalString("global_request_id", c.global_request_id).OptionalString("resource_uuid", c.resource_uuid);
  json.StringArray("roles", c.roles).String("user_identity", c.UserIdentity());
  json.Bool("is_admin_project", c.is_admin_project);
  // ... then the keys nova's to_dict adds.
  json.OptionalString("user_id", c.user_id).String("read_deleted", ReadDeletedName(c.read_deleted));
  json.OptionalString("remote_address", c.remote_address).String("timestamp", FormatContextTimestamp(c.timestamp));
  json.OptionalString("quota_class", c.quota_class).OptionalString("user_name", c.user_name);
  json.TrustedJson("service_catalog", catalog->json).OptionalString("project_name", c.project_name);
  auto text = std::move(json).Finish();
  if (!text.ok()) return base::Status::InvalidInput(std::string(kWhat) + ": " + text.error().message());
  return text;
}

namespace {

base::Result<RequestContext> ContextFromMembers(const std::vector<rpc::JsonMemberView>& members, Timestamp now,
                                                std::mt19937_64& rng) {
  RequestContext context;
  context.timestamp = now;
  std::string key_storage;
  std::string text_storage;
  for (const rpc::JsonMemberView& value : members) {
    const std::string_view key = value.key_escaped ? std::string_view(key_storage = value.Key()) : value.key_literal;
    const auto text = [&]() -> base::Result<std::optional<std::string>> {
      if (value.kind == JsonKind::kNull) return std::optional<std::string>();
      if (value.kind != JsonKind::kString) return WrongType(key, "a string");
      return std::optional<std::string>(value.StringValue());
    };
    const auto optional_string = std::find_if(kOptionalStrings.begin(), kOptionalStrings.end(),
                                              [&](const OptionalStringKey& k) { return k.key == key; });
    const auto flag = std::find_if(kBools.begin(), kBools.end(), [&](const BoolKey& k) { return k.key == key; });
    if (optional_string != kOptionalStrings.end()) {
      BASE_TRY_ASSIGN(context.*optional_string->field, text());
      const bool falsy_id = key == "user_id" || key == "project_id";  // nova: `if user_id:`
      if (falsy_id && context.*optional_string->field == "") (context.*optional_string->field).reset();
    } else if (flag != kBools.end()) {
      if (value.kind == JsonKind::kBool) context.*flag->field = value.json == "true";
      if (value.kind != JsonKind::kBool && value.kind != JsonKind::kNull) return WrongType(key, "a bool");
    } else if (key == "request_id") {
      BASE_TRY_ASSIGN(std::optional<std::string> request_id, text());
      context.request_id = request_id.value_or("");
    } else if (key == "timestamp") {
      if (value.kind != JsonKind::kString && value.kind != JsonKind::kNull) return WrongType(key, "a string");
      const std::string_view timestamp =
          value.kind == JsonKind::kString ? value.StringView(text_storage) : std::string_view();
      if (!timestamp.empty()) {
        auto parsed = ParseContextTimestamp(timestamp);
        if (!parsed.ok()) return base::Status::Corrupt(std::string(kWhat) + ": " + parsed.error().message());
        context.timestamp = *parsed;
      }
    } else if (key == "read_deleted") {
      const std::string_view name = value.kind == JsonKind::kString ? value.StringView(text_storage) : "";
      if (value.kind != JsonKind::kString || (name != "no" && name != "yes" && name != "only")) {
        return base::Status::Corrupt(std::string(kWhat) + ": read_deleted can only be one of 'no', 'yes' or 'only', not " +
                                     std::string(value.json.substr(0, 64)));
      }
      context.read_deleted = name == "no" ? ReadDeleted::kNo : name == "yes" ? ReadDeleted::kYes : ReadDeleted::kOnly;
    } else if (key == "roles" && value.kind != JsonKind::kNull && value.json != "[]") {
      if (value.kind != JsonKind::kArray) return WrongType(key, "an array of strings");
      BASE_TRY_ASSIGN(std::vector<rpc::JsonPart> roles, rpc::SplitJsonArray(value.json));
      for (rpc::JsonPart& role : roles) {
        if (role.kind != JsonKind::kString) return WrongType(key, "an array of strings");
        context.roles.push_back(std::move(role.string_value));
      }
    } else if (key == "service_catalog") {
      BASE_TRY_ASSIGN(context.service_catalog_json, CatalogJson(key, value));
    }
  }
  if (context.request_id.empty()) context.request_id = "req-" + rpc::NewUuid4(rng);
  return context;
}

}  // namespace

base::Result<RequestContext> ParseContextJson(std::string_view context_json, Timestamp now,
                                              std::mt19937_64& rng) {
  // Checked once (re-rendered only when not in Python's format), then read
  // as views into that text: nothing is copied per member.
  std::string rendered;
  auto members = rpc::SplitJsonObjectViews(context_json, rendered);
  if (!members.ok()) return base::Status::Corrupt(std::string(kWhat) + " is " + members.error().message());
  return ContextFromMembers(*members, now, rng);
}

base::Result<RequestContext> ParseRequestContext(const rpc::RpcRequest& request, Timestamp now,
                                                 std::mt19937_64& rng) {
  if (!request.context_members.empty()) return ContextFromMembers(request.context_members, now, rng);
  if (!request.json_trusted) return ParseContextJson(request.context_json, now, rng);
  auto members = rpc::SplitTrustedJsonObjectViews(request.context_json);  // trusted: json_trusted
  if (!members.ok()) return base::Status::Corrupt(std::string(kWhat) + " is " + members.error().message());
  return ContextFromMembers(*members, now, rng);
}

std::string FormatContextTimestamp(Timestamp timestamp) {
  using namespace std::chrono;
  const auto day = floor<days>(timestamp);
  const year_month_day date{day};
  const hh_mm_ss<microseconds> time{timestamp - day};
  // "%d-%02u-%02uT%02d:%02d:%02d.%06d" by hand: one per message.
  char buffer[48];
  char* w = std::to_chars(buffer, buffer + 12, static_cast<int>(date.year())).ptr;
  const auto digits = [&w](char separator, long long value, int width) {
    *w++ = separator;
    for (int i = width - 1; i >= 0; --i, value /= 10) w[i] = static_cast<char>('0' + value % 10);
    w += width;
  };
  digits('-', static_cast<unsigned>(date.month()), 2);
  digits('-', static_cast<unsigned>(date.day()), 2);
  digits('T', time.hours().count(), 2);
  digits(':', time.minutes().count(), 2);
  digits(':', time.seconds().count(), 2);
  digits('.', time.subseconds().count(), 6);
  return std::string(buffer, static_cast<std::size_t>(w - buffer));
}

base::Result<Timestamp> ParseContextTimestamp(std::string_view text) {
  using namespace std::chrono;
  const auto mismatch = [&](std::string_view why) {
    return base::Status::InvalidInput("timestamp " + Quoted(text) + " " + std::string(why));
  };
  std::size_t pos = 0;
  const std::optional<int> y = Digits(text, pos, 4, 4);
  const std::optional<int> mo = y && Literal(text, pos, '-') ? Digits(text, pos, 1, 2) : std::nullopt;
  std::optional<int> d;
  if (mo && Literal(text, pos, '-')) {
    const bool spaced = pos < text.size() && text[pos] == ' ';  // strptime's %d also takes " 7"
    if (spaced) ++pos;
    d = Digits(text, pos, 1, spaced ? 1 : 2);
  }
  const std::optional<int> h = d && Literal(text, pos, 'T') ? Digits(text, pos, 1, 2) : std::nullopt;
  const std::optional<int> mi = h && Literal(text, pos, ':') ? Digits(text, pos, 1, 2) : std::nullopt;
  const std::optional<int> s = mi && Literal(text, pos, ':') ? Digits(text, pos, 1, 2) : std::nullopt;
  const std::size_t fraction_start = pos + 1;
  const std::optional<int> f = s && Literal(text, pos, '.') ? Digits(text, pos, 1, 6) : std::nullopt;
  if (!f || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *s > 61) {
    return mismatch("does not match " + std::string(kTimestampFormat));
  }
  if (pos != text.size()) return mismatch("has unconverted data after " + std::string(kTimestampFormat));
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (*y < 1 || !date.ok() || *s > 59) return mismatch("is not a valid date and time");
  int micros = *f;
  for (std::size_t digits = pos - fraction_start; digits < 6; ++digits) micros *= 10;
  return Timestamp{sys_days{date}} + hours{*h} + minutes{*mi} + seconds{*s} + microseconds{micros};
}

}  // namespace proto_compat
