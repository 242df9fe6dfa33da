#include "agent/cinder/http_answer_error.h"

#include <algorithm>
#include <optional>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/input/bounded_json.h"
#include "agent/secret_mask.h"
#include "agent/terminal_text.h"
#include "agent/rapidjson_strings.h"
#include "rpc/transport_url.h"

namespace agent::cinder {
namespace {

// The deepest nesting of arrays and objects in `text` read as JSON (strings
// skipped), so that nothing recursive runs on a body built to be deep.
int NestingDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// Cinder's fault message, or the JSON with secret keys masked; nullopt when
// `body` is not JSON.
std::optional<std::string> FromJson(std::string_view body) {
  auto parsed = input::ParseBoundedJson(body, {kMaxMaskedBody, kMaxBodyDepth});
  if (!parsed.ok()) return std::nullopt;
  rapidjson::Document& doc = *parsed;
  if (const rapidjson::Document& view = doc; view.IsObject()) {
    for (const auto& member : view.GetObject()) {
      if (!member.value.IsObject()) continue;
      auto message = member.value.FindMember("message");
      if (message != member.value.MemberEnd() && message->value.IsString()) {
        return std::string(JsonStringView(message->value));
      }
    }
  }
  MaskSecrets(doc, doc.GetAllocator());
  return CompactJsonText(doc);
}

// The forms in which a server could send `secret` back.
std::vector<std::string> Spellings(const std::string& secret) {
  rapidjson::Value value(secret.data(), JsonLength(secret));
  std::string json = CompactJsonText(value);
  json = json.substr(1, json.size() - 2);  // without the quotes
  return {secret, json, AsciiJson(json), rpc::UrlQuote(secret)};
}

void ReplaceAll(std::string& text, std::string_view what, std::string_view with) {
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

// Whitespace runs become one space (none at the ends); other controls '?'.
std::string OneLine(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  }
  return out;
}

// At most `limit` bytes, not ending inside a UTF-8 sequence; "..." when cut.
std::string Bounded(std::string text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text + "...";
}

}  // namespace

std::string QuotedErrorBody(std::string_view body, std::span<const std::string> secrets) {
  if (body.size() > kMaxMaskedBody || NestingDepth(body) > kMaxBodyDepth) {
    return "(an error body of " + std::to_string(body.size()) + " bytes, not shown)";
  }
  std::string text = FromJson(body).value_or(std::string(body));
  std::vector<std::string> spellings;
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (std::string& spelling : Spellings(secret)) spellings.push_back(std::move(spelling));
  }
  // Longest first, so that a secret that holds another is masked whole.
  std::sort(spellings.begin(), spellings.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const std::string& spelling : spellings) ReplaceAll(text, spelling, kMaskedValue);
  text = Bounded(OneLine(text), kMaxQuotedBody);
  return text.empty() ? "(no message)" : text;
}

base::Status HttpAnswerError(std::string_view context, long status, std::string_view body,
                             std::span<const std::string> secrets) {
  std::string message =
      std::string(context) + ": HTTP " + std::to_string(status) + ": " + QuotedErrorBody(body, secrets);
  switch (status) {
    case 400: return base::Status::InvalidInput(std::move(message));
    case 401:
    case 403: return base::Status::PermissionDenied(std::move(message));
    case 404: return base::Status::NotFound(std::move(message));
    case 409: return base::Status::FailedPrecondition(std::move(message));
    default: return base::Status::RemoteError(std::move(message));
  }
}

}  // namespace agent::cinder
