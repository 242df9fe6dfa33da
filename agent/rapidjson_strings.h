// Strings in and out of RapidJSON, in one place: RapidJSON takes and gives
// (pointer, SizeType) pairs, and every agent/ file that reads or writes JSON
// needs the same few conversions: a view's length, a string Value as a
// view, writing a view as a key or string, a Value as compact JSON text.
// Header-only; the views returned borrow the Value's storage (valid while
// it lives).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace agent {

// `text`'s length as RapidJSON's SizeType; a text that does not fit (4 GiB)
// is a programming error: every reader caps far below it (agent/input/limits.h).
inline rapidjson::SizeType JsonLength(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(static_cast<rapidjson::SizeType>(-1))) {
    throw std::length_error("string too long for RapidJSON");
  }
  return static_cast<rapidjson::SizeType>(text.size());
}

// The string value (or member name) `value` as a view; `value` must be a string.
inline std::string_view JsonStringView(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

// writer.Key / writer.String for a view (any RapidJSON Writer).
template <typename Writer>
void WriteJsonKey(Writer& writer, std::string_view key) {
  writer.Key(key.data(), JsonLength(key));
}
template <typename Writer>
void WriteJsonString(Writer& writer, std::string_view text) {
  writer.String(text.data(), JsonLength(text));
}

// An object member: the key, then the string, or null for an empty optional.
template <typename Writer>
void WriteJsonMember(Writer& writer, std::string_view key, std::string_view text) {
  WriteJsonKey(writer, key);
  WriteJsonString(writer, text);
}
template <typename Writer>
void WriteJsonOptionalMember(Writer& writer, std::string_view key, const std::optional<std::string>& text) {
  WriteJsonKey(writer, key);
  if (text) {
    WriteJsonString(writer, *text);
  } else {
    writer.Null();
  }
}

// RapidJSON's Writer as bdm-agent writes JSON it read: a number that is not
// finite (which a parse with kParseNanAndInfFlag takes from what Python's
// json module writes) is written back as Python writes it, NaN, Infinity or
// -Infinity, where the default Writer would stop mid-document.
template <typename OutputStream>
using PythonJsonWriter = rapidjson::Writer<OutputStream, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator,
                                           rapidjson::kWriteNanAndInfFlag>;

// `value` as compact JSON text (no spaces, members in order, non-finite
// numbers as Python writes them). `value` must come from a bounded parse or
// our own building (Accept recurses over its depth).
inline std::string CompactJsonText(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  PythonJsonWriter<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace agent
