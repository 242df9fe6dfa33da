// Parsing JSON that comes from outside the process (a file an operator
// names, a journal line, a database column, an answer of Cinder or
// Keystone) so that no input can exhaust the stack or the memory, nor be
// read one way here and another way by the peer we send it on to:
// * a text longer than JsonLimits::max_bytes is refused before parsing;
// * RapidJSON's reader runs iteratively (kParseIterativeFlag: it never
//   recurses) behind a handler that stops at max_depth nested arrays and
//   objects, so the recursive code that runs on a Document afterwards
//   (Accept and the writers, CopyFrom, MaskSecrets) never meets a deeper
//   tree;
// * a NUL byte is refused wherever it is (RapidJSON would take it for the
//   end of the text and ignore what follows), a UTF-8 byte order mark too
//   (Python's json refuses it; RapidJSON would skip it), and strings must be
//   valid UTF-8, once decoded too: a "\uDC00" escape standing alone (a lone
//   surrogate) is refused, as RapidJSON decodes it to bytes that are not
//   UTF-8 and that neither this parser nor Cinder would read back;
// * with DuplicateKeys::kRefuse an object holding a key twice, at any depth,
//   is refused: RapidJSON's FindMember finds the first, Python's json keeps
//   the last, so a value checked here could differ from the one a peer uses.
// Numbers are converted with full precision (std::from_chars: correctly
// rounded), integers kept exact up to 64 bits; one below the smallest double
// is 0 (as Python reads it), one beyond the largest is refused.
//
// Failures are InvalidInput, the message a phrase for the caller to put
// after its own context ("connection_info is not valid JSON (...)"), never
// quoting the text except a duplicated key (escaped, shortened):
//   "larger than <N> bytes"
//   "<RapidJSON's reason> at offset <N>" ("Invalid value at offset 0")
//   "NUL byte at offset <N>", "UTF-8 byte order mark at offset 0"
//   "a \\u escape that is a lone UTF-16 surrogate, before offset <N>"
//   "a number larger than a double at offset <N>"
//   "nested deeper than <N> levels at offset <N>"
//   "key \"<key>\" appears twice in the top-level object" (or "in the object
//   at <JSON pointer>", e.g. "/data/targets/0")
//
// Pure functions; no shared state.
#pragma once

#include <cstddef>
#include <string_view>

#include <rapidjson/document.h>

#include "agent/input/limits.h"
#include "base/result.h"

namespace agent::input {

enum class DuplicateKeys { kAllow, kRefuse };

struct JsonLimits {
  std::size_t max_bytes = 0;  // one of limits.h's sizes
  int max_depth = kMaxJsonDepth;
  DuplicateKeys duplicate_keys = DuplicateKeys::kAllow;
};

base::Result<rapidjson::Document> ParseBoundedJson(std::string_view text, const JsonLimits& limits);

}  // namespace agent::input
