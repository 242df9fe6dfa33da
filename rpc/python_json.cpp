#include "rpc/python_json.h"

#include "rpc/python_json_internal.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace rpc {
namespace {

using python_json_internal::NextCodePoint;

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
    const auto byte = static_cast<unsigned char>(json[i]);
    if (byte != 0 && byte < 0x80) {
      ++i;
      continue;
    }
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
    case JsonKind::kString: AppendPythonJsonString(node.text, out); return;  // parser output is always UTF-8
    case JsonKind::kArray:
    case JsonKind::kObject: break;
  }
  const bool object = node.kind == JsonKind::kObject;
  out += object ? '{' : '[';
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    if (i > 0) out += ", ";
    if (object) {
      AppendPythonJsonString(node.keys[i], out);
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

namespace {

using python_json_internal::AppendUnescapedTrustedLiteral;
using python_json_internal::ScanPythonJson;
using python_json_internal::SplitTrustedContainer;

// A trusted value as a JsonPart: its text is already Python's.
void FillPart(const JsonMemberView& view, JsonPart& part) {
  part.kind = view.kind;
  part.json.assign(view.json);
  if (view.kind == JsonKind::kString) {
    AppendUnescapedTrustedLiteral(view.json.substr(1, view.json.size() - 2), view.value_escaped, part.string_value);
  }
}

JsonPart PartOf(const JsonMemberView& view) {
  JsonPart part;
  FillPart(view, part);
  return part;
}

std::vector<JsonMember> MembersOf(const std::vector<JsonMemberView>& views) {
  std::vector<JsonMember> members(views.size());
  for (std::size_t i = 0; i < views.size(); ++i) {
    AppendUnescapedTrustedLiteral(views[i].key_literal, views[i].key_escaped, members[i].key);
    FillPart(views[i], members[i].value);
  }
  return members;
}

base::Status NotAnObject() { return base::Status::InvalidInput("not a JSON object"); }

// The refusal of the trusted splits (rpc/python_json.h: they never check).
base::Status NotATrustedObject() { return base::Status::InvalidInput("not a JSON object in Python's format"); }

}  // namespace

namespace python_json_internal {

base::Result<JsonPart> ToPythonJsonByTree(std::string_view json) {
  BASE_TRY_ASSIGN(Node root, ParseTree(json));
  return ToPart(root);
}

}  // namespace python_json_internal

// Each checking entry point first tries ScanPythonJson (text already in
// Python's format, the usual case) and otherwise parses into a tree and
// re-renders.
base::Result<JsonPart> ToPythonJson(std::string_view json) {
  std::vector<JsonMemberView> items;
  if (const auto kind = ScanPythonJson(json, !json.empty() && json.front() == '"' ? &items : nullptr)) {
    if (*kind == JsonKind::kString) return PartOf(items.front());
    JsonPart part;
    part.kind = *kind;
    part.json.assign(json);
    return part;
  }
  return python_json_internal::ToPythonJsonByTree(json);
}

base::Result<std::vector<JsonMember>> SplitJsonObject(std::string_view json) {
  std::vector<JsonMemberView> items;
  if (const auto kind = ScanPythonJson(json, &items)) {
    if (*kind != JsonKind::kObject) return NotAnObject();
    return MembersOf(items);
  }
  BASE_TRY_ASSIGN(Node root, ParseTree(json));
  if (root.kind != JsonKind::kObject) return NotAnObject();
  std::vector<JsonMember> members;
  members.reserve(root.children.size());
  for (std::size_t i = 0; i < root.children.size(); ++i) {
    members.push_back(JsonMember{std::move(root.keys[i]), ToPart(root.children[i])});
  }
  return members;
}

base::Result<std::vector<JsonPart>> SplitJsonArray(std::string_view json) {
  std::vector<JsonMemberView> items;
  if (const auto kind = ScanPythonJson(json, &items)) {
    if (*kind != JsonKind::kArray) return base::Status::InvalidInput("not a JSON array");
    std::vector<JsonPart> parts;
    parts.reserve(items.size());
    for (const JsonMemberView& item : items) parts.push_back(PartOf(item));
    return parts;
  }
  BASE_TRY_ASSIGN(Node root, ParseTree(json));
  if (root.kind != JsonKind::kArray) return base::Status::InvalidInput("not a JSON array");
  std::vector<JsonPart> parts;
  parts.reserve(root.children.size());
  for (const Node& child : root.children) parts.push_back(ToPart(child));
  return parts;
}

base::Result<std::vector<JsonMemberView>> SplitJsonObjectViews(std::string_view json, std::string& storage) {
  std::vector<JsonMemberView> members;
  std::optional<JsonKind> kind = ScanPythonJson(json, &members);
  if (!kind) {
    BASE_TRY_ASSIGN(JsonPart rendered, python_json_internal::ToPythonJsonByTree(json));
    storage = std::move(rendered.json);
    members.clear();
    // The tree writes Python's format: its text is trusted.
    kind = rendered.kind == JsonKind::kObject ? SplitTrustedContainer(storage, members) : rendered.kind;
  }
  if (kind != JsonKind::kObject) return NotAnObject();
  return members;
}

base::Result<std::vector<JsonMember>> SplitTrustedJsonObject(std::string_view trusted_json) {
  std::vector<JsonMemberView> items;
  if (SplitTrustedContainer(trusted_json, items) != JsonKind::kObject) return NotATrustedObject();
  return MembersOf(items);
}

base::Result<std::vector<JsonMemberView>> SplitTrustedJsonObjectViews(std::string_view trusted_json) {
  std::vector<JsonMemberView> members;
  members.reserve(32);  // a request context's 25 keys: one allocation
  if (SplitTrustedContainer(trusted_json, members) != JsonKind::kObject) return NotATrustedObject();
  return members;
}

std::string JsonExcerpt(std::string_view python_json) {
  constexpr std::size_t kMax = 80;
  return python_json.size() <= kMax ? std::string(python_json) : std::string(python_json.substr(0, kMax)) + "...";
}

bool JsonMemberView::KeyIs(std::string_view utf8) const {
  return key_escaped ? Key() == utf8 : key_literal == utf8;
}

std::string JsonMemberView::Key() const {
  std::string key;
  AppendUnescapedTrustedLiteral(key_literal, key_escaped, key);
  return key;
}

std::string JsonMemberView::StringValue() const {
  std::string text;
  AppendUnescapedTrustedLiteral(json.substr(1, json.size() - 2), value_escaped, text);
  return text;
}

std::string_view JsonMemberView::StringView(std::string& storage) const {
  const std::string_view literal = json.substr(1, json.size() - 2);
  if (!value_escaped) return literal;
  storage.clear();
  AppendUnescapedTrustedLiteral(literal, true, storage);
  return storage;
}

}  // namespace rpc
