// JsonNestingWithin: whether JSON text nests objects and arrays at most
// `limit` deep, found by one pass over the bytes (brackets inside strings
// not counted). RapidJSON's DOM and its Accept recurse per level, so text
// from a file or the wire is checked with this before it is parsed.
// Header-only, no state.
#pragma once

#include <cstddef>
#include <string_view>

namespace agent {

inline bool JsonNestingWithin(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return true;
}

}  // namespace agent
