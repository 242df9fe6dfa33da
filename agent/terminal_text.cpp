#include "agent/terminal_text.h"

#include <cstdint>
#include <cstring>
#include <optional>

namespace agent {
namespace {

struct CodePoint {
  char32_t value = 0;
  std::size_t length = 0;  // bytes
};

// The UTF-8 sequence at text[i], or nullopt when the byte there does not
// start a valid one (overlong forms, surrogates and values above U+10FFFF
// are invalid).
std::optional<CodePoint> DecodeAt(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || i + length > text.size()) return std::nullopt;
  char32_t value = length == 1 ? lead : lead & (0xFFu >> (length + 1));
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) return std::nullopt;
    value = (value << 6) | (next & 0x3Fu);
  }
  static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kSmallest[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return std::nullopt;
  return CodePoint{value, length};
}

void AppendHex(std::string& out, const char* prefix, unsigned value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += prefix;
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xFu];
}

bool IsControl(char32_t c) { return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F); }

}  // namespace

std::string EscapeControls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::optional<CodePoint> cp = DecodeAt(text, i);
    if (!cp) {
      AppendHex(out, "\\x", static_cast<unsigned char>(text[i]), 2);
      ++i;
      continue;
    }
    if (cp->value == '\\') {
      const char next = i + 1 < text.size() ? text[i + 1] : '\0';
      out += next == '\\' || next == 'x' || next == 'u' ? "\\\\" : "\\";
    } else if (IsControl(cp->value)) {
      AppendHex(out, cp->value < 0x80 ? "\\x" : "\\u", static_cast<unsigned>(cp->value), cp->value < 0x80 ? 2 : 4);
    } else {
      out.append(text.substr(i, cp->length));
    }
    i += cp->length;
  }
  return out;
}

bool AsciiJsonKeepsAsIs(std::string_view json) {
  // Printable ASCII is copied as it is below, and a backslash before a printable
  // character too; only a backslash that ends the text is changed. Eight bytes
  // at a time: a byte below 0x20 (the borrow trick, exact for "any"), DEL, or
  // with its top bit set.
  constexpr std::uint64_t kOnes = 0x0101010101010101u;
  constexpr std::uint64_t kHigh = 0x8080808080808080u;
  std::uint64_t outside = 0;
  std::size_t i = 0;
  for (; i + 8 <= json.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, json.data() + i, 8);
    const std::uint64_t del = w ^ (kOnes * 0x7F);
    outside |= ((w - kOnes * 0x20) & ~w & kHigh) | ((del - kOnes) & ~del & kHigh) | (w & kHigh);
  }
  for (; i < json.size(); ++i) outside |= static_cast<unsigned char>(static_cast<unsigned char>(json[i]) - 0x20) >= 0x5F;
  return outside == 0 && (json.empty() || json.back() != '\\');
}

std::string AsciiJson(std::string_view json) {
  if (AsciiJsonKeepsAsIs(json)) return std::string(json);
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  for (std::size_t i = 0; i < json.size();) {
    // A run of printable ASCII other than '"' and '\\' is copied as it is
    // (the last branch below, one character at a time, would do the same).
    std::size_t run = i;
    while (run < json.size() && json[run] >= 0x20 && json[run] < 0x7F && json[run] != '"' && json[run] != '\\') {
      ++run;
    }
    if (run > i) {
      out.append(json.substr(i, run - i));
      i = run;
      continue;
    }
    const std::optional<CodePoint> cp = DecodeAt(json, i);
    if (!cp) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    const char32_t c = cp->value;
    if (in_string && c == '\\' && i + 1 < json.size() && static_cast<unsigned char>(json[i + 1]) >= 0x20 &&
        static_cast<unsigned char>(json[i + 1]) < 0x7F) {
      out.append(json.substr(i, 2));  // an escape: its second character is never a quote that ends the string
      i += 2;
      continue;
    }
    if (in_string && c == '\\') {  // before a control or non-ASCII character: not JSON; show both
      out += "\\\\";
      ++i;
      continue;
    }
    if (c == '"') in_string = !in_string;
    if (!in_string && (c == '\t' || c == '\r')) {
      out += ' ';  // whitespace between tokens
    } else if (c == '\n' && !in_string) {
      out += '\n';
    } else if (c < 0x20 || c >= 0x7F) {
      if (c > 0xFFFF) {
        const char32_t v = c - 0x10000;
        AppendHex(out, "\\u", static_cast<unsigned>(0xD800 + (v >> 10)), 4);
        AppendHex(out, "\\u", static_cast<unsigned>(0xDC00 + (v & 0x3FF)), 4);
      } else {
        AppendHex(out, "\\u", static_cast<unsigned>(c), 4);
      }
    } else {
      out += static_cast<char>(c);
    }
    i += cp->length;
  }
  return out;
}

}  // namespace agent
