#include "agent/trace/ascii_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <rapidjson/internal/dtoa.h>

#include "agent/terminal_text.h"

namespace agent::trace {

void JsonOutput::Append(std::string_view bytes) {
  if (bytes.empty()) return;  // its data() may be null, which memcpy must not get
  char* p = Room(bytes.size());
  std::memcpy(p, bytes.data(), bytes.size());
  Commit(p + bytes.size());
}

void JsonOutput::Grow(std::size_t n) {
  const std::size_t capacity = std::max({size_ + n, 2 * capacity_, std::size_t{4096}});
  auto data = std::make_unique_for_overwrite<char[]>(capacity);
  if (size_ != 0) std::memcpy(data.get(), data_.get(), size_);
  data_ = std::move(data);
  capacity_ = capacity;
}

namespace {

constexpr int kMaxDecimalPlaces = 324;  // rapidjson::Writer::kDefaultMaxDecimalPlaces
// The most a string's byte becomes: the writer's \u00XX, or AsciiJson's \uXXXX.
constexpr std::size_t kMaxBytesPerByte = 6;

// Whether one of the 8 bytes in `w` is one a string cannot take as it is:
// below 0x20, '"', '\\', DEL or above. Per condition the borrow (or carry)
// trick, exact for "any": a byte flagged wrongly has a flagged one below it.
inline __attribute__((always_inline)) bool AnyToEscape(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101u;
  constexpr std::uint64_t kHigh = 0x8080808080808080u;
  const std::uint64_t quote = w ^ (kOnes * '"');
  const std::uint64_t backslash = w ^ (kOnes * '\\');
  return ((((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
           (w + kOnes) | w) &
          kHigh) != 0;
}

constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7F; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

// RapidJSON's Writer's escape for a byte below 0x20, '"' or '\\', at `p`; returns the end.
char* WriterEscape(unsigned char c, char* p) {
  static constexpr char kHexUpper[] = "0123456789ABCDEF";
  *p++ = '\\';
  switch (c) {
    case '"': *p++ = '"'; return p;
    case '\\': *p++ = '\\'; return p;
    case '\b': *p++ = 'b'; return p;
    case '\t': *p++ = 't'; return p;
    case '\n': *p++ = 'n'; return p;
    case '\f': *p++ = 'f'; return p;
    case '\r': *p++ = 'r'; return p;
    default: break;
  }
  *p++ = 'u';
  *p++ = '0';
  *p++ = '0';
  *p++ = kHexUpper[c >> 4];
  *p++ = kHexUpper[c & 0xF];
  return p;
}

// A string with DEL or bytes beyond ASCII (rare): the writer keeps such bytes
// as they are and AsciiJson rewrites them; done so, over this string alone
// (AsciiJson reads it alike: it begins outside a string).
void AppendUnusualString(std::string_view text, JsonOutput& out) {
  std::string written = "\"";
  char escape[8];
  for (const char byte : text) {
    const auto b = static_cast<unsigned char>(byte);
    if (b < 0x20 || b == '"' || b == '\\') {
      written.append(escape, WriterEscape(b, escape));
    } else {
      written += byte;
    }
  }
  written += '"';
  out.Append(AsciiJson(written));
}

// Appends `before`, `text` as a JSON string, then `after` (each of those two
// at most two bytes: the separators around a string).
void AppendString(std::string_view text, JsonOutput& out, std::string_view before = {}, std::string_view after = {}) {
  const char* in = text.data();
  const std::size_t size = text.size();
  char* const start = out.Room(kMaxBytesPerByte * size + 2 + 4);
  char* p = start;
  for (const char c : before) *p++ = c;
  *p++ = '"';
  std::size_t i = 0;
  while (true) {
    // Eight plain bytes at a time, then the last eight of the text (overlapping), then byte by byte.
    for (; i + 8 <= size; i += 8, p += 8) {
      std::uint64_t w;
      std::memcpy(&w, in + i, 8);
      if (AnyToEscape(w)) break;
      std::memcpy(p, &w, 8);
    }
    if (i + 8 > size && size >= 8 && i < size) {
      std::uint64_t w;
      std::memcpy(&w, in + size - 8, 8);
      if (!AnyToEscape(w)) {
        std::memcpy(p - (i + 8 - size), &w, 8);
        p += size - i;
        i = size;
      }
    }
    for (; i < size && kPlain[static_cast<unsigned char>(in[i])]; ++i) *p++ = in[i];
    if (i == size) break;
    const auto c = static_cast<unsigned char>(in[i]);
    if (c >= 0x7F) {
      out.Commit(start);
      out.Append(before);
      AppendUnusualString(text, out);
      out.Append(after);
      return;
    }
    p = WriterEscape(c, p);
    ++i;
  }
  *p++ = '"';
  for (const char c : after) *p++ = c;
  out.Commit(p);
}

// A few bytes (a literal or a separator), without a call to memcpy.
void AppendLiteral(std::string_view literal, JsonOutput& out) {
  char* p = out.Room(literal.size());
  for (const char c : literal) *p++ = c;
  out.Commit(p);
}

template <typename Integer>
void AppendInteger(Integer number, JsonOutput& out) {
  char* p = out.Room(24);
  out.Commit(std::to_chars(p, p + 24, number).ptr);
}

// A number as Accept hands it to the writer (PythonJsonWriter: NaN,
// Infinity and -Infinity as Python writes them).
void AppendNumber(const rapidjson::Value& value, JsonOutput& out) {
  if (value.IsDouble()) {
    const double d = value.GetDouble();
    if (std::isnan(d)) return AppendLiteral("NaN", out);
    if (std::isinf(d)) return AppendLiteral(d < 0 ? "-Infinity" : "Infinity", out);
    char* p = out.Room(25);
    out.Commit(rapidjson::internal::dtoa(d, p, kMaxDecimalPlaces));
  } else if (value.IsInt64()) {
    AppendInteger(value.GetInt64(), out);
  } else {
    AppendInteger(value.GetUint64(), out);
  }
}

// A separator, then PrettyWriter's line break when pretty: a newline, the
// caller's indent, two spaces per level.
template <bool kPretty>
void Separator(std::string_view separator, std::string_view indent, std::size_t level, JsonOutput& out) {
  char* p = out.Room(separator.size() + (kPretty ? 1 + indent.size() + 2 * level : 0));
  p = std::copy(separator.begin(), separator.end(), p);
  if constexpr (kPretty) {
    *p++ = '\n';
    p = std::copy(indent.begin(), indent.end(), p);
    p = std::fill_n(p, 2 * level, ' ');
  }
  out.Commit(p);
}

template <bool kPretty>
void Append(const rapidjson::Value& value, std::string_view indent, std::size_t level, JsonOutput& out) {
  switch (value.GetType()) {
    case rapidjson::kNullType: return AppendLiteral("null", out);
    case rapidjson::kFalseType: return AppendLiteral("false", out);
    case rapidjson::kTrueType: return AppendLiteral("true", out);
    case rapidjson::kStringType:
      return AppendString({value.GetString(), value.GetStringLength()}, out);
    case rapidjson::kNumberType: return AppendNumber(value, out);
    case rapidjson::kObjectType: {
      std::string_view before = "{";
      for (const auto& member : value.GetObject()) {
        const std::string_view name(member.name.GetString(), member.name.GetStringLength());
        if constexpr (kPretty) {
          Separator<kPretty>(before, indent, level + 1, out);
          AppendString(name, out, {}, ": ");
        } else {
          AppendString(name, out, before, ":");
        }
        before = ",";
        Append<kPretty>(member.value, indent, level + 1, out);
      }
      if (before == "{") return AppendLiteral("{}", out);
      if constexpr (kPretty) Separator<kPretty>("", indent, level, out);
      return AppendLiteral("}", out);
    }
    case rapidjson::kArrayType: {
      std::string_view before = "[";
      for (const auto& element : value.GetArray()) {
        Separator<kPretty>(before, indent, level + 1, out);
        before = ",";
        Append<kPretty>(element, indent, level + 1, out);
      }
      if (before == "[") return AppendLiteral("[]", out);
      Separator<kPretty>("", indent, level, out);
      return AppendLiteral("]", out);
    }
  }
}

}  // namespace

void AppendAsciiJson(const rapidjson::Value& value, JsonOutput& out) { Append<false>(value, {}, 0, out); }

void AppendAsciiPrettyJson(const rapidjson::Value& value, std::string_view indent, JsonOutput& out) {
  Append<true>(value, indent, 0, out);
}

}  // namespace agent::trace
