// String literals of Python's json (rpc/python_json.h): escaping as json.dumps
// does with ensure_ascii=True, and the way back, unescaping a literal as
// json.loads does.
#include "rpc/python_json.h"

#include <cstdint>
#include <cstring>

#include "rpc/python_json_internal.h"

namespace rpc {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Writes cp as UTF-8 at w; returns the end of what it wrote.
char* AppendUtf8(std::uint32_t cp, char* w) {
  if (cp < 0x80) {
    *w++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *w++ = static_cast<char>(0xC0 | (cp >> 6));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *w++ = static_cast<char>(0xE0 | (cp >> 12));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *w++ = static_cast<char>(0xF0 | (cp >> 18));
    *w++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return w;
}

char ShortEscape(char c) {
  switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'f': return '\f';
    default: return 0;
  }
}

}  // namespace

namespace python_json_internal {

bool NextCodePoint(std::string_view s, std::size_t& i, std::uint32_t& cp) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t length = 1;
  std::uint32_t min = 0;
  if (lead < 0x80) {
    cp = lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (s.size() - i < length) return false;
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(s[i + k]);
    if ((next & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (next & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF) return false;
  i += length;
  return true;
}

}  // namespace python_json_internal

namespace {

using python_json_internal::NextCodePoint;

char* WriteUnitEscape(char* w, std::uint32_t unit) {
  *w++ = '\\';
  *w++ = 'u';
  *w++ = kHexDigits[(unit >> 12) & 0xF];
  *w++ = kHexDigits[(unit >> 8) & 0xF];
  *w++ = kHexDigits[(unit >> 4) & 0xF];
  *w++ = kHexDigits[unit & 0xF];
  return w;
}

// Writes the escape of one code point that is not plain printable ASCII (at
// most 12 bytes); returns the end of what it wrote.
char* WriteEscaped(char* w, std::uint32_t cp) {
  char simple = 0;
  switch (cp) {
    case '"': simple = '"'; break;
    case '\\': simple = '\\'; break;
    case '\n': simple = 'n'; break;
    case '\r': simple = 'r'; break;
    case '\t': simple = 't'; break;
    case '\b': simple = 'b'; break;
    case '\f': simple = 'f'; break;
    default: break;
  }
  if (simple != 0) {
    *w++ = '\\';
    *w++ = simple;
    return w;
  }
  if (cp < 0x10000) return WriteUnitEscape(w, cp);
  cp -= 0x10000;
  w = WriteUnitEscape(w, 0xD800 | (cp >> 10));
  return WriteUnitEscape(w, 0xDC00 | (cp & 0x3FF));
}


// Appends the escaped text of `utf8` and the closing quote, the way Python
// escapes it; false (with `out` partly written) when `utf8` is not UTF-8.
// Runs of printable ASCII are copied whole; only the bytes between them are
// looked at one by one, and their escapes are gathered in a small buffer.
bool AppendEscapedTail(std::string& out, std::string_view utf8) {
  constexpr std::size_t kBuffer = 256;
  constexpr std::size_t kMaxEscape = 12;
  char buffer[kBuffer];
  char* w = buffer;
  const auto flush = [&] {
    out.append(buffer, static_cast<std::size_t>(w - buffer));
    w = buffer;
  };
  const char* const begin = utf8.data();
  const char* const end = begin + utf8.size();
  for (const char* p = begin; p != end;) {
    const std::size_t run = python_json_internal::PlainAsciiRun(p, end);
    // Room for the run, one escape and the closing quote, or flush first.
    if (run + kMaxEscape + 1 > static_cast<std::size_t>(buffer + kBuffer - w)) {
      flush();
      if (run > kBuffer / 2) {
        out.append(p, run);
      } else {
        std::memcpy(w, p, run);
        w += run;
      }
    } else {
      python_json_internal::CopyRun(w, p, run, end - p >= 16 && buffer + kBuffer - w >= 16);
      w += run;
    }
    p += run;
    if (p == end) break;
    const auto lead = static_cast<unsigned char>(*p);
    if (lead < 0x80) {
      w = WriteEscaped(w, lead);
      ++p;
      continue;
    }
    std::size_t i = static_cast<std::size_t>(p - begin);
    std::uint32_t cp = 0;
    if (!NextCodePoint(utf8, i, cp)) {
      flush();
      return false;
    }
    p = begin + i;
    w = WriteEscaped(w, cp);
  }
  *w++ = '"';
  flush();
  return true;
}

}  // namespace

// The common case in one pass: printable ASCII, where only '"' and '\\'
// are escaped, is copied 16 (or 8) bytes at a time into a buffer on the
// stack, which is appended to `out` whenever it fills (so `out` is never
// zero-filled first); a block whose only special bytes are quotes and
// backslashes (JSON text inside a JSON string) gets all its escapes at once.
// The first other byte hands the rest to AppendEscapedTail.
bool AppendPythonJsonString(std::string_view utf8, std::string& out) {
  constexpr std::size_t kBuffer = 1024;
  constexpr std::ptrdiff_t kRoom = 64;  // the most one turn of the loop writes: 48 (16 bytes, 16 escapes)
  char buffer[kBuffer];
  char* w = buffer;
  *w++ = '"';
  const char* p = utf8.data();
  const char* const end = p + utf8.size();
  for (;;) {
    if (buffer + kBuffer - w < kRoom) {
      out.append(buffer, static_cast<std::size_t>(w - buffer));
      w = buffer;
    }
#if defined(__SSE2__)
    if (end - p >= 32) {  // the loads below read up to 31 bytes on
      const python_json_internal::Block16 block = python_json_internal::LoadBlock16(p);
      if (block.special == block.quote_or_backslash) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(w), block.bytes);
        // Input byte j is at o + j; each escape shifts the rest by one.
        char* o = w;
        for (unsigned m = block.quote_or_backslash; m != 0; m &= m - 1) {
          const unsigned k = static_cast<unsigned>(__builtin_ctz(m));
          o[k] = '\\';
          ++o;
          python_json_internal::Store16(o + k, p + k);
        }
        p += 16;
        w = o + 16;
        continue;
      }
    }
#endif
    if (end - p >= 16) {
      const std::size_t run = python_json_internal::PlainAsciiRun16(p, w);
      p += run;
      w += run;
      if (run == 16) continue;
    } else {
      if (end - p >= 8) {
        const std::size_t run = python_json_internal::PlainAsciiRun8(p, w);
        p += run;
        w += run;
        if (run == 8) continue;
      } else {
        while (p != end && python_json_internal::kPlainAscii[static_cast<unsigned char>(*p)]) *w++ = *p++;
      }
      if (p == end) break;
    }
    if (*p != '"' && *p != '\\') {
      out.append(buffer, static_cast<std::size_t>(w - buffer));
      return AppendEscapedTail(out, utf8.substr(static_cast<std::size_t>(p - utf8.data())));
    }
    *w++ = '\\';
    *w++ = *p++;
  }
  *w++ = '"';
  out.append(buffer, static_cast<std::size_t>(w - buffer));
  return true;
}

base::Result<std::string> PythonJsonString(std::string_view utf8) {
  std::string out;
  if (!AppendPythonJsonString(utf8, out)) return base::Status::InvalidInput("string is not UTF-8");
  return out;
}

namespace python_json_internal {

// Written into a buffer on the stack, appended to `out` whenever it fills
// (so `out` is never zero-filled first).
bool AppendUnescapedLiteral(std::string_view literal, std::string& out) {
  constexpr std::size_t kBuffer = 1024;
  constexpr std::ptrdiff_t kRoom = 64;  // the most one turn of the loop writes: 33
  char buffer[kBuffer];
  char* w = buffer;
  const std::size_t start = out.size();
  out.reserve(start + literal.size());  // the text is never longer than its literal
  const char* p = literal.data();
  const char* const end = p + literal.size();
  const auto fail = [&] {
    out.resize(start);
    return false;
  };
  for (;;) {
    if (buffer + kBuffer - w < kRoom) {
      out.append(buffer, static_cast<std::size_t>(w - buffer));
      w = buffer;
    }
#if defined(__SSE2__)
    // A block whose only special bytes are the '\\"' and '\\\\' escapes
    // (JSON text inside a JSON string) loses their backslashes at once; the
    // loads read up to 33 bytes on.
    if (end - p >= 34) {
      const Block16 block = LoadBlock16(p);
      if (block.special == block.quote_or_backslash) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(w), block.bytes);
        char* o = w;  // input byte j is at o + j
        unsigned carry = 0;
        unsigned m = block.quote_or_backslash;
        for (; m != 0; m &= ~(3u << carry)) {
          const unsigned k = static_cast<unsigned>(__builtin_ctz(m));
          // A bare quote or another escape: the loop below.
          if (p[k] != '\\' || (p[k + 1] != '"' && p[k + 1] != '\\')) break;
          --o;  // the backslash goes; byte k + 1 is kept as it is
          Store16(o + k + 1, p + k + 1);
          carry = k;
        }
        if (m != 0) {
          const unsigned k = static_cast<unsigned>(__builtin_ctz(m));
          w = o + k;
          p += k;
        } else {
          // An escape at byte 15 took byte 16 along.
          const unsigned next = block.quote_or_backslash != 0 && carry == 15 ? 17 : 16;
          w = o + next;
          p += next;
          continue;
        }
      }
    }
#endif
    if (end - p >= 16) {
      const std::size_t run = PlainAsciiRun16(p, w);
      p += run;
      w += run;
      if (run == 16) continue;
    } else {
      while (p != end && kPlainAscii[static_cast<unsigned char>(*p)]) *w++ = *p++;
      if (p == end) break;
    }
    if (*p != '\\' || end - p < 2) return fail();  // raw control, DEL or non-ASCII: Python escapes them
    if (const char simple = ShortEscape(p[1])) {  // '\\"' first: a JSON text inside a JSON string
      *w++ = simple;
      p += 2;
      continue;
    }
    std::uint32_t cp = 0;
    if (!ReadPythonUnitEscape(p, end, cp)) return fail();
    w = AppendUtf8(cp, w);
  }
  out.append(buffer, static_cast<std::size_t>(w - buffer));
  return true;
}

void AppendUnescapedTrustedLiteral(std::string_view trusted_literal, bool escaped, std::string& out) {
  if (!escaped) {
    out.append(trusted_literal);
    return;
  }
  if (AppendUnescapedLiteral(trusted_literal, out)) return;
  // Re-rendered text may hold the escapes ScanPythonJson leaves to the tree
  // ("\u0000", a lone low surrogate): decode those as the tree does.
  std::string quoted;
  quoted.reserve(trusted_literal.size() + 2);
  quoted.append(1, '"').append(trusted_literal).append(1, '"');
  auto part = ToPythonJsonByTree(quoted);
  if (part.ok()) out += part->string_value;
}

}  // namespace python_json_internal

}  // namespace rpc
