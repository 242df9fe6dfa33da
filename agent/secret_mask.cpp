#include "agent/secret_mask.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "agent/json_depth.h"
#include "agent/rapidjson_strings.h"

namespace agent {
namespace {

constexpr std::size_t kMaxMaskedJsonDepth = 512;  // as rpc::kMaxJsonDepth

constexpr std::array<std::string_view, 10> kSecretWords = {
    "password", "passwd", "secret", "token", "keyring",
    "key", "keys", "credential", "credentials", "private"};
constexpr std::array<std::string_view, 11> kIdentifierWords = {
    "uuid", "id", "type", "name", "username", "user", "format", "method", "enabled", "path", "file"};

std::vector<std::string> Words(std::string_view key) {
  std::vector<std::string> words(1);
  for (char c : key) {
    if (c == '_' || c == '-' || c == '.' || c == ' ') {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    words.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

}  // namespace

bool IsSecretKey(std::string_view key) {
  const std::vector<std::string> words = Words(key);
  if (words.empty() || Contains(kIdentifierWords, words.back())) return false;
  return std::any_of(words.begin(), words.end(),
                     [](const std::string& w) { return Contains(kSecretWords, w); });
}

int MaskSecrets(rapidjson::Value& value, rapidjson::Document::AllocatorType& allocator) {
  int masked = 0;
  if (value.IsObject()) {
    for (auto& member : value.GetObject()) {
      const std::string_view key = JsonStringView(member.name);
      if (IsSecretKey(key) && !member.value.IsNull()) {
        member.value.SetString(kMaskedValue.data(), JsonLength(kMaskedValue),
                               allocator);
        ++masked;
      } else {
        masked += MaskSecrets(member.value, allocator);
      }
    }
  } else if (value.IsArray()) {
    for (auto& element : value.GetArray()) masked += MaskSecrets(element, allocator);
  }
  return masked;
}

int MaskSecretsDeep(rapidjson::Value& value, rapidjson::Document::AllocatorType& allocator, int max_string_depth) {
  int masked = 0;
  if (value.IsObject()) {
    for (auto& member : value.GetObject()) {
      if (IsSecretKey(JsonStringView(member.name)) && !member.value.IsNull()) {
        member.value.SetString(kMaskedValue.data(), JsonLength(kMaskedValue), allocator);
        ++masked;
      } else {
        masked += MaskSecretsDeep(member.value, allocator, max_string_depth);
      }
    }
  } else if (value.IsArray()) {
    for (auto& element : value.GetArray()) masked += MaskSecretsDeep(element, allocator, max_string_depth);
  } else if (value.IsString() && max_string_depth > 0) {
    const std::string_view text = JsonStringView(value);
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || (text[first] != '{' && text[first] != '[')) return 0;
    if (!JsonNestingWithin(text, kMaxMaskedJsonDepth)) return 0;
    rapidjson::Document inner;
    inner.Parse<rapidjson::kParseNanAndInfFlag | rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    if (inner.HasParseError()) return 0;
    const int inside = MaskSecretsDeep(inner, inner.GetAllocator(), max_string_depth - 1);
    if (inside == 0) return 0;
    const std::string rewritten = CompactJsonText(inner);
    value.SetString(rewritten.data(), JsonLength(rewritten), allocator);
    masked += inside;
  }
  return masked;
}

}  // namespace agent
