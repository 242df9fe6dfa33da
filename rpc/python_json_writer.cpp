// PythonJsonObjectWriter (rpc/python_json.h).
#include "rpc/python_json.h"

#include <cstring>
#include <utility>

#include "rpc/python_json_scan_internal.h"

namespace rpc {

// ---- PythonJsonObjectWriter -------------------------------------------------

void PythonJsonObjectWriter::Key(std::string_view key) {
  constexpr std::size_t kShortKey = 120;
  if (key.size() <= kShortKey &&
      python_json_internal::PlainAsciiRun(key.data(), key.data() + key.size()) == key.size()) {
    // The usual key: separator, quoted key and colon in one append.
    char buffer[kShortKey + 8];
    char* w = buffer;
    if (out_.size() > 1) *w++ = ',', *w++ = ' ';
    *w++ = '"';
    std::memcpy(w, key.data(), key.size());
    w += key.size();
    *w++ = '"', *w++ = ':', *w++ = ' ';
    out_.append(buffer, static_cast<std::size_t>(w - buffer));
    return;
  }
  if (out_.size() > 1) out_ += ", ";
  if (!AppendQuoted(out_, key) && !bad_) bad_ = true, bad_key_ = "a key";
  out_ += ": ";
}

void PythonJsonObjectWriter::Value(std::string_view key, std::string_view utf8) {
  if (!AppendQuoted(out_, utf8) && !bad_) bad_ = true, bad_key_ = key;
}

PythonJsonObjectWriter& PythonJsonObjectWriter::Raw(std::string_view key, std::string_view python_json) {
  Key(key);
  out_ += python_json;
  return *this;
}

PythonJsonObjectWriter& PythonJsonObjectWriter::String(std::string_view key, std::string_view utf8) {
  Key(key);
  Value(key, utf8);
  return *this;
}

PythonJsonObjectWriter& PythonJsonObjectWriter::OptionalString(std::string_view key,
                                                               const std::optional<std::string>& utf8) {
  return utf8 ? String(key, *utf8) : Null(key);
}

PythonJsonObjectWriter& PythonJsonObjectWriter::StringArray(std::string_view key,
                                                            const std::vector<std::string>& utf8) {
  Key(key);
  out_ += '[';
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    if (i > 0) out_ += ", ";
    Value(key, utf8[i]);
  }
  out_ += ']';
  return *this;
}

PythonJsonObjectWriter& PythonJsonObjectWriter::Bool(std::string_view key, bool value) {
  return Raw(key, value ? "true" : "false");
}

PythonJsonObjectWriter& PythonJsonObjectWriter::Null(std::string_view key) { return Raw(key, "null"); }

base::Result<std::string> PythonJsonObjectWriter::Finish() && {
  if (bad_) return base::Status::InvalidInput("'" + bad_key_ + "' is not UTF-8");
  out_ += '}';
  return std::move(out_);
}

}  // namespace rpc
