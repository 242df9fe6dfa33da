#include "rpc/envelope.h"

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

// ---- The envelope ---------------------------------------------------------

namespace {

// A wire value quoted for an error message: one line, ASCII, bounded.
std::string Excerpt(const JsonPart& part) {
  constexpr std::size_t kMax = 80;
  return part.json.size() <= kMax ? part.json : part.json.substr(0, kMax) + "...";
}

base::Status Corrupt(std::string_view what, std::string_view detail) {
  return base::Status::Corrupt(std::string(what) + ": " + std::string(detail));
}

base::Status WrongType(std::string_view what, const JsonMember& member, std::string_view expected) {
  return Corrupt(what, "'" + member.key + "' is not " + std::string(expected) + ": " + Excerpt(member.value));
}

// int() of one part of a version string; only [+-]digits.
std::optional<long> VersionPart(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// _utils.version_is_compatible("2.0", version): same major, minor <= 0, and
// at minor 0 a revision <= 0. A part that int() would refuse makes oslo
// raise, which refuses the message all the same.
bool CompatibleWithEnvelope2(std::string_view version) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t dot = version.find('.', start);
    parts.push_back(version.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() < 2) return false;
  const std::optional<long> major = VersionPart(parts[0]);
  if (!major || *major != 2) return false;
  const std::optional<long> minor = VersionPart(parts[1]);
  if (!minor || *minor > 0) return false;
  if (*minor < 0 || parts.size() < 3) return true;
  const std::optional<long> revision = VersionPart(parts[2]);
  return revision && *revision <= 0;
}

std::string Wrap(std::string_view message_json) {
  std::string body = R"({"oslo.version": "2.0", "oslo.message": )";
  AppendQuoted(body, message_json);  // ASCII: the inner text is already escaped
  body += '}';
  return body;
}

// The inner message's members, for DecodeRequest/DecodeReply.
base::Result<std::vector<JsonMember>> MessageMembers(std::string_view body, std::string_view what) {
  BASE_TRY_ASSIGN(UnwrappedMessage unwrapped, Unwrap(body));
  auto members = SplitJsonObject(unwrapped.message_json);
  if (!members.ok()) return Corrupt(what, "oslo.message is " + members.error().message());
  return members;
}

base::Result<std::optional<std::string>> StringOrNull(std::string_view what, const JsonMember& member) {
  if (member.value.kind == JsonKind::kNull) return std::optional<std::string>();
  if (member.value.kind != JsonKind::kString) return WrongType(what, member, "a string");
  return std::optional<std::string>(member.value.string_value);
}

// Python writes int timeouts without ".0"; Nova's call monitor uses int 60.
std::string FormatTimeout(double seconds) {
  if (seconds == std::floor(seconds) && std::fabs(seconds) < 1e15) {
    return std::to_string(static_cast<long long>(seconds));
  }
  std::string out;
  AppendPythonFloat(seconds, out);
  return out;
}

// The rule both directions share: a call carries _msg_id and _reply_q
// (and _timeout), a cast none of them.
std::optional<std::string> CallShapeProblem(const RpcRequest& request) {
  if (request.msg_id.has_value() != request.reply_q.has_value()) return "_msg_id and _reply_q must come together";
  if (!request.msg_id && request.timeout) return "a cast (no _msg_id) has a _timeout";
  if (request.timeout && !std::isfinite(*request.timeout)) return "_timeout is not finite";
  return std::nullopt;
}

}  // namespace

base::Result<UnwrappedMessage> Unwrap(std::string_view body) {
  constexpr std::string_view kWhat = "RPC envelope";
  auto members = SplitJsonObject(body);
  if (!members.ok()) return Corrupt(kWhat, "body is " + members.error().message());
  const JsonMember* version = nullptr;
  const JsonMember* message = nullptr;
  for (const JsonMember& member : *members) {
    if (member.key == "oslo.version") version = &member;
    if (member.key == "oslo.message") message = &member;
  }
  if (version == nullptr || message == nullptr) {
    return UnwrappedMessage{EnvelopeForm::kLegacyV1, std::string(body)};
  }
  if (version->value.kind != JsonKind::kString) return WrongType(kWhat, *version, "a string");
  if (!CompatibleWithEnvelope2(version->value.string_value)) {
    return Corrupt(kWhat, "oslo.version " + Excerpt(version->value) + " is not compatible with 2.0");
  }
  if (message->value.kind != JsonKind::kString) return WrongType(kWhat, *message, "a string");
  return UnwrappedMessage{EnvelopeForm::kV2, message->value.string_value};
}

base::Result<std::string> EncodeRequest(const RpcRequest& request) {
  const auto invalid = [](std::string_view detail) {
    return base::Status::InvalidInput("RPC request: " + std::string(detail));
  };
  if (request.method.empty()) return invalid("method is empty");
  if (request.unique_id.empty()) return invalid("unique_id is empty");
  if (auto problem = CallShapeProblem(request)) return invalid(*problem);
  auto args = ToPythonJson(request.args_json);
  if (!args.ok() || args->kind != JsonKind::kObject) {
    return invalid("args_json is " + (args.ok() ? std::string("not a JSON object") : args.error().message()));
  }
  auto context = SplitJsonObject(request.context_json);
  if (!context.ok()) return invalid("context_json is " + context.error().message());

  PythonJsonObjectWriter message;
  message.String("method", request.method).Raw("args", args->json);
  if (request.namespace_) message.String("namespace", *request.namespace_);
  if (request.version) message.String("version", *request.version);
  if (request.msg_id) {
    message.String("_msg_id", *request.msg_id).String("_reply_q", *request.reply_q);
    message.Raw("_timeout", request.timeout ? FormatTimeout(*request.timeout) : "null");
  }
  message.String("_unique_id", request.unique_id);
  for (const JsonMember& member : *context) message.Raw("_context_" + member.key, member.value.json);
  auto inner = std::move(message).Finish();
  if (!inner.ok()) return invalid(inner.error().message());
  return Wrap(*inner);
}

base::Result<RpcRequest> DecodeRequest(std::string_view body) {
  constexpr std::string_view kWhat = "RPC request";
  BASE_TRY_ASSIGN(std::vector<JsonMember> members, MessageMembers(body, kWhat));
  RpcRequest request;
  bool has_method = false;
  bool has_args = false;
  PythonJsonObjectWriter context;
  for (const JsonMember& member : members) {
    const std::string& key = member.key;
    const JsonPart& value = member.value;
    if (key == "method") {
      if (value.kind != JsonKind::kString) return WrongType(kWhat, member, "a string");
      request.method = value.string_value;
      has_method = true;
    } else if (key == "args") {
      if (value.kind != JsonKind::kObject) return WrongType(kWhat, member, "an object");
      request.args_json = value.json;
      has_args = true;
    } else if (key == "namespace") {
      BASE_TRY_ASSIGN(request.namespace_, StringOrNull(kWhat, member));
    } else if (key == "version") {
      if (value.kind != JsonKind::kString) return WrongType(kWhat, member, "a string");
      request.version = value.string_value;
    } else if (key == "_msg_id") {
      BASE_TRY_ASSIGN(request.msg_id, StringOrNull(kWhat, member));
    } else if (key == "_reply_q") {
      BASE_TRY_ASSIGN(request.reply_q, StringOrNull(kWhat, member));
    } else if (key == "_unique_id") {
      BASE_TRY_ASSIGN(std::optional<std::string> unique_id, StringOrNull(kWhat, member));
      request.unique_id = unique_id.value_or("");
    } else if (key == "_timeout") {
      if (value.kind == JsonKind::kNumber) {
        request.timeout = PythonFloatValue(value.json);
      } else if (value.kind != JsonKind::kNull) {
        return WrongType(kWhat, member, "a number or null");
      }
    } else if (key.compare(0, 9, "_context_") == 0) {
      context.Raw(std::string_view(key).substr(9), value.json);
    }
  }
  if (!has_method) return Corrupt(kWhat, "'method' is missing");
  if (!has_args) return Corrupt(kWhat, "'args' is missing");
  if (auto problem = CallShapeProblem(request)) return Corrupt(kWhat, *problem);
  auto context_json = std::move(context).Finish();
  if (!context_json.ok()) return Corrupt(kWhat, context_json.error().message());
  request.context_json = std::move(*context_json);
  return request;
}

base::Result<std::string> EncodeReply(const RpcReply& reply) {
  const auto invalid = [](std::string_view detail) {
    return base::Status::InvalidInput("RPC reply: " + std::string(detail));
  };
  if (reply.msg_id.empty()) return invalid("msg_id is empty");
  if (reply.unique_id.empty()) return invalid("unique_id is empty");
  auto result = ToPythonJson(reply.result_json);
  if (!result.ok()) return invalid("result_json is " + result.error().message());
  PythonJsonObjectWriter message;
  message.Raw("result", result->json);
  if (reply.failure) {
    auto failure = EncodeRemoteFailure(*reply.failure);
    if (!failure.ok()) return invalid("failure: " + failure.error().message());
    message.String("failure", *failure);
  } else {
    message.Null("failure");
  }
  message.Bool("ending", reply.ending).String("_msg_id", reply.msg_id).String("_unique_id", reply.unique_id);
  auto inner = std::move(message).Finish();
  if (!inner.ok()) return invalid(inner.error().message());
  return Wrap(*inner);
}

base::Result<RpcReply> DecodeReply(std::string_view body) {
  constexpr std::string_view kWhat = "RPC reply";
  BASE_TRY_ASSIGN(std::vector<JsonMember> members, MessageMembers(body, kWhat));
  RpcReply reply;
  bool has_failure = false;
  bool has_ending = false;
  bool has_msg_id = false;
  for (const JsonMember& member : members) {
    const JsonPart& value = member.value;
    if (member.key == "result") {
      reply.result_json = value.json;
    } else if (member.key == "failure") {
      has_failure = true;
      BASE_TRY_ASSIGN(std::optional<std::string> failure, StringOrNull(kWhat, member));
      if (failure && !failure->empty()) {  // Python tests the string's truth
        auto decoded = DecodeRemoteFailure(*failure);
        if (!decoded.ok()) return Corrupt(kWhat, "failure: " + decoded.error().message());
        reply.failure = std::move(*decoded);
      }
    } else if (member.key == "ending") {
      if (value.kind != JsonKind::kBool) return WrongType(kWhat, member, "a bool");
      reply.ending = value.json == "true";
      has_ending = true;
    } else if (member.key == "_msg_id") {
      if (value.kind != JsonKind::kString) return WrongType(kWhat, member, "a string");
      reply.msg_id = value.string_value;
      has_msg_id = true;
    } else if (member.key == "_unique_id") {
      BASE_TRY_ASSIGN(std::optional<std::string> unique_id, StringOrNull(kWhat, member));
      reply.unique_id = unique_id.value_or("");
    }
  }
  if (!has_failure) return Corrupt(kWhat, "'failure' is missing");
  if (!has_ending) return Corrupt(kWhat, "'ending' is missing");
  if (!has_msg_id) return Corrupt(kWhat, "'_msg_id' is missing");
  return reply;
}

// ---- Identifiers ----------------------------------------------------------

std::string NewUuid4Hex(std::mt19937_64& rng) {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t bits = rng();
    for (std::size_t i = 0; i < 8; ++i, bits >>= 8) bytes[half * 8 + i] = static_cast<std::uint8_t>(bits);
  }
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(32);
  for (std::uint8_t byte : bytes) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0xF];
  }
  return hex;
}

std::string NewUuid4(std::mt19937_64& rng) {
  const std::string hex = NewUuid4Hex(rng);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

}  // namespace rpc
