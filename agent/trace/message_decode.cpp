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
// The parse stack holds the values of the objects still open; a Nova call's
// (an Instance object of some sixty fields in a message of some thirty) grows
// RapidJSON's default of 1 KiB three times.
constexpr std::size_t kParseStackBytes = 16 * 1024;

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

// The members of a parsed oslo message that decoding takes, found in one
// pass over its members (a call has some thirty, most of them the
// context's): the first of each key (nullptr when there is none), the first
// of each "_context_" key decoding shows, and the name of every "_context_"
// key (prefix off, in order; views of the names the entry's allocator holds).
struct MessageMembers {
  enum Key {
    kMethod, kVersion, kNamespace, kMsgId, kReplyQ, kTimeout, kArgs, kEventType, kPublisherId, kPriority, kMessageId,
    kTimestamp, kPayload, kFailure, kResult, kEnding, kCount
  };
  static constexpr std::array<std::string_view, kCount> kNames = {
      "method", "version", "namespace", "_msg_id", "_reply_q", "_timeout", "args", "event_type", "publisher_id",
      "priority", "message_id", "timestamp", "payload", "failure", "result", "ending"};
  enum ContextKey { kRequestId, kUserId, kUser, kProjectId, kProject, kRoles, kAuthToken, kContextCount };
  static constexpr std::array<std::string_view, kContextCount> kContextNames = {
      "request_id", "user_id", "user", "project_id", "project", "roles", "auth_token"};

  std::array<rapidjson::Value*, kCount> found{};
  std::array<rapidjson::Value*, kContextCount> context{};
  std::vector<std::string_view> context_keys;

  explicit MessageMembers(rapidjson::Value& message) {
    context_keys.reserve(message.MemberCount());
    for (auto& member : message.GetObject()) {
      std::string_view key = JsonStringView(member.name);
      if (key.starts_with(kContextPrefix)) {
        key.remove_prefix(kContextPrefix.size());
        context_keys.push_back(key);
        First(key, kContextNames, context, member.value);
      } else {
        First(key, kNames, found, member.value);
      }
    }
  }
  rapidjson::Value* operator[](Key key) const { return found[key]; }

 private:
  template <std::size_t N>
  static void First(std::string_view key, const std::array<std::string_view, N>& names,
                    std::array<rapidjson::Value*, N>& found, rapidjson::Value& value) {
    for (std::size_t i = 0; i < N; ++i) {
      if (found[i] == nullptr && key == names[i]) {
        found[i] = &value;
        return;
      }
    }
  }
};

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
rapidjson::Value Context(const MessageMembers& members, Allocator& allocator) {
  using M = MessageMembers;
  const auto& found = members.context;
  rapidjson::Value out(rapidjson::kObjectType);
  AddTaken(out, "request_id", found[M::kRequestId], allocator);
  AddTaken(out, "user", found[M::kUserId] != nullptr ? found[M::kUserId] : found[M::kUser], allocator);
  AddTaken(out, "project", found[M::kProjectId] != nullptr ? found[M::kProjectId] : found[M::kProject], allocator);
  AddTaken(out, "roles", found[M::kRoles], allocator);
  if (found[M::kAuthToken] != nullptr && !found[M::kAuthToken]->IsNull()) {
    AddTaken(out, "auth_token", found[M::kAuthToken], allocator);
  }
  return out;
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

void DecodeRequest(MessageMembers& members, const rpc::TraceRecord& record, DecodedMessage& decoded) {
  using M = MessageMembers;
  auto& allocator = decoded.entry.GetAllocator();
  auto& entry = decoded.entry;
  decoded.method = StringOf(members[M::kMethod]);
  decoded.msg_id = StringOf(members[M::kMsgId]);
  SetKind(decoded, decoded.msg_id ? "call" : record.exchange.ends_with("_fanout") ? "fanout" : "cast");
  AddTaken(entry, "method", members[M::kMethod], allocator);
  AddTaken(entry, "version", members[M::kVersion], allocator);
  AddTaken(entry, "namespace", members[M::kNamespace], allocator);
  AddTaken(entry, "msg_id", members[M::kMsgId], allocator);
  AddTaken(entry, "reply_q", members[M::kReplyQ], allocator);
  AddTaken(entry, "timeout", members[M::kTimeout], allocator);
  decoded.context_keys = std::move(members.context_keys);
  Add(entry, "context", Context(members, allocator), allocator);
  AddTaken(entry, "args", members[M::kArgs], allocator);
}

void DecodeReply(MessageMembers& members, DecodedMessage& decoded) {
  using M = MessageMembers;
  auto& allocator = decoded.entry.GetAllocator();
  auto& entry = decoded.entry;
  SetKind(decoded, "reply");
  decoded.msg_id = StringOf(members[M::kMsgId]);
  AddTaken(entry, "msg_id", members[M::kMsgId], allocator);
  AddTaken(entry, "ending", members[M::kEnding], allocator);
  AddTaken(entry, "result", members[M::kResult], allocator);
  const auto failure = StringOf(members[M::kFailure]);
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

void DecodeNotification(MessageMembers& members, DecodedMessage& decoded) {
  using M = MessageMembers;
  auto& allocator = decoded.entry.GetAllocator();
  auto& entry = decoded.entry;
  SetKind(decoded, "notification");
  decoded.method = StringOf(members[M::kEventType]);
  for (const M::Key key : {M::kEventType, M::kPublisherId, M::kPriority, M::kMessageId, M::kTimestamp}) {
    AddTaken(entry, M::kNames[key], members[key], allocator);
  }
  decoded.context_keys = std::move(members.context_keys);
  Add(entry, "context", Context(members, allocator), allocator);
  AddTaken(entry, "payload", members[M::kPayload], allocator);
}

// Fills the entry from the body: the kind and what it says, or "raw".
void DecodeBody(const rpc::TraceRecord& record, DecodedMessage& decoded) {
  auto& entry = decoded.entry;
  auto& allocator = entry.GetAllocator();
  auto unwrapped = rpc::Unwrap(record.body);
  if (!unwrapped.ok()) return MakeRaw(decoded, unwrapped.error().message(), record.body);
  // The message's values move into the entry: both live in the entry's
  // allocator, which also holds the text the message's strings point into.
  rapidjson::Document message(&allocator, kParseStackBytes);
  const JsonParse parse = ParseJsonInsituWithin<kParseFlags>(message, unwrapped->message_json, kMaxDecodedDepth);
  if (parse == JsonParse::kTooDeep) {
    return MakeRaw(decoded, "the message nests deeper than 512 levels", record.body);
  }
  if (parse == JsonParse::kInvalid || !message.IsObject()) {
    return MakeRaw(decoded, "oslo.message is not a JSON object", record.body);
  }
  using M = MessageMembers;
  MessageMembers members(message);
  if (members[M::kMethod] != nullptr) {
    DecodeRequest(members, record, decoded);
  } else if (members[M::kEventType] != nullptr && members[M::kPayload] != nullptr) {
    DecodeNotification(members, decoded);
  } else if (members[M::kMsgId] != nullptr &&
             (members[M::kFailure] != nullptr || members[M::kResult] != nullptr || members[M::kEnding] != nullptr)) {
    DecodeReply(members, decoded);
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
