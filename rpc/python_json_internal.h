// The fast paths of rpc/python_json.h, internal to rpc/ (and its tests).
// The family's words (Python JSON, trusted, literal, member view) and its
// rules for results and out-parameters are those of rpc/python_json.h.
//
// Most JSON this codec reads was written by Python's json.dumps or by our own
// writers, so it is already in Python's format: re-rendering it gives the same
// bytes. ScanPythonJson recognises such text in one pass without building a
// tree, and hands out views into it. It is conservative: it accepts only text
// that ToPythonJson would accept and return unchanged, and refuses (nullopt,
// so that callers take the general tree-based path) everything else,
// including some texts that are in Python's format but rare: floats of
// magnitude >= 1e300, integers of more than 18 digits, NaN/Infinity, a lone
// low surrogate escape, "\u0000", nesting deeper than kMaxJsonDepth.
// The Trusted functions below only follow the shape of text that was
// checked before, and refuse (nullopt, nullptr) text without that shape.
//
// Pure functions over borrowed text; no state between calls; thread-safe.
#pragma once

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rpc/python_json.h"
#include "rpc/python_json_index.h"

namespace rpc::python_json_internal {

inline constexpr std::array<bool, 256> kPlainAscii = [] {
  std::array<bool, 256> table{};
  for (int c = 0x20; c < 0x7F; ++c) table[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return table;
}();

// The number of bytes at the start of [p, end) that json.dumps writes
// unchanged inside a string literal: printable ASCII other than '"' and '\\'.
// Inline: it runs once per string and per escape on every hot path.
inline std::size_t PlainAsciiRun(const char* p, const char* end) {
  const char* q = p;
#if defined(__SSE2__)
  while (end - q >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too.
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                     _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))));
    const int mask = _mm_movemask_epi8(special);
    if (mask != 0) return static_cast<std::size_t>(q - p) + static_cast<std::size_t>(__builtin_ctz(mask));
    q += 16;
  }
#endif
  // 8 bytes at a time (SWAR): flag bytes < 0x20 or >= 0x80, '"', '\\' and
  // DEL. A flag can be wrong only above a true one, so the lowest is exact.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  const auto zero_byte = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  while (end - q >= 8) {
    std::uint64_t x = 0;
    std::memcpy(&x, q, 8);
    const std::uint64_t special = (((x - 0x20 * kOnes) | x) & kHigh) | zero_byte(x ^ ('"' * kOnes)) |
                                  zero_byte(x ^ ('\\' * kOnes)) | zero_byte(x ^ (0x7F * kOnes));
    if (special != 0) return static_cast<std::size_t>(q - p) + static_cast<std::size_t>(__builtin_ctzll(special) / 8);
    q += 8;
  }
#endif
  while (q != end && kPlainAscii[static_cast<unsigned char>(*q)]) ++q;
  return static_cast<std::size_t>(q - p);
}

// Copies the 16 bytes at p to w (both must have room for 16) and returns
// how many of them, from the start, PlainAsciiRun would accept (16: all).
inline std::size_t PlainAsciiRun16(const char* p, char* w) {
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(w), v);
  const __m128i special =
      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                   _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))));
  const int mask = _mm_movemask_epi8(special);
  return mask == 0 ? 16 : static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
#else
  std::memcpy(w, p, 16);
  return PlainAsciiRun(p, p + 16);
#endif
}

#if defined(__SSE2__)
// Masks of the 16 bytes at p: `special`, the bytes PlainAsciiRun stops at;
// `quote_or_backslash`, the quotes and backslashes among them.
struct Block16 {
  __m128i bytes;
  unsigned special;
  unsigned quote_or_backslash;
};

inline Block16 LoadBlock16(const char* p) {
  Block16 b;
  b.bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i quote = _mm_cmpeq_epi8(b.bytes, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(b.bytes, _mm_set1_epi8('\\'));
  const __m128i other = _mm_or_si128(_mm_cmplt_epi8(b.bytes, _mm_set1_epi8(0x20)),
                                     _mm_cmpeq_epi8(b.bytes, _mm_set1_epi8(0x7F)));
  const __m128i both = _mm_or_si128(quote, backslash);
  b.quote_or_backslash = static_cast<unsigned>(_mm_movemask_epi8(both));
  b.special = b.quote_or_backslash | static_cast<unsigned>(_mm_movemask_epi8(other));
  return b;
}

inline void Store16(char* w, const char* p) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(w), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
#endif

// Whether all `n` bytes at p are ones PlainAsciiRun accepts, for bytes in a
// buffer that can be read up to the next multiple of 16 past p (the bytes
// past n are ignored). For short texts copied into a padded buffer.
inline bool AllPlainPadded(const char* p, std::size_t n) {
#if defined(__SSE2__)
  for (std::size_t i = 0; i < n; i += 16) {
    unsigned mask = LoadBlock16(p + i).special;
    if (n - i < 16) mask &= (1u << (n - i)) - 1;
    if (mask != 0) return false;
  }
  return true;
#else
  return PlainAsciiRun(p, p + n) == n;
#endif
}

// Copies the 8 bytes at p to w (both must have room for 8) and returns how
// many of them, from the start, PlainAsciiRun would accept (8: all).
inline std::size_t PlainAsciiRun8(const char* p, char* w) {
  std::uint64_t x = 0;
  std::memcpy(&x, p, 8);
  std::memcpy(w, &x, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  const auto zero_byte = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const std::uint64_t special = (((x - 0x20 * kOnes) | x) & kHigh) | zero_byte(x ^ ('"' * kOnes)) |
                                zero_byte(x ^ ('\\' * kOnes)) | zero_byte(x ^ (0x7F * kOnes));
  return special == 0 ? 8 : static_cast<std::size_t>(__builtin_ctzll(special) / 8);
#else
  return PlainAsciiRun(p, p + 8);
#endif
}

// The first byte at [p, end) that is '"' or '\\'; end when there is none.
// For trusted text, where only these two matter inside a string literal.
inline const char* FindQuoteOrBackslash(const char* p, const char* end) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int mask = _mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p != end && *p != '"' && *p != '\\') ++p;
  return p;
}

// Copies the `run` bytes at p to w. When `room16` (the caller knows that 16
// bytes can be read at p and written at w), a run of up to 16 bytes is copied
// as one block; the bytes after the run are scratch the caller overwrites or
// trims later.
inline void CopyRun(char* w, const char* p, std::size_t run, bool room16) {
#if defined(__SSE2__)
  if (room16 && run <= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(w), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return;
  }
#endif
  std::memcpy(w, p, run);
}

// The value of a lowercase hex digit; -1 for anything else (uppercase is
// valid JSON, but Python writes lowercase).
inline int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Reads "\uXXXX" (lowercase hex) at p; false when it is not there.
inline bool ReadUnit(const char* p, const char* end, std::uint32_t& unit) {
  if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return false;
  unit = 0;
  for (int k = 2; k < 6; ++k) {
    const int digit = HexDigit(p[k]);
    if (digit < 0) return false;
    unit = (unit << 4) | static_cast<std::uint32_t>(digit);
  }
  return true;
}

// Reads a "\\uXXXX" escape (a surrogate pair as one) at p as Python writes
// it, advancing p; false for escapes Python does not write ("\\u0041",
// uppercase hex) and for those left to the general path (NUL, a lone low
// surrogate).
inline bool ReadPythonUnitEscape(const char*& p, const char* end, std::uint32_t& cp) {
  std::uint32_t unit = 0;
  if (!ReadUnit(p, end, unit)) return false;
  if (unit < 0x20) {
    // Python writes these with their short escapes; NUL is left to the general path.
    if (unit == 0 || unit == '\b' || unit == '\t' || unit == '\n' || unit == '\f' || unit == '\r') return false;
  } else if (unit < 0x7F || (unit >= 0xDC00 && unit <= 0xDFFF)) {
    return false;  // printable ASCII is written as is; a lone low surrogate is left to the general path
  } else if (unit >= 0xD800 && unit <= 0xDBFF) {
    std::uint32_t low = 0;
    if (!ReadUnit(p + 6, end, low) || low < 0xDC00 || low > 0xDFFF) return false;
    p += 6;
    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
  }
  p += 6;
  cp = unit;
  return true;
}

// Reads one UTF-8 sequence at s[i] (i < s.size()) into cp and advances i;
// false for invalid UTF-8. Encoded surrogates are accepted: RapidJSON turns a
// lone "\udc00" escape into one, and Python writes it back as is.
bool NextCodePoint(std::string_view s, std::size_t& i, std::uint32_t& cp);

// How ScanPythonJson fills a JsonIndex as it goes: Open when a value starts
// (after its key), Close when it ends.
class IndexRecorder {
 public:
  explicit IndexRecorder(JsonIndex& index) : entries_(index.entries_) {}
  void Reserve(std::size_t text_size) { entries_.reserve(text_size / 12 + 4); }  // about a value per 12 bytes
  std::uint32_t Open(std::string_view key, bool key_escaped) {
    entries_.push_back(JsonIndex::Entry{JsonMemberView{key, key_escaped, JsonKind::kNull, {}, false}, 0});
    return static_cast<std::uint32_t>(entries_.size() - 1);
  }
  void Close(std::uint32_t at, JsonKind kind, std::string_view json, bool escaped) {
    JsonMemberView& view = entries_[at].view;
    view.kind = kind;
    view.json = json;
    view.value_escaped = escaped;
    entries_[at].end = static_cast<std::uint32_t>(entries_.size());
  }
  void Clear() { entries_.clear(); }

 private:
  std::vector<JsonIndex::Entry>& entries_;
};

// Whether `json` is exactly json.dumps(json.loads(json)) with ensure_ascii
// and the separators ", " and ": " (and lies within the limits above): the
// document's kind when it is, nullopt otherwise. When `items` is not null,
// *items gets the root's members (object) or items (array), views into
// `json`; for a string root, one item describing the root itself; after a
// refusal, *items is unspecified.
std::optional<JsonKind> ScanPythonJson(std::string_view json, std::vector<JsonMemberView>* items);

// The same, and `index` gets, in the same pass, the index
// (rpc/python_json_index.h) of the value of the root object's member whose
// key literal is `index_member` (views into `json`); it is left empty when
// there is no such member, and is unspecified after a refusal.
std::optional<JsonKind> ScanPythonJson(std::string_view json, std::string_view index_member,
                                       std::vector<JsonMemberView>* items, JsonIndex* index);

// Appends the UTF-8 text of `literal` when the literal is exactly as Python
// writes it (see ScanPythonJson); false, appending nothing, otherwise. One
// pass.
bool AppendUnescapedLiteral(std::string_view literal, std::string& out);

// Appends the UTF-8 text of a trusted literal; `escaped`: whether it holds a
// backslash escape (JsonMemberView::key_escaped, value_escaped).
void AppendUnescapedTrustedLiteral(std::string_view trusted_literal, bool escaped, std::string& out);

// Skips the rest of a trusted string literal (p after its opening quote),
// where only '"' and '\\' matter; nullptr when it does not end. Sets
// `escaped` when the literal holds a backslash escape.
inline const char* SkipTrustedString(const char* p, const char* end, bool& escaped) {
  for (;;) {
    p = FindQuoteOrBackslash(p, end);
    if (p == end) return nullptr;
    if (*p == '"') return p + 1;
    if (end - p < 2) return nullptr;
    escaped = true;
    p += 2;
  }
}

// The top level of a trusted object or array, without checking it again:
// its kind, and its members or items in `items`. nullopt when the text does
// not even have that shape (never a read outside `trusted_json`).
std::optional<JsonKind> SplitTrustedContainer(std::string_view trusted_json, std::vector<JsonMemberView>& items);

// The general, tree-based ToPythonJson, without the fast path: the reference
// the fast path is tested against.
base::Result<JsonPart> ToPythonJsonByTree(std::string_view json);

}  // namespace rpc::python_json_internal
