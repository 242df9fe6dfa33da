// Python's json.dumps string escaping, ensure_ascii=True (rpc/python_json.h).
#include "rpc/python_json.h"

#include <cstdint>
#include <cstring>

#include "rpc/python_json_scan_internal.h"

namespace rpc {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

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
bool AppendQuoted(std::string& out, std::string_view utf8) {
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
  if (!AppendQuoted(out, utf8)) return base::Status::InvalidInput("string is not UTF-8");
  return out;
}

}  // namespace rpc
