// Python's json dialect, as oslo.messaging and Nova write it on the wire:
// json.dumps with ensure_ascii and the separators ", " and ": ", keys in the
// order Python built its dicts, numbers written as Python prints them.
//
// ToPythonJson re-renders any JSON text that way (an object repeating a key
// keeps the last value at the first key's position, as json.loads does);
// SplitJsonObject / SplitJsonArray give the members of a document as Python
// JSON pieces; PythonJsonObjectWriter builds an object key by key. Used by
// the envelope, the `failure` field and Nova's request context and objects.
//
// Text that is already in Python's format (our own writers' output, or what
// Python sent) is recognised in one pass without building a tree and handed
// back as is; anything else is parsed into a tree and re-rendered. Both ways
// give the same result (rpc/python_json_internal.h; tested against each
// other in tests/unit/rpc/python_json_test.cpp and tests/fuzz/).
//
// Refused (kInvalidInput): invalid UTF-8 or encoded surrogates in the text, a
// lone high surrogate escape ("\ud800"), a number whose magnitude is beyond
// 1e308 as written, nesting deeper than kMaxJsonDepth. Pure functions, no
// state; safe from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace rpc {
// ---------------------------------------------------------------------------
// Python's json dialect
// ---------------------------------------------------------------------------

inline constexpr std::size_t kMaxJsonDepth = 512;

enum class JsonKind { kNull, kBool, kNumber, kString, kArray, kObject };

// One JSON value as Python's json.dumps(json.loads(text)) writes it.
struct JsonPart {
  JsonKind kind = JsonKind::kNull;
  std::string json;          // the value in Python's format
  std::string string_value;  // kString only: the decoded UTF-8 text
};

struct JsonMember {
  std::string key;
  JsonPart value;
};

// Re-writes any JSON text in Python's format. Integers keep all their digits;
// other numbers are written as Python's repr(float) would. kInvalidInput when
// the text is not JSON (the message names RapidJSON's error and offset).
base::Result<JsonPart> ToPythonJson(std::string_view json);

// The members of a JSON object, in Python's dict order, each in Python's
// format. kInvalidInput when the text is not JSON or not an object.
base::Result<std::vector<JsonMember>> SplitJsonObject(std::string_view json);

// The items of a JSON array, each in Python's format. kInvalidInput when the
// text is not JSON or not an array.
base::Result<std::vector<JsonPart>> SplitJsonArray(std::string_view json);

// SplitJsonObject for text these functions already produced and checked (a
// JsonPart::json, ToPythonJson's output): it is only split, not checked
// again, which saves a pass over every nested value. Text that does not have
// the shape of a Python-format object goes to SplitJsonObject; other text
// that merely has that shape gives unspecified members (but no exception and
// no read outside `python_json`), so pass only such values.
base::Result<std::vector<JsonMember>> SplitPythonJsonObject(std::string_view python_json);

// A member of an object in Python's format, as views into its text (which
// must outlive it): nothing is copied or unescaped until asked for.
struct JsonMemberView {
  std::string_view key_literal;  // the key's literal between its quotes
  bool key_escaped = false;      // key_literal holds a backslash escape
  JsonKind kind = JsonKind::kNull;
  std::string_view json;         // the value in Python's format
  bool value_escaped = false;    // kString: the literal holds a backslash escape

  // Whether the (unescaped) key is `utf8`.
  bool KeyIs(std::string_view utf8) const;
  std::string Key() const;
  // kString only: the decoded UTF-8 text.
  std::string StringValue() const;
  // kString only: the same text, as a view into the literal when it holds no
  // escape (no copy), else decoded into `storage`.
  std::string_view StringView(std::string& storage) const;
};

// SplitPythonJsonObject without copies, for the same checked text only (a
// JsonPart::json, a JsonMemberView::json of such text, ToPythonJson's
// output): views into `python_json`. kInvalidInput when the text does not
// have the shape of a Python-format object.
base::Result<std::vector<JsonMemberView>> SplitPythonJsonObjectViews(std::string_view python_json);

// The members of any JSON object as views, checked in one pass: into `json`
// itself when it is already in Python's format (nothing copied), else into
// its re-rendered text, which is put in `storage` (which must outlive the
// views). kInvalidInput when the text is not JSON or not an object.
base::Result<std::vector<JsonMemberView>> SplitJsonObjectViews(std::string_view json, std::string& storage);

// Building blocks for writers of other Python-JSON documents:
// AppendQuoted appends the quoted, escaped string literal for `utf8` and
// returns false (appending nothing useful) when `utf8` is not UTF-8;
// AppendPythonFloat appends repr(float) (shortest round-trip, "1e+16" style
// exponents, "NaN"/"Infinity"); PythonFloatValue reads a JSON number text as
// Python's float() would.
bool AppendQuoted(std::string& out, std::string_view utf8);
void AppendPythonFloat(double value, std::string& out);
double PythonFloatValue(std::string_view text);

// The JSON string literal for `utf8`, quoted and escaped as Python does.
// kInvalidInput when `utf8` is not UTF-8.
base::Result<std::string> PythonJsonString(std::string_view utf8);

// Builds one JSON object in Python's format, members in call order. Values
// given to Raw() must already be in Python's format (e.g. a JsonPart::json).
// Keys are not de-duplicated: the caller adds each key once.
class PythonJsonObjectWriter {
 public:
  PythonJsonObjectWriter() : PythonJsonObjectWriter(256) {}  // most objects fit: one allocation
  // Room for `reserve` bytes of text up front, for an object known to be larger.
  explicit PythonJsonObjectWriter(std::size_t reserve);

  PythonJsonObjectWriter& Raw(std::string_view key, std::string_view python_json);
  PythonJsonObjectWriter& String(std::string_view key, std::string_view utf8);
  PythonJsonObjectWriter& OptionalString(std::string_view key, const std::optional<std::string>& utf8);
  PythonJsonObjectWriter& StringArray(std::string_view key, const std::vector<std::string>& utf8);
  PythonJsonObjectWriter& Int(std::string_view key, std::int64_t value);
  PythonJsonObjectWriter& Bool(std::string_view key, bool value);
  PythonJsonObjectWriter& Null(std::string_view key);
  // A member whose key is `key_prefix` (plain ASCII) followed by
  // `key_literal`, the inside of a key's string literal that is already in
  // Python's format (a JsonMemberView::key_literal): copied as it is.
  PythonJsonObjectWriter& RawMember(std::string_view key_prefix, std::string_view key_literal,
                                    std::string_view python_json);

  // The object's text. kInvalidInput naming the first key whose name or
  // string value was not UTF-8.
  base::Result<std::string> Finish() &&;

 private:
  // At least n writable bytes after the text; valid until the next call.
  char* Room(std::size_t n) {
    if (buffer_.size() - size_ < n) Grow(n);
    return buffer_.data() + size_;
  }
  void Grow(std::size_t n);
  void Append(std::string_view text);
  void Key(std::string_view key);
  void Value(std::string_view key, std::string_view utf8);

  // The text is buffer_[0, size_); the rest of buffer_ is room to write in,
  // so that a member is written in place, and Finish hands the buffer out.
  std::string buffer_;
  std::size_t size_ = 0;
  std::string bad_key_;  // first key with a non-UTF-8 string; empty if none
  bool bad_ = false;
};

}  // namespace rpc
