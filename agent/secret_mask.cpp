#include "agent/secret_mask.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

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

template <std::size_t N>
constexpr std::size_t LongestWord(const std::array<std::string_view, N>& list) {
  std::size_t longest = 0;
  for (const std::string_view word : list) longest = std::max(longest, word.size());
  return longest;
}

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

}  // namespace

// The key's words (split at '_', '-', '.' and ' ', lower-cased, empty ones
// skipped) are looked at one at a time in a small buffer, without
// allocating: this runs for every key of every message `trace decode`
// reads. A word longer than every listed word matches none of them.
bool IsSecretKey(std::string_view key) {
  constexpr std::size_t kLongest = std::max(LongestWord(kSecretWords), LongestWord(kIdentifierWords));
  std::array<char, kLongest> word{};
  std::size_t length = 0;
  bool too_long = false;
  bool any_word = false;
  bool secret = false;
  bool last_is_identifier = false;
  const auto end_word = [&] {
    if (length == 0) return;
    const std::string_view w = too_long ? std::string_view() : std::string_view(word.data(), length);
    any_word = true;
    last_is_identifier = !too_long && Contains(kIdentifierWords, w);
    secret = secret || (!too_long && Contains(kSecretWords, w));
    length = 0;
    too_long = false;
  };
  for (const char c : key) {
    if (c == '_' || c == '-' || c == '.' || c == ' ') {
      end_word();
    } else if (length == kLongest) {
      too_long = true;
    } else {
      word[length++] = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  end_word();
  return any_word && !last_is_identifier && secret;
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
