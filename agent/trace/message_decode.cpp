#include "agent/trace/message_decode.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <string_view>
#include <utility>

#include "agent/json_depth.h"
#include "agent/rapidjson_strings.h"
#include "agent/secret_mask.h"
#include "agent/trace/object_view.h"
#include "rpc/envelope.h"
#include "rpc/remote_error.h"

namespace agent::trace {
namespace {

constexpr std::size_t kMaxDecodedDepth = 512;  // rpc::kMaxJsonDepth
constexpr unsigned kParseFlags = rapidjson::kParseNanAndInfFlag | rapidjson::kParseFullPrecisionFlag;
constexpr std::string_view kContextPrefix = "_context_";

using Allocator = rapidjson::Document::AllocatorType;

rapidjson::Value Str(std::string_view text, Allocator& allocator) {
  return rapidjson::Value(text.data(), JsonLength(text), allocator);
}

// Adds a member whose name is a string literal (static storage: referenced, not copied).
void Add(rapidjson::Value& object, std::string_view literal, rapidjson::Value value, Allocator& allocator) {
  object.AddMember(rapidjson::Value(rapidjson::StringRef(literal.data(), JsonLength(literal))), value, allocator);
}

// Invalid UTF-8 bytes become U+FFFD, so that any body can be shown as a string.
std::string ValidUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = length != 0 && i + length <= bytes.size();
    for (std::size_t k = 1; ok && k < length; ++k) ok = (static_cast<unsigned char>(bytes[i + k]) >> 6) == 0x2;
    if (ok && length > 1 && (c == 0xC0 || c == 0xC1 || c > 0xF4)) ok = false;
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(bytes.substr(i, length));
    i += length;
  }
  return out;
}

// Moves `key` of `from` into `to` (under `as`) when present, leaving null in
// `from`: both live in the entry's allocator, and `from` (the parsed message)
// is read no more once its keys are taken.
void Take(rapidjson::Value& from, std::string_view key, rapidjson::Value& to, std::string_view as, Allocator& allocator) {
  const rapidjson::Value name(rapidjson::StringRef(key.data(), JsonLength(key)));  // a lookup key, not stored
  auto found = from.FindMember(name);
  if (found == from.MemberEnd()) return;
  Add(to, as, std::move(found->value), allocator);
}

// The first member of `object` named each of `names` after `prefix`
// (nullptr when there is none), in one pass over its members.
template <std::size_t N>
std::array<rapidjson::Value*, N> FirstMembers(rapidjson::Value& object, std::string_view prefix,
                                              const std::array<std::string_view, N>& names) {
  std::array<rapidjson::Value*, N> found{};
  for (auto& member : object.GetObject()) {
    std::string_view key = JsonStringView(member.name);
    if (!key.starts_with(prefix)) continue;
    key.remove_prefix(prefix.size());
    for (std::size_t i = 0; i < N; ++i) {
      if (found[i] == nullptr && key == names[i]) {
        found[i] = &member.value;
        break;
      }
    }
  }
  return found;
}

// Moves `*value` (a member of the parsed message, read no more once taken)
// into `to` under `as` when there is one.
void AddTaken(rapidjson::Value& to, std::string_view as, rapidjson::Value* value, Allocator& allocator) {
  if (value != nullptr) Add(to, as, std::move(*value), allocator);
}

std::optional<std::string> StringOf(const rapidjson::Value* value) {
  if (value == nullptr || !value->IsString()) return std::nullopt;
  return std::string(JsonStringView(*value));
}

// The context's request_id, user (user_id when the message has it, else
// user), project (project_id, else project), roles (and auth_token when it
// is not null, masked unless shown), from the first of each "_context_*" key.
rapidjson::Value Context(rapidjson::Value& message, Allocator& allocator) {
  enum { kRequestId, kUserId, kUser, kProjectId, kProject, kRoles, kAuthToken };
  const auto found = FirstMembers<7>(message, kContextPrefix,
                                     {"request_id", "user_id", "user", "project_id", "project", "roles", "auth_token"});
  rapidjson::Value out(rapidjson::kObjectType);
  AddTaken(out, "request_id", found[kRequestId], allocator);
  AddTaken(out, "user", found[kUserId] != nullptr ? found[kUserId] : found[kUser], allocator);
  AddTaken(out, "project", found[kProjectId] != nullptr ? found[kProjectId] : found[kProject], allocator);
  AddTaken(out, "roles", found[kRoles], allocator);
  if (found[kAuthToken] != nullptr && !found[kAuthToken]->IsNull()) {
    AddTaken(out, "auth_token", found[kAuthToken], allocator);
  }
  return out;
}

// Views of the message's names, which live in the entry's allocator (the
// text parsed in place).
std::vector<std::string_view> ContextKeys(const rapidjson::Value& message) {
  std::vector<std::string_view> keys;
  keys.reserve(message.MemberCount());
  for (const auto& member : message.GetObject()) {
    const std::string_view key = JsonStringView(member.name);
    if (key.starts_with(kContextPrefix)) keys.push_back(key.substr(kContextPrefix.size()));
  }
  return keys;
}

std::optional<std::string> StringMember(const rapidjson::Value& object, const char* key) {
  auto found = object.FindMember(key);
  if (found == object.MemberEnd() || !found->value.IsString()) return std::nullopt;
  return std::string(JsonStringView(found->value));
}

void SetKind(DecodedMessage& decoded, std::string kind) {
  decoded.kind = std::move(kind);
  decoded.entry["kind"].SetString(decoded.kind.data(), JsonLength(decoded.kind), decoded.entry.GetAllocator());
}

void MakeRaw(DecodedMessage& decoded, std::string_view why, std::string_view body) {
  auto& allocator = decoded.entry.GetAllocator();
  SetKind(decoded, "raw");
  Add(decoded.entry, "why", Str(why, allocator), allocator);
  Add(decoded.entry, "body", Str(ValidUtf8(body), allocator), allocator);
}

void DecodeRequest(rapidjson::Value& message, const rpc::TraceRecord& record, DecodedMessage& decoded) {
  auto& allocator = decoded.entry.GetAllocator();
  auto& entry = decoded.entry;
  enum { kMethod, kVersion, kNamespace, kMsgId, kReplyQ, kTimeout, kArgs };
  const auto found =
      FirstMembers<7>(message, "", {"method", "version", "namespace", "_msg_id", "_reply_q", "_timeout", "args"});
  decoded.method = StringOf(found[kMethod]);
  decoded.msg_id = StringOf(found[kMsgId]);
  SetKind(decoded, decoded.msg_id ? "call" : record.exchange.ends_with("_fanout") ? "fanout" : "cast");
  AddTaken(entry, "method", found[kMethod], allocator);
  AddTaken(entry, "version", found[kVersion], allocator);
  AddTaken(entry, "namespace", found[kNamespace], allocator);
  AddTaken(entry, "msg_id", found[kMsgId], allocator);
  AddTaken(entry, "reply_q", found[kReplyQ], allocator);
  AddTaken(entry, "timeout", found[kTimeout], allocator);
  decoded.context_keys = ContextKeys(message);
  Add(entry, "context", Context(message, allocator), allocator);
  AddTaken(entry, "args", found[kArgs], allocator);
}

void DecodeReply(rapidjson::Value& message, DecodedMessage& decoded) {
  auto& allocator = decoded.entry.GetAllocator();
  auto& entry = decoded.entry;
  SetKind(decoded, "reply");
  decoded.msg_id = StringMember(message, "_msg_id");
  Take(message, "_msg_id", entry, "msg_id", allocator);
  Take(message, "ending", entry, "ending", allocator);
  Take(message, "result", entry, "result", allocator);
  const auto failure = StringMember(message, "failure");
  if (!failure || failure->empty()) return;
  rapidjson::Value out(rapidjson::kObjectType);
  auto remote = rpc::DecodeRemoteFailure(*failure);
  if (remote.ok()) {
    Add(out, "class", Str(remote->class_name, allocator), allocator);
    Add(out, "module", Str(remote->module, allocator), allocator);
    Add(out, "message", Str(remote->message, allocator), allocator);
  } else {
    Add(out, "undecodable", Str(ValidUtf8(*failure), allocator), allocator);
  }
  Add(entry, "failure", std::move(out), allocator);
}

void DecodeNotification(rapidjson::Value& message, DecodedMessage& decoded) {
  auto& allocator = decoded.entry.GetAllocator();
  auto& entry = decoded.entry;
  SetKind(decoded, "notification");
  decoded.method = StringMember(message, "event_type");
  for (const char* key : {"event_type", "publisher_id", "priority", "message_id", "timestamp"}) {
    Take(message, key, entry, key, allocator);
  }
  decoded.context_keys = ContextKeys(message);
  Add(entry, "context", Context(message, allocator), allocator);
  Take(message, "payload", entry, "payload", allocator);
}

// Which of the keys that tell a message's kind it has, in one pass over its
// members (the message has some forty, most of them the context's).
struct MessageKeys {
  bool method = false, event_type = false, payload = false, msg_id = false, failure = false, result = false,
       ending = false;
};

MessageKeys KeysOf(const rapidjson::Value& message) {
  MessageKeys has;
  for (const auto& member : message.GetObject()) {
    const std::string_view key = JsonStringView(member.name);
    if (key.starts_with(kContextPrefix)) continue;
    has.method = has.method || key == "method";
    has.event_type = has.event_type || key == "event_type";
    has.payload = has.payload || key == "payload";
    has.msg_id = has.msg_id || key == "_msg_id";
    has.failure = has.failure || key == "failure";
    has.result = has.result || key == "result";
    has.ending = has.ending || key == "ending";
  }
  return has;
}

// Fills the entry from the body: the kind and what it says, or "raw".
void DecodeBody(const rpc::TraceRecord& record, DecodedMessage& decoded) {
  auto& entry = decoded.entry;
  auto& allocator = entry.GetAllocator();
  auto unwrapped = rpc::Unwrap(record.body);
  if (!unwrapped.ok()) return MakeRaw(decoded, unwrapped.error().message(), record.body);
  // The message's values move into the entry: both live in the entry's
  // allocator, which also holds the text the message's strings point into.
  rapidjson::Document message(&allocator);
  const JsonParse parse = ParseJsonInsituWithin<kParseFlags>(message, unwrapped->message_json, kMaxDecodedDepth);
  if (parse == JsonParse::kTooDeep) {
    return MakeRaw(decoded, "the message nests deeper than 512 levels", record.body);
  }
  if (parse == JsonParse::kInvalid || !message.IsObject()) {
    return MakeRaw(decoded, "oslo.message is not a JSON object", record.body);
  }
  const MessageKeys has = KeysOf(message);
  if (has.method) {
    DecodeRequest(message, record, decoded);
  } else if (has.event_type && has.payload) {
    DecodeNotification(message, decoded);
  } else if (has.msg_id && (has.failure || has.result || has.ending)) {
    DecodeReply(message, decoded);
  } else {
    return MakeRaw(decoded, "neither a request, a reply nor a notification", record.body);
  }
  // The entry's own keys are unique (built above), so one pass finds each.
  for (auto& member : entry.GetObject()) {
    const std::string_view key = JsonStringView(member.name);
    if (key == "args" || key == "result" || key == "payload") ExpandNovaObjects(member.value, allocator);
  }
}

}  // namespace

std::string FormatTime(std::int64_t t_ns) {
  std::int64_t seconds = t_ns / 1000000000;
  std::int64_t nanos = t_ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --seconds;
  }
  const std::time_t when = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&when, &utc);
  const long long year = utc.tm_year + 1900LL;
  if (year < 0 || year > 9999) {  // never for nanoseconds in an int64 (years 1677 to 2262)
    char text[64];
    std::snprintf(text, sizeof text, "%04lld-%02d-%02dT%02d:%02d:%02d.%09lldZ", year, utc.tm_mon + 1, utc.tm_mday,
                  utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long long>(nanos));
    return text;
  }
  // As the snprintf above writes it, without parsing its format for each message.
  char text[] = "YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ";
  const auto digits = [&text](std::size_t at, std::size_t count, long long value) {
    for (std::size_t i = count; i-- > 0; value /= 10) text[at + i] = static_cast<char>('0' + value % 10);
  };
  digits(0, 4, year);
  digits(5, 2, utc.tm_mon + 1);
  digits(8, 2, utc.tm_mday);
  digits(11, 2, utc.tm_hour);
  digits(14, 2, utc.tm_min);
  digits(17, 2, utc.tm_sec);
  digits(20, 9, nanos);
  return text;
}

DecodedMessage DecodeMessage(const rpc::TraceRecord& record, Secrets secrets) {
  DecodedMessage decoded;
  auto& entry = decoded.entry;
  auto& allocator = entry.GetAllocator();
  entry.SetObject();
  Add(entry, "time", Str(FormatTime(record.t_ns), allocator), allocator);
  Add(entry, "t_ns", rapidjson::Value(static_cast<std::int64_t>(record.t_ns)), allocator);
  Add(entry, "event", Str(rpc::TraceEventName(record.event), allocator), allocator);
  Add(entry, "exchange", Str(ValidUtf8(record.exchange), allocator), allocator);
  Add(entry, "routing_key", Str(ValidUtf8(record.routing_key), allocator), allocator);
  if (record.queue) Add(entry, "queue", Str(ValidUtf8(*record.queue), allocator), allocator);
  Add(entry, "kind", Str("raw", allocator), allocator);
  DecodeBody(record, decoded);
  if (secrets == Secrets::kMask) {
    // What the message carries, not the entry's own keys (routing_key is no secret).
    for (auto& member : entry.GetObject()) {  // the entry's keys are unique: one pass finds each
      const std::string_view key = JsonStringView(member.name);
      if (key == "context" || key == "args" || key == "result" || key == "failure" || key == "payload" ||
          key == "body") {
        MaskSecretsDeep(member.value, allocator);
      }
    }
  }
  return decoded;
}

}  // namespace agent::trace
