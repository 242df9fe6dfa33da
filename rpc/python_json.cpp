#include "rpc/python_json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace rpc {
namespace {

// ---- Python's json.dumps, ensure_ascii=True ------------------------------

// Reads one UTF-8 sequence at s[i]. Encoded surrogates are accepted: RapidJSON
// turns a lone "\udc00" escape into one, and Python writes it back as is.
bool NextCodePoint(std::string_view s, std::size_t& i, std::uint32_t& cp) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t length = 1;
  std::uint32_t min = 0;
  if (lead < 0x80) {
    cp = lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (s.size() - i < length) return false;
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(s[i + k]);
    if ((next & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (next & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF) return false;
  i += length;
  return true;
}

void AppendUnitEscape(std::string& out, std::uint32_t unit) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xF];
}

}  // namespace


// Appends `utf8` as a quoted JSON string the way Python escapes it; false
// (with `out` partly written) when `utf8` is not UTF-8.
bool AppendQuoted(std::string& out, std::string_view utf8) {
  out += '"';
  for (std::size_t i = 0; i < utf8.size();) {
    std::uint32_t cp = 0;
    if (!NextCodePoint(utf8, i, cp)) return false;
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (cp >= 0x20 && cp <= 0x7E) {
          out += static_cast<char>(cp);
        } else if (cp < 0x10000) {
          AppendUnitEscape(out, cp);
        } else {
          cp -= 0x10000;
          AppendUnitEscape(out, 0xD800 | (cp >> 10));
          AppendUnitEscape(out, 0xDC00 | (cp & 0x3FF));
        }
    }
  }
  out += '"';
  return true;
}

// repr(float): the shortest round-trip digits, positional when the decimal
// exponent is in [-4, 16), scientific ("1e+16", "1e-05") otherwise.
void AppendPythonFloat(double value, std::string& out) {
  if (std::isnan(value)) { out += "NaN"; return; }
  if (std::isinf(value)) { out += value < 0 ? "-Infinity" : "Infinity"; return; }
  std::array<char, 64> buffer{};
  const auto written = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                     std::chars_format::scientific);
  const std::string_view sci(buffer.data(), static_cast<std::size_t>(written.ptr - buffer.data()));
  const std::size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c >= '0' && c <= '9') digits += c;
  }
  int exponent = 0;
  const std::string_view exp_text = sci.substr(e + (sci[e + 1] == '+' ? 2 : 1));
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  if (sci.front() == '-') out += '-';
  const int n = static_cast<int>(digits.size());
  if (exponent >= -4 && exponent < 16) {
    const int point = exponent + 1;  // digits before the decimal point
    if (point <= 0) {
      out += "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
    } else if (point < n) {
      out += digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
    } else {
      out += digits + std::string(static_cast<std::size_t>(point - n), '0') + ".0";
    }
    return;
  }
  out += digits.substr(0, 1);
  if (n > 1) out += "." + digits.substr(1);
  out += exponent < 0 ? "e-" : "e+";
  const int magnitude = exponent < 0 ? -exponent : exponent;
  if (magnitude < 10) out += '0';
  out += std::to_string(magnitude);
}

// float(text) for a JSON number as Python reads it: values beyond the range
// of a double become +-inf or +-0.0 instead of failing.
double PythonFloatValue(std::string_view text) {
  double value = 0;
  if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc::result_out_of_range) {
    return value;
  }
  // Out of range: overflow or underflow, told apart by the decimal order of
  // the first significant digit (the mantissa cannot be all zeros here).
  const bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  const std::size_t e = std::min(text.find_first_of("eE"), text.size());
  const std::string_view mantissa = text.substr(0, e);
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  const std::size_t first = mantissa.find_first_of("123456789");
  long order = first < point ? static_cast<long>(point - first - 1) : -static_cast<long>(first - point);
  if (e < text.size()) {
    std::string_view exponent = text.substr(e + 1);
    const bool exponent_negative = exponent.front() == '-';
    if (exponent.front() == '-' || exponent.front() == '+') exponent.remove_prefix(1);
    exponent.remove_prefix(std::min(exponent.find_first_not_of('0'), exponent.size()));
    long magnitude = 1000000000L;  // saturates: only the sign of the total matters
    if (exponent.size() < 10) std::from_chars(exponent.data(), exponent.data() + exponent.size(), magnitude);
    if (exponent.empty()) magnitude = 0;
    order += exponent_negative ? -magnitude : magnitude;
  }
  const double magnitude = order > 0 ? HUGE_VAL : 0.0;
  return negative ? -magnitude : magnitude;
}

namespace {


// A JSON number's text as Python writes it after json.loads: integers keep
// their digits (Python ints are unbounded), floats go through float(), and
// RapidJSON's NaN/Inf spellings become Python's.
void AppendPythonNumber(std::string_view text, std::string& out) {
  if (text.find('N') != std::string_view::npos) {
    out += "NaN";
  } else if (text.find('I') != std::string_view::npos) {
    out += text.front() == '-' ? "-Infinity" : "Infinity";
  } else if (text.find_first_of(".eE") == std::string_view::npos) {
    out += text == "-0" ? "0" : text;
  } else {
    AppendPythonFloat(PythonFloatValue(text), out);
  }
}

// ---- Parsing into a Python-like tree ---------------------------------------

struct Node {
  JsonKind kind = JsonKind::kNull;
  std::string text;               // string value, number text, "true"/"false"
  std::vector<std::string> keys;  // kObject: member names, parallel to children
  std::vector<Node> children;     // kArray items, kObject values
};

// dict semantics: a repeated key keeps its first position and its last value.
void Deduplicate(Node& object) {
  std::unordered_map<std::string_view, std::size_t> last;
  for (std::size_t i = 0; i < object.keys.size(); ++i) last[object.keys[i]] = i;
  if (last.size() == object.keys.size()) return;
  std::unordered_set<std::string_view> emitted;
  std::vector<std::string> keys;
  std::vector<Node> children;
  for (std::size_t i = 0; i < object.keys.size(); ++i) {
    if (!emitted.insert(object.keys[i]).second) continue;
    keys.push_back(object.keys[i]);
    children.push_back(std::move(object.children[last[object.keys[i]]]));
  }
  object.keys = std::move(keys);
  object.children = std::move(children);
}

class TreeBuilder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TreeBuilder> {
 public:
  bool Null() { return Scalar(JsonKind::kNull, {}); }
  bool Bool(bool value) { return Scalar(JsonKind::kBool, value ? "true" : "false"); }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    return Scalar(JsonKind::kNumber, {text, length});
  }
  bool String(const char* text, rapidjson::SizeType length, bool) {
    return Scalar(JsonKind::kString, {text, length});
  }
  bool Key(const char* text, rapidjson::SizeType length, bool) {
    key_.assign(text, length);
    return true;
  }
  bool StartObject() { return Open(JsonKind::kObject); }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool StartArray() { return Open(JsonKind::kArray); }
  bool EndArray(rapidjson::SizeType) { return Close(); }

  bool too_deep() const { return too_deep_; }
  Node TakeRoot() { return std::move(root_); }

 private:
  struct Frame {
    Node node;
    std::string key;  // the member name in the parent object
  };

  bool Scalar(JsonKind kind, std::string_view text) {
    Node node;
    node.kind = kind;
    node.text = text;
    Attach(std::move(key_), std::move(node));
    return true;
  }
  bool Open(JsonKind kind) {
    if (stack_.size() >= kMaxJsonDepth) {
      too_deep_ = true;
      return false;
    }
    stack_.push_back(Frame{Node{kind, {}, {}, {}}, std::move(key_)});
    return true;
  }
  bool Close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.node.kind == JsonKind::kObject) Deduplicate(frame.node);
    Attach(std::move(frame.key), std::move(frame.node));
    return true;
  }
  void Attach(std::string key, Node node) {
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Node& parent = stack_.back().node;
    if (parent.kind == JsonKind::kObject) parent.keys.push_back(std::move(key));
    parent.children.push_back(std::move(node));
  }

  std::vector<Frame> stack_;
  std::string key_;
  Node root_;
  bool too_deep_ = false;
};

base::Result<Node> ParseTree(std::string_view json) {
  // Checked here, strictly (as Python's bytes.decode("utf-8") does), rather
  // than with kParseValidateEncodingFlag: RapidJSON 1.1's validator reads
  // past the end of a text that stops inside a multi-byte sequence. A NUL
  // byte would end RapidJSON's StringStream early.
  for (std::size_t i = 0; i < json.size();) {
    const std::size_t at = i;
    std::uint32_t cp = 0;
    const bool utf8 = NextCodePoint(json, i, cp) && (cp < 0xD800 || cp > 0xDFFF);
    if (!utf8 || cp == 0) {
      return base::Status::InvalidInput(std::string("not JSON: ") + (utf8 ? "NUL byte" : "invalid UTF-8") +
                                        " (offset " + std::to_string(at) + ")");
    }
  }
  const std::string text(json);  // RapidJSON's StringStream wants a terminating NUL
  rapidjson::StringStream stream(text.c_str());
  rapidjson::Reader reader;
  TreeBuilder builder;
  constexpr unsigned kFlags =
      rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseNanAndInfFlag | rapidjson::kParseIterativeFlag;
  const rapidjson::ParseResult parsed = reader.Parse<kFlags>(stream, builder);
  if (!parsed) {
    if (builder.too_deep()) {
      return base::Status::InvalidInput("not JSON: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    std::string what = rapidjson::GetParseError_En(parsed.Code());
    if (!what.empty() && what.back() == '.') what.pop_back();
    return base::Status::InvalidInput("not JSON: " + what + " (offset " + std::to_string(parsed.Offset()) + ")");
  }
  return builder.TakeRoot();
}

void WriteNode(const Node& node, std::string& out) {
  switch (node.kind) {
    case JsonKind::kNull: out += "null"; return;
    case JsonKind::kBool: out += node.text; return;
    case JsonKind::kNumber: AppendPythonNumber(node.text, out); return;
    case JsonKind::kString: AppendQuoted(out, node.text); return;  // parser output is always UTF-8
    case JsonKind::kArray:
    case JsonKind::kObject: break;
  }
  const bool object = node.kind == JsonKind::kObject;
  out += object ? '{' : '[';
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    if (i > 0) out += ", ";
    if (object) {
      AppendQuoted(out, node.keys[i]);
      out += ": ";
    }
    WriteNode(node.children[i], out);
  }
  out += object ? '}' : ']';
}

JsonPart ToPart(const Node& node) {
  JsonPart part;
  part.kind = node.kind;
  WriteNode(node, part.json);
  if (node.kind == JsonKind::kString) part.string_value = node.text;
  return part;
}

}  // namespace

base::Result<JsonPart> ToPythonJson(std::string_view json) {
  BASE_TRY_ASSIGN(Node root, ParseTree(json));
  return ToPart(root);
}

base::Result<std::vector<JsonMember>> SplitJsonObject(std::string_view json) {
  BASE_TRY_ASSIGN(Node root, ParseTree(json));
  if (root.kind != JsonKind::kObject) return base::Status::InvalidInput("not a JSON object");
  std::vector<JsonMember> members;
  members.reserve(root.children.size());
  for (std::size_t i = 0; i < root.children.size(); ++i) {
    members.push_back(JsonMember{std::move(root.keys[i]), ToPart(root.children[i])});
  }
  return members;
}

base::Result<std::vector<JsonPart>> SplitJsonArray(std::string_view json) {
  BASE_TRY_ASSIGN(Node root, ParseTree(json));
  if (root.kind != JsonKind::kArray) return base::Status::InvalidInput("not a JSON array");
  std::vector<JsonPart> items;
  items.reserve(root.children.size());
  for (const Node& child : root.children) items.push_back(ToPart(child));
  return items;
}

base::Result<std::string> PythonJsonString(std::string_view utf8) {
  std::string out;
  if (!AppendQuoted(out, utf8)) return base::Status::InvalidInput("string is not UTF-8");
  return out;
}

// ---- PythonJsonObjectWriter -------------------------------------------------

void PythonJsonObjectWriter::Key(std::string_view key) {
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
