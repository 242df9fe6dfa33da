#include "rpc/envelope.h"

#include <charconv>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "rpc/python_json.h"
#include "rpc/python_json_internal.h"

namespace rpc {
namespace {

constexpr std::string_view kWhat = "RPC envelope";

base::Status Corrupt(std::string_view detail) {
  return base::Status::Corrupt(std::string(kWhat) + ": " + std::string(detail));
}

base::Status WrongType(const JsonMember& member, std::string_view expected) {
  return Corrupt("'" + member.key + "' is not " + std::string(expected) + ": " + JsonExcerpt(member.value.json));
}

// int() of one part of a version string; only [+-]digits.
std::optional<long> VersionPart(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// _utils.version_is_compatible("2.0", version): same major, minor <= 0, and
// at minor 0 a revision <= 0. A part that int() would refuse makes oslo
// raise, which refuses the message all the same.
bool CompatibleWithEnvelope2(std::string_view version) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t dot = version.find('.', start);
    parts.push_back(version.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() < 2) return false;
  const std::optional<long> major = VersionPart(parts[0]);
  if (!major || *major != 2) return false;
  const std::optional<long> minor = VersionPart(parts[1]);
  if (!minor || *minor > 0) return false;
  if (*minor < 0 || parts.size() < 3) return true;
  const std::optional<long> revision = VersionPart(parts[2]);
  return revision && *revision <= 0;
}

constexpr std::string_view kEnvelopeHead = R"({"oslo.version": "2.0", "oslo.message": )";

// Unwrap for a body exactly as Wrap (and oslo.messaging) writes it, with the
// message literal in Python's format: the common case, without splitting the
// body into parts. nullopt for any other body.
std::optional<UnwrappedMessage> UnwrapPythonFormat(std::string_view body) {
  if (body.size() < kEnvelopeHead.size() + 3 || body.substr(0, kEnvelopeHead.size()) != kEnvelopeHead ||
      body.back() != '}' || body[kEnvelopeHead.size()] != '"') {
    return std::nullopt;
  }
  // The literal runs to the body's last quote; AppendUnescapedLiteral refuses
  // an unescaped quote inside it.
  const std::string_view inner = body.substr(kEnvelopeHead.size() + 1, body.size() - kEnvelopeHead.size() - 3);
  if (body[body.size() - 2] != '"') return std::nullopt;
  UnwrappedMessage unwrapped{EnvelopeForm::kV2, {}};
  if (!python_json_internal::AppendUnescapedLiteral(inner, unwrapped.message_json)) return std::nullopt;
  return unwrapped;
}

}  // namespace

base::Result<std::string> Wrap(std::string_view message_json) {
  std::string body;
  // AppendPythonJsonString's worst case: no reallocation.
  body.reserve(kEnvelopeHead.size() + 2 * message_json.size() + 32);
  body = kEnvelopeHead;
  if (!AppendPythonJsonString(message_json, body)) return base::Status::InvalidInput("RPC message is not UTF-8");
  body += '}';
  return body;
}

base::Result<UnwrappedMessage> Unwrap(std::string_view body) {
  if (auto unwrapped = UnwrapPythonFormat(body)) return std::move(*unwrapped);
  auto members = SplitJsonObject(body);
  if (!members.ok()) return Corrupt("body is " + members.error().message());
  const JsonMember* version = nullptr;
  const JsonMember* message = nullptr;
  for (const JsonMember& member : *members) {
    if (member.key == "oslo.version") version = &member;
    if (member.key == "oslo.message") message = &member;
  }
  if (version == nullptr || message == nullptr) {
    return UnwrappedMessage{EnvelopeForm::kLegacyV1, std::string(body)};
  }
  if (version->value.kind != JsonKind::kString) return WrongType(*version, "a string");
  if (!CompatibleWithEnvelope2(version->value.string_value)) {
    return Corrupt("oslo.version " + JsonExcerpt(version->value.json) + " is not compatible with 2.0");
  }
  if (message->value.kind != JsonKind::kString) return WrongType(*message, "a string");
  return UnwrappedMessage{EnvelopeForm::kV2, message->value.string_value};
}

}  // namespace rpc
