#include "agent/secret_mask.h"

#include <algorithm>
#include <array>
#include <cstdint>
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

// A lower-case word of at most 16 characters as two integers and its
// length, so that comparing two words is three integer comparisons.
struct PackedWord {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  std::size_t length = 0;

  constexpr void Append(char c) {
    (length < 8 ? low : high) |= std::uint64_t{static_cast<unsigned char>(c)} << (8 * (length % 8));
    ++length;
  }
  constexpr bool operator==(const PackedWord&) const = default;
};
constexpr std::size_t kMaxPackedLength = 16;

template <std::size_t N>
constexpr std::array<PackedWord, N> Packed(const std::array<std::string_view, N>& list) {
  std::array<PackedWord, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    if (list[i].size() > kMaxPackedLength) throw "a listed word is longer than a PackedWord holds";
    for (const char c : list[i]) out[i].Append(c);
  }
  return out;
}

constexpr auto kSecretPacked = Packed(kSecretWords);
constexpr auto kIdentifierPacked = Packed(kIdentifierWords);

template <std::size_t N>
constexpr std::size_t LongestWord(const std::array<std::string_view, N>& list) {
  std::size_t longest = 0;
  for (const std::string_view word : list) longest = std::max(longest, word.size());
  return longest;
}

// The lengths of a list's words as bits, to pass over most words at once.
template <std::size_t N>
constexpr std::uint32_t LengthBits(const std::array<std::string_view, N>& list) {
  std::uint32_t bits = 0;
  for (const std::string_view word : list) bits |= std::uint32_t{1} << word.size();
  return bits;
}

template <std::size_t N>
bool Contains(const std::array<PackedWord, N>& list, std::uint32_t length_bits, const PackedWord& word) {
  if ((length_bits >> word.length & 1u) == 0) return false;
  return std::find(list.begin(), list.end(), word) != list.end();
}

}  // namespace

// The key's words (split at '_', '-', '.' and ' ', lower-cased, empty ones
// skipped) are looked at one at a time, packed in two integers, without
// allocating: this runs for every key of every message `trace decode`
// reads. A word longer than every listed word matches none of them. Only
// the last word is compared with the identifier words, and only when a word
// was secret.
bool IsSecretKey(std::string_view key) {
  constexpr std::uint32_t kSecretLengths = LengthBits(kSecretWords);
  constexpr std::uint32_t kIdentifierLengths = LengthBits(kIdentifierWords);
  constexpr std::size_t kLongest = std::max(LongestWord(kSecretWords), LongestWord(kIdentifierWords));
  static_assert(kLongest <= kMaxPackedLength);
  PackedWord word;
  bool too_long = false;
  bool secret = false;
  PackedWord last;  // the last non-empty word (length 0: too long, or none)
  const auto end_word = [&] {
    if (word.length == 0 && !too_long) return;
    last = too_long ? PackedWord{} : word;
    secret = secret || (!too_long && Contains(kSecretPacked, kSecretLengths, word));
    word = PackedWord{};
    too_long = false;
  };
  for (const char c : key) {
    if (c == '_' || c == '-' || c == '.' || c == ' ') {
      end_word();
    } else if (too_long || word.length == kLongest) {
      too_long = true;
    } else {
      word.Append(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);  // ASCII, as tolower in the C locale
    }
  }
  end_word();
  return secret && !(last.length != 0 && Contains(kIdentifierPacked, kIdentifierLengths, last));
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
