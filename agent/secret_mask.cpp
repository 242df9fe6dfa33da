#include "agent/secret_mask.h"

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

// A list of words indexed by first letter and length: for each, a bit per
// listed word that starts with that letter and has that length, so that
// most of a key's words are passed over by one look-up.
constexpr std::size_t kLongestIndexed = 15;

template <std::size_t N>
struct WordIndex {
  std::array<std::string_view, N> words;
  std::array<std::array<std::uint16_t, kLongestIndexed + 1>, 26> candidates{};
};

template <std::size_t N>
constexpr WordIndex<N> Indexed(const std::array<std::string_view, N>& list) {
  static_assert(N <= 16, "a candidate set is 16 bits");
  WordIndex<N> index{list};
  for (std::size_t i = 0; i < N; ++i) {
    const std::string_view word = list[i];
    if (word.empty() || word.size() > kLongestIndexed) throw "a listed word is empty or too long to index";
    for (const char c : word) {
      if (c < 'a' || c > 'z') throw "a listed word is not lower-case letters";
    }
    index.candidates[word[0] - 'a'][word.size()] |= static_cast<std::uint16_t>(1u << i);
  }
  return index;
}

constexpr auto kSecretIndex = Indexed(kSecretWords);
constexpr auto kIdentifierIndex = Indexed(kIdentifierWords);

// Whether `word` (any bytes, no separator, not empty) is one of the index's
// words, ASCII letters compared without case (as tolower in the C locale). A
// listed word is lower-case letters, and (b | 0x20) is a lower-case letter
// only when b is that letter in either case, so the one OR lowers exactly.
template <std::size_t N>
bool Contains(const WordIndex<N>& index, std::string_view word) {
  if (word.size() > kLongestIndexed) return false;
  const unsigned first = (static_cast<unsigned char>(word[0]) | 0x20u) - 'a';
  if (first >= 26) return false;
  for (unsigned bits = index.candidates[first][word.size()]; bits != 0; bits &= bits - 1) {
    const std::string_view listed = index.words[static_cast<std::size_t>(__builtin_ctz(bits))];
    std::size_t i = 1;
    while (i < word.size() && (static_cast<unsigned char>(word[i]) | 0x20u) == static_cast<unsigned char>(listed[i])) ++i;
    if (i == word.size()) return true;
  }
  return false;
}

constexpr std::array<bool, 256> kSeparators = [] {
  std::array<bool, 256> separators{};
  for (const char c : {'_', '-', '.', ' '}) separators[static_cast<unsigned char>(c)] = true;
  return separators;
}();

bool IsSeparator(char c) { return kSeparators[static_cast<unsigned char>(c)]; }

}  // namespace

// The key's words (split at '_', '-', '.' and ' ', empty ones skipped) are
// looked at one at a time where they lie, without copying or allocating:
// this runs for every key of every message `trace decode` reads. A word is
// compared with a list only when a listed word has its first letter and its
// length. Only the last word is compared with the identifier words,
// and only when a word was secret.
bool IsSecretKey(std::string_view key) {
  bool secret = false;
  std::string_view last;  // the last non-empty word
  std::size_t i = 0;
  while (i < key.size()) {
    if (IsSeparator(key[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < key.size() && !IsSeparator(key[i])) ++i;
    last = key.substr(start, i - start);
    secret = secret || Contains(kSecretIndex, last);
  }
  return secret && !Contains(kIdentifierIndex, last);
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
    // The first byte that is not JSON whitespace (as find_first_not_of(" \t\r\n"),
    // without a library call for each of the many strings that start with a letter).
    std::size_t first = 0;
    while (first < text.size() &&
           (text[first] == ' ' || text[first] == '\t' || text[first] == '\r' || text[first] == '\n')) {
      ++first;
    }
    if (first == text.size() || (text[first] != '{' && text[first] != '[')) return 0;
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
