#include "agent/trace/message_decode.h"

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

void Add(rapidjson::Value& object, std::string_view key, rapidjson::Value value, Allocator& allocator) {
  object.AddMember(Str(key, allocator), value, allocator);
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

// The context's request_id, user, project, roles (and auth_token when there
// is one, masked unless shown), from the "_context_*" keys.
rapidjson::Value Context(rapidjson::Value& message, Allocator& allocator) {
  rapidjson::Value all(rapidjson::kObjectType);
  for (auto& member : message.GetObject()) {
    const std::string_view key = JsonStringView(member.name);
    if (!key.starts_with(kContextPrefix)) continue;
    Add(all, key.substr(kContextPrefix.size()), std::move(member.value), allocator);  // the message's own: moved
  }
  rapidjson::Value out(rapidjson::kObjectType);
  Take(all, "request_id", out, "request_id", allocator);
  Take(all, all.HasMember("user_id") ? "user_id" : "user", out, "user", allocator);
  Take(all, all.HasMember("project_id") ? "project_id" : "project", out, "project", allocator);
  Take(all, "roles", out, "roles", allocator);
  if (all.HasMember("auth_token") && !all["auth_token"].IsNull()) Take(all, "auth_token", out, "auth_token", allocator);
  return out;
}

std::vector<std::string> ContextKeys(const rapidjson::Value& message) {
  std::vector<std::string> keys;
  for (const auto& member : message.GetObject()) {
    const std::string_view key = JsonStringView(member.name);
    if (key.starts_with(kContextPrefix)) keys.emplace_back(key.substr(kContextPrefix.size()));
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
  decoded.method = StringMember(message, "method");
  decoded.msg_id = StringMember(message, "_msg_id");
  SetKind(decoded, decoded.msg_id ? "call" : record.exchange.ends_with("_fanout") ? "fanout" : "cast");
  Take(message, "method", entry, "method", allocator);
  Take(message, "version", entry, "version", allocator);
  Take(message, "namespace", entry, "namespace", allocator);
  Take(message, "_msg_id", entry, "msg_id", allocator);
  Take(message, "_reply_q", entry, "reply_q", allocator);
  Take(message, "_timeout", entry, "timeout", allocator);
  decoded.context_keys = ContextKeys(message);
  Add(entry, "context", Context(message, allocator), allocator);
  Take(message, "args", entry, "args", allocator);
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
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long long>(nanos));
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
