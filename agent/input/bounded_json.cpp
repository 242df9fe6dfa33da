#include "agent/input/bounded_json.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace agent::input {
namespace {

using base::Status;
using rapidjson::SizeType;

constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseFullPrecisionFlag | rapidjson::kParseValidateEncodingFlag;

// The Document's own SAX handler, with a count of open arrays and objects
// that stops the parse (kParseErrorTermination) one level past the limit.
class DepthLimitedHandler {
 public:
  DepthLimitedHandler(rapidjson::Document& document, int max_depth) : document_(document), max_depth_(max_depth) {}

  bool Null() { return document_.Null(); }
  bool Bool(bool b) { return document_.Bool(b); }
  bool Int(int i) { return document_.Int(i); }
  bool Uint(unsigned u) { return document_.Uint(u); }
  bool Int64(std::int64_t i) { return document_.Int64(i); }
  bool Uint64(std::uint64_t u) { return document_.Uint64(u); }
  bool Double(double d) { return document_.Double(d); }
  bool RawNumber(const char* text, SizeType length, bool copy) { return document_.RawNumber(text, length, copy); }
  bool String(const char* text, SizeType length, bool copy) { return document_.String(text, length, copy); }
  bool Key(const char* text, SizeType length, bool copy) { return document_.Key(text, length, copy); }
  bool StartObject() { return Enter() && document_.StartObject(); }
  bool EndObject(SizeType members) { return Leave() && document_.EndObject(members); }
  bool StartArray() { return Enter() && document_.StartArray(); }
  bool EndArray(SizeType elements) { return Leave() && document_.EndArray(elements); }

  bool too_deep() const { return too_deep_; }

 private:
  bool Enter() {
    too_deep_ = ++depth_ > max_depth_;
    return !too_deep_;
  }
  bool Leave() {
    --depth_;
    return true;
  }

  rapidjson::Document& document_;
  const int max_depth_;
  int depth_ = 0;
  bool too_deep_ = false;
};

// Runs the reader for GenericDocument::Populate, remembering why it stopped.
struct LimitedParse {
  std::string_view text;
  int max_depth = 0;
  rapidjson::ParseResult result;
  bool too_deep = false;

  bool operator()(rapidjson::Document& document) {
    DepthLimitedHandler handler(document, max_depth);
    rapidjson::MemoryStream bytes(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(bytes);
    rapidjson::Reader reader;
    result = reader.Parse<kParseFlags>(stream, handler);
    too_deep = handler.too_deep();
    return !result.IsError();
  }
};

std::string Offset(std::size_t offset) { return " at offset " + std::to_string(offset); }

// A key as messages show it: printable ASCII as is, other bytes as \xNN,
// at most 64 bytes of it.
std::string Printable(std::string_view key) {
  constexpr std::size_t kMax = 64;
  std::string out;
  for (std::size_t i = 0; i < key.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (key.size() > kMax) out += "...";
  return out;
}

// One key as a JSON pointer segment (RFC 6901), made printable.
std::string PointerSegment(std::string_view key) {
  std::string segment;
  for (char c : key) segment += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return Printable(segment);
}

std::string_view Name(const rapidjson::Value& name) { return {name.GetString(), name.GetStringLength()}; }

// The first key that appears twice in one object, depth first; `pointer`
// is the JSON pointer of `value` (RFC 6901, made printable).
Status RefuseDuplicateKeys(const rapidjson::Value& value, std::string& pointer) {
  if (value.IsArray()) {
    SizeType index = 0;
    for (const rapidjson::Value& element : value.GetArray()) {
      const std::size_t length = pointer.size();
      pointer += "/" + std::to_string(index++);
      BASE_TRY(RefuseDuplicateKeys(element, pointer));
      pointer.resize(length);
    }
    return Status::Ok();
  }
  if (!value.IsObject()) return Status::Ok();
  std::vector<std::string_view> names;
  names.reserve(value.MemberCount());
  for (const auto& member : value.GetObject()) names.push_back(Name(member.name));
  std::sort(names.begin(), names.end());
  if (auto twice = std::adjacent_find(names.begin(), names.end()); twice != names.end()) {
    return Status::InvalidInput("key \"" + Printable(*twice) + "\" appears twice in the " +
                                (pointer.empty() ? std::string("top-level object") : "object at " + pointer));
  }
  for (const auto& member : value.GetObject()) {
    const std::size_t length = pointer.size();
    pointer += "/" + PointerSegment(Name(member.name));
    BASE_TRY(RefuseDuplicateKeys(member.value, pointer));
    pointer.resize(length);
  }
  return Status::Ok();
}

}  // namespace

base::Result<rapidjson::Document> ParseBoundedJson(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status::InvalidInput("larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  if (text.starts_with("\xef\xbb\xbf")) return Status::InvalidInput("UTF-8 byte order mark" + Offset(0));
  if (const void* nul = std::memchr(text.data(), '\0', text.size()); nul != nullptr) {
    return Status::InvalidInput("NUL byte" + Offset(static_cast<const char*>(nul) - text.data()));
  }
  rapidjson::Document document;
  LimitedParse parse{text, limits.max_depth, {}, false};
  document.Populate(parse);
  if (parse.too_deep) {
    return Status::InvalidInput("nested deeper than " + std::to_string(limits.max_depth) + " levels" +
                                Offset(parse.result.Offset()));
  }
  if (parse.result.IsError()) {
    std::string reason = rapidjson::GetParseError_En(parse.result.Code());
    if (reason.ends_with('.')) reason.pop_back();
    return Status::InvalidInput(reason + Offset(parse.result.Offset()));
  }
  if (limits.duplicate_keys == DuplicateKeys::kRefuse) {
    std::string pointer;
    BASE_TRY(RefuseDuplicateKeys(document, pointer));
  }
  return document;
}

}  // namespace agent::input
