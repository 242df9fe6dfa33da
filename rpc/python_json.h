// Python's json dialect, as oslo.messaging and Nova write it on the wire:
// json.dumps with ensure_ascii and the separators ", " and ": ", keys in the
// order Python built its dicts, numbers written as Python prints them.
//
// ToPythonJson re-renders any JSON text that way (an object repeating a key
// keeps the last value at the first key's position, as json.loads does);
// SplitJsonObject / SplitJsonArray give the members of a document as Python
// JSON pieces; PythonJsonObjectWriter builds an object key by key. Used by
// the envelope, the RPC codec, the `failure` field and Nova's request
// context and objects.
//
// The words of this family (python_json*.h/.cpp, python_json_index.h, and
// the names callers build on them), each with one meaning:
// - Python JSON, "in Python's format": text exactly as json.dumps writes it
//   (the rules above; every code point has one spelling, each key appears
//   once). "Python" in a name means this format, or Python's semantics
//   (PythonFloatValue), and nothing else.
// - Trusted: a function or parameter with "Trusted" in its name does not
//   check its text. The caller vouches that it is Python JSON which our own
//   checks accepted or our own writers wrote: a JsonPart::json, a
//   JsonMemberView::json of such text, ToPythonJson's or a writer's output,
//   a decoded request's args_json/context_json (RpcRequest::json_trusted).
//   Text that merely has the shape of Python JSON gives unspecified values,
//   but never an exception nor a read outside the text. A trusted reader
//   (SplitTrusted*, JsonIndex::BuildTrusted, proto_compat's
//   ReadTrustedNovaObject) refuses (kInvalidInput) text that does not even
//   have the shape it expects, and never falls back to checking it; a
//   writer copies trusted text as it is.
// - A function without "Trusted" in its name checks the JSON text it takes
//   and says what it refuses. Two kinds read without checking: a member
//   view's accessors (its text is trusted), and PythonFloatValue (a number's
//   text, read as float() reads it).
// - A literal is the inside of a JSON string literal as it stands in the
//   text: without its quotes, escapes not decoded.
// - A member view (JsonMemberView) is the one type for a member or item as
//   views into trusted text: splitting, the index (rpc/python_json_index.h)
//   and the decoded request's context all give it.
// - Results are returned, as Result<...> where a failure has a message.
//   Out-parameters remain only where a caller's buffer is reused for speed,
//   and then always come last: `out` (appended to), `storage`.
//
// Text that is already in Python's format is recognised in one pass without
// building a tree and handed back as is; anything else is parsed into a tree
// and re-rendered. Both ways give the same result (rpc/python_json_internal.h;
// tested against each other in tests/unit/rpc/python_json_test.cpp and
// tests/fuzz/).
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

inline constexpr std::size_t kMaxJsonDepth = 512;

enum class JsonKind { kNull, kBool, kNumber, kString, kArray, kObject };

// One JSON value as Python's json.dumps(json.loads(text)) writes it.
struct JsonPart {
  JsonKind kind = JsonKind::kNull;
  std::string json;          // the value in Python's format (trusted)
  std::string string_value;  // kString only: the decoded UTF-8 text
};

struct JsonMember {
  std::string key;
  JsonPart value;
};

// A member of an object (or an item of an array: no key) as views into
// trusted text, which must outlive it: nothing is copied or unescaped until
// asked for.
struct JsonMemberView {
  std::string_view key_literal;  // the key's literal
  bool key_escaped = false;      // key_literal holds a backslash escape
  JsonKind kind = JsonKind::kNull;
  std::string_view json;         // the value in Python's format (trusted)
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

// The members of any JSON object as views, checked in one pass: into `json`
// itself when it is already in Python's format (nothing copied), else into
// its re-rendered text, which is put in `storage` (which must outlive the
// views). kInvalidInput when the text is not JSON or not an object.
base::Result<std::vector<JsonMemberView>> SplitJsonObjectViews(std::string_view json, std::string& storage);

// SplitJsonObject for trusted text: it is only split, not checked again,
// which saves a pass over every nested value. kInvalidInput when the text
// does not have the shape of an object in Python's format.
base::Result<std::vector<JsonMember>> SplitTrustedJsonObject(std::string_view trusted_json);

// The same without copies: views into `trusted_json`. Same refusal.
base::Result<std::vector<JsonMemberView>> SplitTrustedJsonObjectViews(std::string_view trusted_json);

// Building blocks for writers of other Python-JSON documents:
// AppendPythonJsonString appends the quoted, escaped string literal for
// `utf8` and returns false (appending nothing useful) when `utf8` is not
// UTF-8; AppendPythonFloat appends repr(float) (shortest round-trip, "1e+16"
// style exponents, "NaN"/"Infinity"); PythonFloatValue reads a JSON number
// text as Python's float() would.
bool AppendPythonJsonString(std::string_view utf8, std::string& out);
void AppendPythonFloat(double value, std::string& out);
double PythonFloatValue(std::string_view text);

// A value in Python's format quoted for an error message: its first 80
// bytes, with "..." when it is longer (one line, ASCII, bounded).
std::string JsonExcerpt(std::string_view python_json);

// The JSON string literal for `utf8`, quoted and escaped as Python does.
// kInvalidInput when `utf8` is not UTF-8.
base::Result<std::string> PythonJsonString(std::string_view utf8);

// Builds one JSON object in Python's format, members in call order. Names
// and string values are checked (Finish reports the first that is not
// UTF-8); what TrustedJson and TrustedMember are given is copied as it is.
// Keys are not de-duplicated: the caller adds each key once.
class PythonJsonObjectWriter {
 public:
  PythonJsonObjectWriter() : PythonJsonObjectWriter(256) {}  // most objects fit: one allocation
  // Room for `reserve` bytes of text up front, for an object known to be larger.
  explicit PythonJsonObjectWriter(std::size_t reserve);

  // A member whose value is trusted text (e.g. a JsonPart::json).
  PythonJsonObjectWriter& TrustedJson(std::string_view key, std::string_view trusted_json);
  PythonJsonObjectWriter& String(std::string_view key, std::string_view utf8);
  PythonJsonObjectWriter& OptionalString(std::string_view key, const std::optional<std::string>& utf8);
  PythonJsonObjectWriter& StringArray(std::string_view key, const std::vector<std::string>& utf8);
  PythonJsonObjectWriter& Int(std::string_view key, std::int64_t value);
  PythonJsonObjectWriter& Bool(std::string_view key, bool value);
  PythonJsonObjectWriter& Null(std::string_view key);
  // A member whose key is `key_prefix` (plain ASCII) followed by
  // `trusted_key_literal` (a JsonMemberView::key_literal), with a trusted
  // value: all copied as they are.
  PythonJsonObjectWriter& TrustedMember(std::string_view key_prefix, std::string_view trusted_key_literal,
                                        std::string_view trusted_json);

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
