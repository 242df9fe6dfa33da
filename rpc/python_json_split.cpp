// Splitting trusted text, without checking it again: SplitTrustedContainer
// (rpc/python_json_internal.h).
#include "rpc/python_json_internal.h"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace rpc::python_json_internal {

namespace {

// Skips the rest of a trusted container (p after its opening bracket),
// returning the byte after its closing bracket; nullptr
// when the text ends first. Only quotes, backslashes and brackets matter.
// Blocks of 64 bytes without a backslash (the usual case: escapes are rare
// outside string values) are done with bit masks: the bytes inside strings
// are the prefix XOR of the quotes, and the brackets outside them change
// the depth, which is followed bit by bit only in a block that closes one.
// Other bytes are looked at one by one.
[[gnu::noinline]] const char* SkipContainerBody(const char* p, const char* end) {  // keeps SkipTrustedValue lean
  std::size_t depth = 1;
  bool in_string = false;
  for (;;) {
#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - p >= 64) {
      std::uint64_t quote = 0, backslash = 0, open = 0, close = 0;
      for (int i = 0; i < 4; ++i) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
        const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));  // '[' -> '{', ']' -> '}'
        const auto bits = [&](__m128i eq) {
          return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(eq))) << (16 * i);
        };
        quote |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
        backslash |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
        open |= bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8('{')));
        close |= bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8('}')));
      }
      if (backslash != 0) break;
      std::uint64_t inside = quote;  // prefix XOR: set from an opening quote up to its closing one
      inside ^= inside << 1, inside ^= inside << 2, inside ^= inside << 4;
      inside ^= inside << 8, inside ^= inside << 16, inside ^= inside << 32;
      if (in_string) inside = ~inside;
      in_string = (inside >> 63) != 0;
      open &= ~inside;
      close &= ~inside;
      if (close == 0) {
        depth += static_cast<std::size_t>(__builtin_popcountll(open));
      } else {
        for (std::uint64_t brackets = open | close; brackets != 0; brackets &= brackets - 1) {
          const std::uint64_t bit = brackets & (~brackets + 1);
          if ((close & bit) == 0) {
            ++depth;
          } else if (--depth == 0) {
            return p + __builtin_ctzll(bit) + 1;
          }
        }
      }
      p += 64;
    }
#endif
    // A block with a backslash, or the tail: byte by byte, at least 64 bytes.
    for (const char* stop = end - p > 64 ? p + 64 : end; p < stop;) {
      const char c = *p++;
      if (in_string) {
        if (c == '\\') {
          if (p == end) return nullptr;
          ++p;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return p;
      }
    }
    if (p >= end) return nullptr;
  }
}

// Skips one trusted value at p; nullptr when the text does not have the
// shape of a value. Does not check what it skips.
const char* SkipTrustedValue(const char* p, const char* end, JsonKind& kind, bool& escaped) {
  if (p == end) return nullptr;
  escaped = false;
  switch (*p) {
    case '"':
      kind = JsonKind::kString;
      return SkipTrustedString(p + 1, end, escaped);
    case '{':
    case '[':
      kind = *p == '{' ? JsonKind::kObject : JsonKind::kArray;
      if (end - p >= 2 && p[1] == (*p == '{' ? '}' : ']')) return p + 2;  // empty
      return SkipContainerBody(p + 1, end);
    case 'n':  // the words: by their length (the text is trusted)
      kind = JsonKind::kNull;
      return p + std::min<std::ptrdiff_t>(4, end - p);
    case 't':
      kind = JsonKind::kBool;
      return p + std::min<std::ptrdiff_t>(4, end - p);
    case 'f':
      kind = JsonKind::kBool;
      return p + std::min<std::ptrdiff_t>(5, end - p);
    default:
      kind = JsonKind::kNumber;
      while (p != end && *p != ',' && *p != '}' && *p != ']') ++p;
      return p;
  }
}

}  // namespace

std::optional<JsonKind> SplitTrustedContainer(std::string_view trusted_json, std::vector<JsonMemberView>& items) {
  const char* p = trusted_json.data();
  const char* const end = p + trusted_json.size();
  if (p == end || (*p != '{' && *p != '[')) return std::nullopt;
  const bool object = *p == '{';
  const char close = object ? '}' : ']';
  const JsonKind root = object ? JsonKind::kObject : JsonKind::kArray;
  const auto done = [&](const char* last) { return last + 1 == end ? std::optional<JsonKind>(root) : std::nullopt; };
  ++p;
  if (p != end && *p == close) return done(p);
  for (;;) {
    JsonMemberView item;
    if (object) {
      const char* key = p;
      JsonKind kind = JsonKind::kNull;
      p = SkipTrustedValue(p, end, kind, item.key_escaped);
      if (p == nullptr || kind != JsonKind::kString || end - p < 2 || p[0] != ':' || p[1] != ' ') return std::nullopt;
      item.key_literal = std::string_view(key + 1, static_cast<std::size_t>(p - key - 2));
      p += 2;
    }
    const char* value = p;
    p = SkipTrustedValue(p, end, item.kind, item.value_escaped);
    if (p == nullptr || p == value || p == end) return std::nullopt;
    item.json = std::string_view(value, static_cast<std::size_t>(p - value));
    items.push_back(item);
    if (*p == close) return done(p);
    if (end - p < 2 || p[0] != ',' || p[1] != ' ') return std::nullopt;
    p += 2;
  }
}

}  // namespace rpc::python_json_internal
