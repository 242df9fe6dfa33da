// Text bound for a terminal: whatever bdm-agent prints (messages on stderr,
// tables and lines on stdout, JSON) may hold bytes from the command line, the
// databases, Cinder or the files it reads, and none of them may drive the
// operator's terminal (an OSC title change, a cursor move, a line overwritten
// with '\r').
//
// EscapeControls makes such text inert and keeps it readable:
//   C0 controls (0x00-0x1F) and DEL      -> \xHH  (so ESC is \x1b, '\n' \x0a)
//   C1 controls U+0080-U+009F            -> \uHHHH (written in UTF-8 they are
//                                            two bytes; some terminals obey them)
//   a byte that is not part of valid UTF-8 -> \xHH
//   a '\' followed by '\', 'x' or 'u'    -> "\\" (so a literal "\x1b" in the
//                                            data prints as "\\x1b")
// Everything else (printable ASCII, valid UTF-8 from U+00A0 up) is kept, and
// so is a '\' before any other character: the output reads back
// unambiguously ("\\" is '\', "\xHH" a byte, "\uHHHH" a code point, any other
// '\' itself), while paths and ordinary text print as they are.
//
// AsciiJson turns JSON text (as a writer produced it, or as stored) into pure
// printable ASCII the way Python's json.dumps(ensure_ascii=True) writes it,
// which is what nova-manage prints: every non-ASCII code point becomes
// \uHHHH (a surrogate pair above U+FFFF), DEL \u007f and C0 controls other
// than '\n' \u00HH; a byte that is not valid UTF-8 becomes \ufffd (JSON
// cannot carry it). In valid JSON those characters only occur inside strings,
// where the escapes mean the same text, so valid JSON stays valid and equal.
//
// Pure functions, no state.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace agent {

std::string EscapeControls(std::string_view text);

std::string AsciiJson(std::string_view json);

// Whether AsciiJson(json) == json: every byte printable ASCII (0x20-0x7E) and
// the last one not a backslash (one pass that the compiler vectorizes, so that
// writers of much JSON can skip the copy).
bool AsciiJsonKeepsAsIs(std::string_view json);

namespace terminal_detail {
inline std::string Escaped(const char* text) { return EscapeControls(text); }
inline std::string Escaped(const std::string& text) { return EscapeControls(text); }
template <typename T>
  requires std::is_arithmetic_v<T>
T Escaped(T number) {
  return number;
}
inline const char* Arg(const std::string& text) { return text.c_str(); }
template <typename T>
  requires std::is_arithmetic_v<T>
T Arg(T number) {
  return number;
}
}  // namespace terminal_detail

// std::fprintf(out, format, args...) with every string argument (const char*
// or std::string, for %s) passed through EscapeControls first: the format's
// own text (its newlines) is printed as written, the values inert. For the
// lines commands print on stdout.
template <typename... Args>
void PrintEscaped(std::FILE* out, const char* format, const Args&... args) {
  const auto held = std::make_tuple(terminal_detail::Escaped(args)...);
  std::apply([&](const auto&... arg) { std::fprintf(out, format, terminal_detail::Arg(arg)...); }, held);
}

}  // namespace agent
