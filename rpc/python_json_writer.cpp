// PythonJsonObjectWriter (rpc/python_json.h).
#include "rpc/python_json.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

#include "rpc/python_json_internal.h"

namespace rpc {

// ---- PythonJsonObjectWriter -------------------------------------------------

namespace {

// Room past a text for what follows it in a member (separators, quotes) and
// for the 16 bytes AllPlainPadded may read past it.
constexpr std::size_t kSlack = 8 + 16;

// Copies `text` to w and returns the end; an empty view may have no data
// pointer, which memcpy must not be given.
char* Copy(char* w, std::string_view text) {
  if (!text.empty()) std::memcpy(w, text.data(), text.size());
  return w + text.size();
}

}  // namespace

PythonJsonObjectWriter::PythonJsonObjectWriter(std::size_t reserve) {
  buffer_.resize(std::max<std::size_t>(reserve, 64));
  buffer_[0] = '{';
  size_ = 1;
}

void PythonJsonObjectWriter::Grow(std::size_t n) { buffer_.resize(std::max(2 * buffer_.size(), size_ + n)); }

void PythonJsonObjectWriter::Append(std::string_view text) {
  Copy(Room(text.size()), text);
  size_ += text.size();
}

// The usual key is copied in place with its separators and then checked
// there: printable ASCII other than quote and backslash is written as is.
void PythonJsonObjectWriter::Key(std::string_view key) {
  char* const start = Room(key.size() + kSlack);
  char* w = start;
  if (size_ > 1) *w++ = ',', *w++ = ' ';
  *w++ = '"';
  Copy(w, key);
  if (python_json_internal::AllPlainPadded(w, key.size())) {
    w += key.size();
    *w++ = '"', *w++ = ':', *w++ = ' ';
    size_ += static_cast<std::size_t>(w - start);
    return;
  }
  std::string quoted;
  if (!AppendPythonJsonString(key, quoted) && !bad_) bad_ = true, bad_key_ = "a key";
  size_ += static_cast<std::size_t>(w - 1 - start);
  Append(quoted);
  Append(": ");
}

void PythonJsonObjectWriter::Value(std::string_view key, std::string_view utf8) {
  char* w = Room(utf8.size() + kSlack);
  *w++ = '"';
  Copy(w, utf8);
  if (python_json_internal::AllPlainPadded(w, utf8.size())) {
    w[utf8.size()] = '"';
    size_ += utf8.size() + 2;
    return;
  }
  std::string quoted;
  if (!AppendPythonJsonString(utf8, quoted) && !bad_) bad_ = true, bad_key_ = key;
  Append(quoted);
}

PythonJsonObjectWriter& PythonJsonObjectWriter::TrustedJson(std::string_view key, std::string_view trusted_json) {
  Key(key);
  Append(trusted_json);
  return *this;
}

PythonJsonObjectWriter& PythonJsonObjectWriter::String(std::string_view key, std::string_view utf8) {
  Key(key);
  Value(key, utf8);
  return *this;
}

PythonJsonObjectWriter& PythonJsonObjectWriter::Int(std::string_view key, std::int64_t value) {
  Key(key);
  char* const w = Room(24);
  size_ += static_cast<std::size_t>(std::to_chars(w, w + 24, value).ptr - w);
  return *this;
}

PythonJsonObjectWriter& PythonJsonObjectWriter::OptionalString(std::string_view key,
                                                               const std::optional<std::string>& utf8) {
  return utf8 ? String(key, *utf8) : Null(key);
}

PythonJsonObjectWriter& PythonJsonObjectWriter::StringArray(std::string_view key,
                                                            const std::vector<std::string>& utf8) {
  Key(key);
  Append("[");
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    if (i > 0) Append(", ");
    Value(key, utf8[i]);
  }
  Append("]");
  return *this;
}

PythonJsonObjectWriter& PythonJsonObjectWriter::TrustedMember(std::string_view key_prefix,
                                                              std::string_view trusted_key_literal,
                                                              std::string_view trusted_json) {
  char* const start = Room(key_prefix.size() + trusted_key_literal.size() + trusted_json.size() + kSlack);
  char* w = start;
  if (size_ > 1) *w++ = ',', *w++ = ' ';
  *w++ = '"';
  w = Copy(Copy(w, key_prefix), trusted_key_literal);
  *w++ = '"', *w++ = ':', *w++ = ' ';
  w = Copy(w, trusted_json);
  size_ += static_cast<std::size_t>(w - start);
  return *this;
}

PythonJsonObjectWriter& PythonJsonObjectWriter::Bool(std::string_view key, bool value) {
  return TrustedJson(key, value ? "true" : "false");
}

PythonJsonObjectWriter& PythonJsonObjectWriter::Null(std::string_view key) { return TrustedJson(key, "null"); }

base::Result<std::string> PythonJsonObjectWriter::Finish() && {
  if (bad_) return base::Status::InvalidInput("'" + bad_key_ + "' is not UTF-8");
  Append("}");
  buffer_.resize(size_);
  return std::move(buffer_);
}

}  // namespace rpc
