#include "rpc/python_json_internal.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>

namespace rpc::python_json_internal {
namespace {

// A cheap hash of a key: its length and its first and last 8 bytes. Keys
// that collide are still compared in full.
std::size_t KeyHash(std::string_view key) {
  std::uint64_t head = 0;
  std::uint64_t tail = 0;
  const std::size_t n = key.size();
  if (n >= 8) {
    std::memcpy(&head, key.data(), 8);
    std::memcpy(&tail, key.data() + n - 8, 8);
  } else {
    std::memcpy(&head, key.data(), n);
  }
  std::uint64_t hash = (head ^ (tail * 0x9E3779B97F4A7C15ull) ^ n) * 0xFF51AFD7ED558CCDull;
  return static_cast<std::size_t>(hash ^ (hash >> 29));
}

// One pass over a document, checking that it is in Python's format. Every
// code point has exactly one accepted spelling, so two keys are the same
// dict key exactly when their literals are the same bytes.
class Scanner {
 public:
  Scanner(std::string_view text, JsonIndex* index, std::string_view index_member)
      : p_(text.data()), end_(text.data() + text.size()), index_member_(index_member) {
    if (index != nullptr) {
      recorder_.emplace(*index);
      recorder_->Clear();
      recorder_->Reserve(text.size());
    }
  }

  bool Document(JsonKind& kind, std::vector<JsonMemberView>* items) {
    const char* start = p_;
    bool escaped = false;
    if (!Value(0, kind, items, escaped) || p_ != end_) return false;
    if (kind == JsonKind::kString && items != nullptr) {
      JsonMemberView item;
      item.kind = kind;
      item.json = std::string_view(start, static_cast<std::size_t>(end_ - start));
      item.value_escaped = escaped;
      items->push_back(item);
    }
    return true;
  }

 private:
  // The value at p_, recorded in the index (with `key`, its key in the
  // parent object) when it lies in the indexed member.
  bool Value(std::size_t depth, JsonKind& kind, std::vector<JsonMemberView>* items, bool& escaped,
             std::string_view key = {}, bool key_escaped = false) {
    if (!recording_) return Bare(depth, kind, items, escaped);
    const std::uint32_t at = recorder_->Open(key, key_escaped);
    const char* const start = p_;
    if (!Bare(depth, kind, items, escaped)) return false;
    recorder_->Close(at, kind, std::string_view(start, static_cast<std::size_t>(p_ - start)), escaped);
    return true;
  }

  bool Bare(std::size_t depth, JsonKind& kind, std::vector<JsonMemberView>* items, bool& escaped) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '"': kind = JsonKind::kString; return String(escaped);
      case '{': kind = JsonKind::kObject; return Container(true, depth + 1, items);
      case '[': kind = JsonKind::kArray; return Container(false, depth + 1, items);
      case 't': kind = JsonKind::kBool; return Word<4>("true");
      case 'f': kind = JsonKind::kBool; return Word<5>("false");
      case 'n': kind = JsonKind::kNull; return Word<4>("null");
      default: kind = JsonKind::kNumber; return Number();
    }
  }

  template <std::size_t N>
  bool Word(const char (&word)[N + 1]) {
    if (static_cast<std::size_t>(end_ - p_) < N || std::memcmp(p_, word, N) != 0) return false;  // N is constant: inlined
    p_ += N;
    return true;
  }

  // p_ at the opening quote; leaves p_ after the closing one.
  [[gnu::always_inline]] bool String(bool& escaped) {
    ++p_;
    escaped = false;
    for (;;) {
      p_ += PlainAsciiRun(p_, end_);
      if (p_ == end_) return false;
      if (*p_ == '"') {
        ++p_;
        return true;
      }
      if (*p_ != '\\' || end_ - p_ < 2) return false;  // raw control, DEL or non-ASCII: Python escapes them
      escaped = true;
      switch (p_[1]) {
        case '"': case '\\': case 'n': case 'r': case 't': case 'b': case 'f': p_ += 2; continue;
        default: break;
      }
      std::uint32_t cp = 0;
      if (!ReadPythonUnitEscape(p_, end_, cp)) return false;
    }
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  bool Digits() {
    const char* start = p_;
    while (p_ != end_ && IsDigit(*p_)) ++p_;
    return p_ != start;
  }

  bool Number() {
    const char* start = p_;
    if (*p_ == '-') ++p_;
    if (p_ == end_) return false;
    const char* digits = p_;
    if (*p_ == '0') {
      ++p_;
    } else if (!Digits()) {
      return false;  // NaN, Infinity or not a number: the general path decides
    }
    const std::size_t int_digits = static_cast<std::size_t>(p_ - digits);
    bool fractional = false;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (!Digits()) return false;
      fractional = true;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!Digits()) return false;
      fractional = true;
    }
    const std::string_view text(start, static_cast<std::size_t>(p_ - start));
    if (!fractional) return int_digits <= 18 && text != "-0";
    // A float is in Python's format when it is repr(float(text)).
    if (text.size() > 32) return false;
    const double value = PythonFloatValue(text);
    if (!std::isfinite(value) || std::fabs(value) >= 1e300) return false;
    std::string repr;
    AppendPythonFloat(value, repr);
    return repr == text;
  }

  bool Container(bool object, std::size_t depth, std::vector<JsonMemberView>* items) {
    if (depth > kMaxJsonDepth) return false;
    ++p_;
    const char close = object ? '}' : ']';
    if (p_ != end_ && *p_ == close) {
      ++p_;
      return true;
    }
    const std::size_t keys_start = keys_.size();
    for (;;) {
      JsonMemberView item;
      if (object) {
        if (p_ == end_ || *p_ != '"') return false;
        const char* key = p_ + 1;
        if (!String(item.key_escaped)) return false;
        item.key_literal = std::string_view(key, static_cast<std::size_t>(p_ - 1 - key));
        if (keys_.capacity() == 0) keys_.reserve(128);  // an Instance and the objects around it: one allocation
        keys_.push_back(item.key_literal);
        if (end_ - p_ < 2 || p_[0] != ':' || p_[1] != ' ') return false;
        p_ += 2;
      }
      const char* value = p_;
      if (recorder_ && object && depth == 1 && item.key_literal == index_member_) {
        recording_ = true;  // the member to index: its value becomes the index's root
        const bool ok = Value(depth, item.kind, nullptr, item.value_escaped);
        recording_ = false;
        if (!ok) return false;
      } else if (!Value(depth, item.kind, nullptr, item.value_escaped, item.key_literal, item.key_escaped)) {
        return false;
      }
      item.json = std::string_view(value, static_cast<std::size_t>(p_ - value));
      if (items != nullptr) {
        if (items->capacity() == 0) items->reserve(32);  // a message's members: one allocation
        items->push_back(item);
      }
      if (p_ == end_) return false;
      if (*p_ == close) {
        ++p_;
        break;
      }
      if (end_ - p_ < 2 || p_[0] != ',' || p_[1] != ' ') return false;
      p_ += 2;
    }
    if (!object) return true;
    const bool unique = UniqueKeys(keys_start);  // a repeated key needs json.loads's dict semantics
    keys_.resize(keys_start);
    return unique;
  }

  bool UniqueKeys(std::size_t start) {
    const std::size_t n = keys_.size() - start;
    if (n <= 8) {
      for (std::size_t i = start; i < keys_.size(); ++i) {
        for (std::size_t j = i + 1; j < keys_.size(); ++j) {
          if (keys_[i] == keys_[j]) return false;
        }
      }
      return true;
    }
    std::size_t size = 16;
    while (size < 2 * n) size *= 2;
    // 0: empty, else index + 1 into keys_ from `start`; on the stack unless large.
    std::array<std::uint32_t, 256> small;
    std::uint32_t* slots = small.data();
    if (size > small.size()) {
      slots_.assign(size, 0);
      slots = slots_.data();
    } else {
      std::memset(slots, 0, size * sizeof(std::uint32_t));
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::string_view key = keys_[start + i];
      for (std::size_t slot = KeyHash(key) & (size - 1);; slot = (slot + 1) & (size - 1)) {
        if (slots[slot] == 0) {
          slots[slot] = static_cast<std::uint32_t>(i + 1);
          break;
        }
        if (keys_[start + slots[slot] - 1] == key) return false;
      }
    }
    return true;
  }

  const char* p_;
  const char* const end_;
  std::optional<IndexRecorder> recorder_;
  std::string_view index_member_;
  bool recording_ = false;  // inside the indexed member's value
  std::vector<std::string_view> keys_;  // the open objects' keys, innermost last
  std::vector<std::uint32_t> slots_;    // UniqueKeys' hash table when it is large
};

}  // namespace

std::optional<JsonKind> ScanPythonJson(std::string_view json, std::vector<JsonMemberView>* items) {
  JsonKind kind = JsonKind::kNull;
  if (!Scanner(json, nullptr, {}).Document(kind, items)) return std::nullopt;
  return kind;
}

std::optional<JsonKind> ScanPythonJson(std::string_view json, std::string_view index_member,
                                       std::vector<JsonMemberView>* items, JsonIndex* index) {
  JsonKind kind = JsonKind::kNull;
  if (!Scanner(json, index, index_member).Document(kind, items)) return std::nullopt;
  return kind;
}

}  // namespace rpc::python_json_internal
