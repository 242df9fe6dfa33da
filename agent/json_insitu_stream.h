// PaddedInsituStream: RapidJSON's in-place string stream (the parse writes
// each string's text over the input it came from) with a faster scan of a
// string's plain bytes, sixteen at a time (eight without SSE2). RapidJSON
// only has such a scan when built with RAPIDJSON_SSE2, which also makes it
// read up to 15 bytes past the end of any input; this one reads past a
// string only in a text that ends with kInsituPadding NUL bytes, which is
// the stream's contract: give it only text so padded (ParseJsonInsituWithin,
// json_depth.h, does).
//
// SkipWhitespace (below) skips the same bytes as RapidJSON's, with the common
// case (no whitespace) first.
//
// The scan stops where RapidJSON's own loop must look (a '"', a '\\' or a
// byte below 0x20) and copies what it passed, so the parse's result is the
// one of rapidjson::InsituStringStream. Header-only, no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <rapidjson/reader.h>
#include <rapidjson/stream.h>

namespace agent {

inline constexpr std::size_t kInsituPadding = 16;

struct PaddedInsituStream : rapidjson::InsituStringStream {
  using rapidjson::InsituStringStream::InsituStringStream;
};

namespace json_insitu_detail {

#if defined(__SSE2__)
constexpr std::size_t kScanBlock = 16;

// The offset of the first byte of the sixteen at `p` that is '"', '\\' or
// below 0x20, or 16 for none.
inline unsigned FirstSpecial(const char* p) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i quote = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'));
  const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x1F)), bytes);  // unsigned <= 0x1F
  const auto found = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)));
  return found == 0 ? 16 : static_cast<unsigned>(__builtin_ctz(found));
}
#else
constexpr std::size_t kScanBlock = 8;

// The same for the eight bytes at `p` (the borrow trick per condition: a
// byte flagged with none of those below it is exact).
inline unsigned FirstSpecial(const char* p) {
  constexpr std::uint64_t kOnes = 0x0101010101010101u;
  constexpr std::uint64_t kHigh = 0x8080808080808080u;
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  const std::uint64_t quote = w ^ (kOnes * '"');
  const std::uint64_t backslash = w ^ (kOnes * '\\');
  const std::uint64_t found =
      (((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash)) & kHigh;
  return found == 0 ? 8 : static_cast<unsigned>(__builtin_ctzll(found)) / 8;
}
#endif
static_assert(kScanBlock <= kInsituPadding, "a block read from the text's last byte stays within its padding");

// Moves the stream past the plain bytes at its read position, copying them
// to its write position (the same place until the string's first escape).
inline void ScanCopyPlain(PaddedInsituStream& stream) {
  char* src = stream.src_;
  char* dst = stream.dst_;
  while (true) {
    // A block starts at most at the text's final NUL, which stops the scan:
    // it reads within the padding at worst.
    const unsigned plain = FirstSpecial(src);
    if (dst != src) std::memmove(dst, src, plain);  // dst < src: moved down before it is read again
    src += plain;
    dst += plain;
    if (plain != kScanBlock) break;
  }
  stream.src_ = src;
  stream.dst_ = dst;
}

}  // namespace json_insitu_detail
}  // namespace agent

namespace rapidjson {

// RapidJSON skips whitespace before and after every token; in the text it
// parses (Python's json.dumps: ", " and ": ") most tokens have none or one
// space. Found by argument-dependent lookup from RapidJSON's reader, and
// preferred to its generic template; the same bytes are skipped.
inline void SkipWhitespace(agent::PaddedInsituStream& is) {
  char* p = is.src_;
  while (static_cast<unsigned char>(*p) <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  is.src_ = p;
}

template <>
struct StreamTraits<agent::PaddedInsituStream> {
  enum { copyOptimization = 1 };
};

template <>
template <>
inline void GenericReader<UTF8<>, UTF8<>, CrtAllocator>::ScanCopyUnescapedString<agent::PaddedInsituStream,
                                                                                 agent::PaddedInsituStream>(
    agent::PaddedInsituStream& is, agent::PaddedInsituStream& os) {
  (void)os;  // the same stream as `is`: in place, RapidJSON reads and writes through one
  agent::json_insitu_detail::ScanCopyPlain(is);
}

}  // namespace rapidjson
