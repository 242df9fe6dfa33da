#include "agent/trace/decode_text.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "agent/rapidjson_strings.h"
#include "agent/terminal_text.h"

namespace agent::trace {
namespace {

// Whether EscapeControls(text) == text: every byte printable ASCII and no
// backslash (eight bytes at a time: a byte below 0x20, DEL or above, '\\').
bool KeptAsIs(std::string_view text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101u;
  constexpr std::uint64_t kHigh = 0x8080808080808080u;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    const std::uint64_t backslash = w ^ (kOnes * '\\');
    if (((((w - kOnes * 0x20) & ~w) | ((backslash - kOnes) & ~backslash) | (w + kOnes) | w) & kHigh) != 0) return false;
  }
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7F || c == '\\') return false;
  }
  return true;
}

void AppendEscaped(std::string_view text, JsonOutput& out) {
  if (KeptAsIs(text)) {
    out.Append(text);
  } else {
    out.Append(EscapeControls(text));
  }
}

// A value as the text form shows it: a string with its controls escaped,
// anything else as compact ASCII JSON; nothing for an absent one.
void AppendText(const rapidjson::Value* value, JsonOutput& out) {
  if (value == nullptr) return;
  if (value->IsString()) return AppendEscaped(JsonStringView(*value), out);
  AppendAsciiJson(*value, out);
}

// The members the text form shows, found in one pass (the entry's keys are
// unique: message_decode.h builds it so).
struct Shown {
  enum Key {
    kN, kTime, kEvent, kExchange, kRoutingKey, kKind, kMethod, kVersion, kEventType, kQueue, kNamespace, kMsgId,
    kReplyQ, kPublisherId, kCall, kEnding, kContext, kFailure, kArgs, kResult, kPayload, kWhy, kBody, kCount
  };
  static constexpr std::array<std::string_view, kCount> kNames = {
      "n", "time", "event", "exchange", "routing_key", "kind", "method", "version", "event_type", "queue", "namespace",
      "msg_id", "reply_q", "publisher_id", "call", "ending", "context", "failure", "args", "result", "payload", "why",
      "body"};
  std::array<const rapidjson::Value*, kCount> found{};

  explicit Shown(const rapidjson::Value& object) {
    for (const auto& member : object.GetObject()) {
      const std::string_view key = JsonStringView(member.name);
      for (std::size_t i = 0; i < kCount; ++i) {
        if (found[i] == nullptr && key == kNames[i]) {
          found[i] = &member.value;
          break;
        }
      }
    }
  }
  const rapidjson::Value* operator[](Key key) const { return found[key]; }
};

const rapidjson::Value* Member(const rapidjson::Value& object, const char* key) {
  const auto found = object.FindMember(key);
  return found == object.MemberEnd() ? nullptr : &found->value;
}

// "  label: value\n", or nothing when the value is empty; `write` appends the value.
template <typename Write>
void Line(std::string_view label, JsonOutput& out, Write write) {
  const std::size_t start = out.text().size();
  out.Append("  ");
  out.Append(label);
  out.Append(": ");
  const std::size_t value = out.text().size();
  write();
  if (out.text().size() == value) {
    out.Truncate(start);
  } else {
    out.Append("\n");
  }
}

void TextLine(std::string_view label, const rapidjson::Value* value, JsonOutput& out) {
  Line(label, out, [&] { AppendText(value, out); });
}

bool IsKind(const rapidjson::Value* kind, std::string_view name) {
  return kind != nullptr && kind->IsString() && JsonStringView(*kind) == name;
}

}  // namespace

void AppendDecodeText(const rapidjson::Value& entry, JsonOutput& out) {
  const Shown shown(entry);
  out.Append("#");
  AppendText(shown[Shown::kN], out);
  out.Append(" ");
  AppendText(shown[Shown::kTime], out);
  out.Append(" ");
  AppendText(shown[Shown::kEvent], out);
  out.Append(" exchange '");
  AppendText(shown[Shown::kExchange], out);
  out.Append("' key '");
  AppendText(shown[Shown::kRoutingKey], out);
  out.Append("' ");
  const rapidjson::Value* kind = shown[Shown::kKind];
  AppendText(kind, out);
  if (IsKind(kind, "call") || IsKind(kind, "cast") || IsKind(kind, "fanout")) {
    out.Append(" ");
    AppendText(shown[Shown::kMethod], out);
    if (shown[Shown::kVersion] != nullptr) {
      out.Append(" version ");
      AppendText(shown[Shown::kVersion], out);
    }
  } else if (IsKind(kind, "notification")) {
    out.Append(" ");
    AppendText(shown[Shown::kEventType], out);
  }
  out.Append("\n");
  TextLine("delivered to queue", shown[Shown::kQueue], out);
  TextLine("namespace", shown[Shown::kNamespace], out);
  TextLine("msg_id", shown[Shown::kMsgId], out);
  TextLine("reply_q", shown[Shown::kReplyQ], out);
  TextLine("publisher_id", shown[Shown::kPublisherId], out);
  if (const rapidjson::Value* call = shown[Shown::kCall]) {
    Line("reply to", out, [&] {
      char latency[64];
      std::snprintf(latency, sizeof latency, "%.3f ms", (*call)["latency_ms"].GetDouble());
      out.Append("#");
      AppendText(Member(*call, "n"), out);
      out.Append(" ");
      AppendText(Member(*call, "method"), out);
      out.Append(" after ");
      out.Append(latency);
    });
  }
  if (shown[Shown::kEnding] != nullptr) TextLine("ending", shown[Shown::kEnding], out);
  if (const rapidjson::Value* context = shown[Shown::kContext]) {
    Line("context", out, [&] {
      bool first = true;
      for (const auto& member : context->GetObject()) {
        if (!first) out.Append(" ");
        first = false;
        AppendEscaped(JsonStringView(member.name), out);
        out.Append("=");
        AppendText(&member.value, out);
      }
    });
  }
  if (const rapidjson::Value* failure = shown[Shown::kFailure]) {
    if (failure->HasMember("class")) {
      Line("failure", out, [&] {
        AppendText(Member(*failure, "module"), out);
        out.Append(".");
        AppendText(Member(*failure, "class"), out);
        out.Append(": ");
        AppendText(Member(*failure, "message"), out);
      });
    } else {
      TextLine("failure (undecodable)", Member(*failure, "undecodable"), out);
    }
  }
  for (const Shown::Key key : {Shown::kArgs, Shown::kResult, Shown::kPayload}) {
    if (const rapidjson::Value* value = shown[key]) {
      Line(Shown::kNames[key], out, [&] { AppendAsciiPrettyJson(*value, "  ", out); });
    }
  }
  if (IsKind(kind, "raw")) {
    TextLine("not an oslo message", shown[Shown::kWhy], out);
    Line("body", out, [&] { AppendAsciiJson((*shown[Shown::kBody]), out); });
  }
}

std::string DecodeText(const rapidjson::Value& entry) {
  JsonOutput out;
  AppendDecodeText(entry, out);
  return std::string(out.text());
}

}  // namespace agent::trace
