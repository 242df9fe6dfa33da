// JsonNestingWithin: whether JSON text nests objects and arrays at most
// `limit` deep, found by one pass over the bytes (brackets inside strings
// not counted). RapidJSON's DOM and its Accept recurse per level, so text
// from a file or the wire is checked with this before it is parsed.
// ParseJsonWithin gives the same answer as that check followed by the parse,
// in one pass: it counts the depth while RapidJSON parses, and stops it at
// the limit; only a text that fails to parse, or that a NUL byte ends early,
// is scanned again. ParseJsonInsituWithin does it without a copy of each
// string (the document's strings point into one copy of the text that its
// allocator holds).
// Header-only, no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/reader.h>

#include "agent/json_insitu_stream.h"

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

enum class JsonParse { kParsed, kTooDeep, kInvalid };

namespace json_depth_detail {
// Forwards RapidJSON's SAX events to a Document, refusing an object or array
// that would nest deeper than `limit`.
struct DepthLimitedHandler {
  rapidjson::Document& document;
  std::size_t limit;
  std::size_t depth = 0;
  bool too_deep = false;

  bool Enter() {
    if (++depth <= limit) return true;
    too_deep = true;
    return false;
  }
  bool Null() { return document.Null(); }
  bool Bool(bool b) { return document.Bool(b); }
  bool Int(int i) { return document.Int(i); }
  bool Uint(unsigned i) { return document.Uint(i); }
  bool Int64(std::int64_t i) { return document.Int64(i); }
  bool Uint64(std::uint64_t i) { return document.Uint64(i); }
  bool Double(double d) { return document.Double(d); }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool copy) { return document.RawNumber(str, length, copy); }
  bool String(const char* str, rapidjson::SizeType length, bool copy) { return document.String(str, length, copy); }
  bool Key(const char* str, rapidjson::SizeType length, bool copy) { return document.Key(str, length, copy); }
  bool StartObject() { return Enter() && document.StartObject(); }
  bool EndObject(rapidjson::SizeType members) {
    --depth;
    return document.EndObject(members);
  }
  bool StartArray() { return Enter() && document.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    --depth;
    return document.EndArray(elements);
  }
};
}  // namespace json_depth_detail

namespace json_depth_detail {
// The parse of ParseJsonWithin and ParseJsonInsituWithin: `stream` reads
// `text` (a NUL ends it for RapidJSON whatever the stream).
template <unsigned Flags, typename Stream>
JsonParse ParseWithin(rapidjson::Document& document, Stream& stream, std::string_view text, std::size_t limit) {
  DepthLimitedHandler handler{document, limit};
  bool parsed = false;
  const auto generate = [&](rapidjson::Document&) {
    rapidjson::Reader reader;
    parsed = !reader.Parse<Flags>(stream, handler).IsError();
    return parsed;
  };
  document.Populate(generate);
  if (handler.too_deep) return JsonParse::kTooDeep;
  // The parser stopped before the end (a syntax error, or a NUL byte): what
  // follows may still nest too deep for JsonNestingWithin.
  if (!parsed || std::memchr(text.data(), '\0', text.size()) != nullptr) {
    if (!JsonNestingWithin(text, limit)) return JsonParse::kTooDeep;
  }
  return parsed ? JsonParse::kParsed : JsonParse::kInvalid;
}
}  // namespace json_depth_detail

// Parses `text` into `document` (with RapidJSON's `Flags`) unless it nests
// deeper than `limit`: the answer of JsonNestingWithin(text, limit) (kTooDeep
// when false), then of document.Parse<Flags>(text.data(), text.size())
// (kParsed or kInvalid). `document` is only meaningful after kParsed.
template <unsigned Flags>
JsonParse ParseJsonWithin(rapidjson::Document& document, const std::string& text, std::size_t limit) {
  rapidjson::StringStream stream(text.c_str());
  return json_depth_detail::ParseWithin<Flags>(document, stream, text, limit);
}

// ParseJsonWithin, the same answer and the same document, without copying
// each string: `text` is copied once into `document`'s allocator and parsed
// there in place (kParseInsituFlag), so the document's strings point into
// that copy and live exactly as long as the allocator does (a document that
// shares another's allocator gives its values to that one safely). Values
// copied out into another allocator must copy their strings (CopyFrom with
// copyConstStrings) or not outlive this allocator.
template <unsigned Flags>
JsonParse ParseJsonInsituWithin(rapidjson::Document& document, std::string_view text, std::size_t limit) {
  char* copy = static_cast<char*>(document.GetAllocator().Malloc(text.size() + 1 + kInsituPadding));
  std::memcpy(copy, text.data(), text.size());
  std::memset(copy + text.size(), '\0', 1 + kInsituPadding);
  PaddedInsituStream stream(copy);
  return json_depth_detail::ParseWithin<Flags | rapidjson::kParseInsituFlag>(document, stream, text, limit);
}

}  // namespace agent
