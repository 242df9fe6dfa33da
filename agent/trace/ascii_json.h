// The JSON `trace decode` prints, written in one pass: what RapidJSON's
// Writer (or PrettyWriter) with kWriteNanAndInfFlag writes for a Value
// (agent/rapidjson_strings.h: PythonJsonWriter), then AsciiJson
// (agent/terminal_text.h) over it, without the intermediate text. `trace
// decode` writes every entry so; the two passes cost it about a fifth of its
// time.
//
// AppendAsciiJson(value, out) appends exactly AsciiJson(CompactJsonText(value)).
// AppendAsciiPrettyJson(value, indent, out) appends exactly AsciiJson(p) where
// p is what a PrettyWriter indenting by two spaces writes, with `indent`
// after each of its newlines. A NaN or an infinity is written as Python's
// json module writes it (NaN, Infinity, -Infinity), never cut short.
//
// `value` must come from a bounded parse or our own building (the writing
// recurses over its depth, as Accept does). Pure functions; safe from any
// thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace agent::trace {

// A growable byte buffer written through a pointer (growing a std::string
// zero-fills, and appending to it checks its capacity at every byte).
class JsonOutput {
 public:
  std::string_view text() const { return {data_.get(), size_}; }
  void clear() { size_ = 0; }
  // Drops what was appended after the first `size` bytes.
  void Truncate(std::size_t size) {
    if (size < size_) size_ = size;
  }
  void Append(std::string_view bytes);

  // Where `n` more bytes can be written; Commit(end) then takes them up to `end`.
  char* Room(std::size_t n) {
    if (capacity_ - size_ < n) Grow(n);
    return data_.get() + size_;
  }
  void Commit(const char* end) { size_ = static_cast<std::size_t>(end - data_.get()); }

 private:
  void Grow(std::size_t n);

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

void AppendAsciiJson(const rapidjson::Value& value, JsonOutput& out);

void AppendAsciiPrettyJson(const rapidjson::Value& value, std::string_view indent, JsonOutput& out);

}  // namespace agent::trace
