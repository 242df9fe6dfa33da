#include "agent/input/bounded_json.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace agent::input {
namespace {

using base::Status;
using rapidjson::SizeType;

// Numbers come to the handler as text (kParseNumbersAsStringsFlag) and are
// converted by NumberValue: RapidJSON 1.1's kParseFullPrecisionFlag reads
// out of bounds on a long mantissa with a large negative exponent
// ("3.333333333333333323333e-333": StrtodDiyFp's cached-power index), and
// its normal precision is off by a few ULP on long mantissas.
constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag | rapidjson::kParseNumbersAsStringsFlag;

// The power of ten of the first significant digit of a number RapidJSON
// checked (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), saturated; 0 for
// zero. Only its sign is used: out of a double's range, below 0 means too
// small (the value is 0), 0 or more too large.
long long DecimalExponent(std::string_view number) {
  constexpr long long kSaturated = 1'000'000'000'000LL;
  std::size_t i = number.starts_with('-') ? 1 : 0;
  long long position = 0;  // of the first significant digit; digits before it counted down from 0
  bool significant = false;
  bool in_fraction = false;
  for (; i < number.size() && number[i] != 'e' && number[i] != 'E'; ++i) {
    if (number[i] == '.') {
      in_fraction = true;
    } else if (!significant && number[i] != '0') {
      significant = true;
      if (in_fraction) --position;
    } else if (significant && !in_fraction) {
      ++position;
    } else if (!significant && in_fraction) {
      --position;
    }
  }
  if (!significant) return 0;
  long long exponent = 0;
  if (i < number.size()) {
    const bool negative = number.size() > i + 1 && number[i + 1] == '-';
    for (++i; i < number.size(); ++i) {
      if (number[i] >= '0' && number[i] <= '9') exponent = std::min(kSaturated, exponent * 10 + (number[i] - '0'));
    }
    if (negative) exponent = -exponent;
  }
  return position + exponent;
}

// Whether decoded string bytes hold a UTF-16 surrogate (U+D800..U+DFFF as
// UTF-8: ED A0..BF xx). Raw input of that kind fails RapidJSON's encoding
// check; only a lone "\uDC00".."\uDFFF" escape decodes to it, and the text
// it gives is not UTF-8: written back, it would be refused by this parser
// and by Cinder.
bool HasSurrogate(const char* text, SizeType length) {
  for (SizeType i = 0; i + 1 < length; ++i) {
    if (static_cast<unsigned char>(text[i]) == 0xED && static_cast<unsigned char>(text[i + 1]) >= 0xA0) return true;
  }
  return false;
}

// The Document's own SAX handler, with a count of open arrays and objects
// that stops the parse (kParseErrorTermination) one level past the limit,
// and a check that stops it at a string holding a lone surrogate.
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
  bool RawNumber(const char* text, SizeType length, bool /*copy*/) {
    const std::string_view number(text, length);
    const char* end = text + length;
    if (number.find_first_of(".eE") == std::string_view::npos) {  // an integer, as RapidJSON types it
      if (number.starts_with('-')) {
        std::int64_t value = 0;
        if (auto [p, ec] = std::from_chars(text, end, value); ec == std::errc() && p == end) return document_.Int64(value);
      } else {
        std::uint64_t value = 0;
        if (auto [p, ec] = std::from_chars(text, end, value); ec == std::errc() && p == end) return document_.Uint64(value);
      }
    }
    double value = 0;  // correctly rounded (and locale-free)
    auto [p, ec] = std::from_chars(text, end, value);
    if (ec == std::errc::result_out_of_range && DecimalExponent(number) < 0) {
      value = number.starts_with('-') ? -0.0 : 0.0;  // below the smallest double, as Python reads it
    } else if (ec != std::errc() || p != end) {
      too_large_ = true;
      return false;
    }
    return document_.Double(value);
  }
  bool String(const char* text, SizeType length, bool copy) {
    return Utf8(text, length) && document_.String(text, length, copy);
  }
  bool Key(const char* text, SizeType length, bool copy) { return Utf8(text, length) && document_.Key(text, length, copy); }
  bool StartObject() { return Enter() && document_.StartObject(); }
  bool EndObject(SizeType members) { return Leave() && document_.EndObject(members); }
  bool StartArray() { return Enter() && document_.StartArray(); }
  bool EndArray(SizeType elements) { return Leave() && document_.EndArray(elements); }

  bool too_deep() const { return too_deep_; }
  bool surrogate() const { return surrogate_; }
  bool too_large() const { return too_large_; }

 private:
  bool Utf8(const char* text, SizeType length) {
    surrogate_ = HasSurrogate(text, length);
    return !surrogate_;
  }
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
  bool surrogate_ = false;
  bool too_large_ = false;
};

// Runs the reader for GenericDocument::Populate, remembering why it stopped.
struct LimitedParse {
  std::string_view text;
  int max_depth = 0;
  rapidjson::ParseResult result;
  bool too_deep = false;
  bool surrogate = false;
  bool number_too_large = false;

  bool operator()(rapidjson::Document& document) {
    DepthLimitedHandler handler(document, max_depth);
    // A plain MemoryStream: RapidJSON's EncodedInputStream<UTF8<>, MemoryStream>
    // would skip any of the bytes EF, BB, BF at the start, not only a whole BOM.
    rapidjson::MemoryStream stream(text.data(), text.size());
    rapidjson::Reader reader;
    result = reader.Parse<kParseFlags>(stream, handler);
    too_deep = handler.too_deep();
    surrogate = handler.surrogate();
    number_too_large = handler.too_large();
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
  LimitedParse parse{text, limits.max_depth, {}, false, false, false};
  document.Populate(parse);
  if (parse.too_deep) {
    return Status::InvalidInput("nested deeper than " + std::to_string(limits.max_depth) + " levels" +
                                Offset(parse.result.Offset()));
  }
  if (parse.number_too_large) {
    return Status::InvalidInput("a number larger than a double at offset " + std::to_string(parse.result.Offset()));
  }
  if (parse.surrogate) {
    return Status::InvalidInput("a \\u escape that is a lone UTF-16 surrogate, before offset " +
                                std::to_string(parse.result.Offset()));
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
