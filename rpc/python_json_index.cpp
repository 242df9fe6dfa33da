// JsonIndex::BuildTrusted (rpc/python_json_index.h): one recursive pass over
// trusted text; only the shape is followed, nothing is checked again.
#include "rpc/python_json_index.h"

#include <algorithm>

#include "rpc/python_json_internal.h"

namespace rpc {

class Indexer {
 public:
  Indexer(std::string_view text, std::vector<JsonIndex::Entry>& entries)
      : p_(text.data()), end_(text.data() + text.size()), entries_(entries) {}

  bool Document() { return Value(0, {}, false) && p_ == end_; }

 private:
  // Indexes the value at p_, the member `key` of its parent (empty for
  // array items and the root); leaves p_ after it.
  bool Value(std::size_t depth, std::string_view key, bool key_escaped) {
    if (p_ == end_) return false;
    const auto at = static_cast<std::uint32_t>(entries_.size());
    entries_.push_back(JsonIndex::Entry{JsonMemberView{key, key_escaped, JsonKind::kNull, {}, false}, 0});
    const char* const start = p_;
    JsonKind kind = JsonKind::kNumber;
    bool escaped = false;
    switch (*p_) {
      case '"':
        kind = JsonKind::kString;
        p_ = python_json_internal::SkipTrustedString(p_ + 1, end_, escaped);
        if (p_ == nullptr) return false;
        break;
      case '{':
      case '[':
        kind = *p_ == '{' ? JsonKind::kObject : JsonKind::kArray;
        if (depth >= kMaxJsonDepth || !Children(depth + 1, kind == JsonKind::kObject)) return false;
        break;
      case 'n':  // the words of trusted text: skipped by their length
        kind = JsonKind::kNull;
        p_ += std::min<std::ptrdiff_t>(4, end_ - p_);
        break;
      case 't':
        kind = JsonKind::kBool;
        p_ += std::min<std::ptrdiff_t>(4, end_ - p_);
        break;
      case 'f':
        kind = JsonKind::kBool;
        p_ += std::min<std::ptrdiff_t>(5, end_ - p_);
        break;
      default:
        while (p_ != end_ && *p_ != ',' && *p_ != '}' && *p_ != ']') ++p_;
        if (p_ == start) return false;
        break;
    }
    JsonMemberView& view = entries_[at].view;
    view.kind = kind;
    view.json = std::string_view(start, static_cast<std::size_t>(p_ - start));
    view.value_escaped = escaped;
    entries_[at].end = static_cast<std::uint32_t>(entries_.size());
    return true;
  }
  // p_ at the opening bracket; leaves it after the closing one.
  bool Children(std::size_t depth, bool object) {
    const char close = object ? '}' : ']';
    ++p_;
    if (p_ != end_ && *p_ == close) {
      ++p_;
      return true;
    }
    for (;;) {
      std::string_view key;
      bool key_escaped = false;
      if (object) {
        if (p_ == end_ || *p_ != '"') return false;
        const char* const literal = p_ + 1;
        p_ = python_json_internal::SkipTrustedString(literal, end_, key_escaped);
        if (p_ == nullptr || end_ - p_ < 2 || p_[0] != ':' || p_[1] != ' ') return false;
        key = std::string_view(literal, static_cast<std::size_t>(p_ - 1 - literal));
        p_ += 2;
      }
      if (!Value(depth, key, key_escaped) || p_ == end_) return false;
      if (*p_ == close) {
        ++p_;
        return true;
      }
      if (end_ - p_ < 2 || p_[0] != ',' || p_[1] != ' ') return false;
      p_ += 2;
    }
  }

  const char* p_;
  const char* const end_;
  std::vector<JsonIndex::Entry>& entries_;
};

base::Result<JsonIndex> JsonIndex::BuildTrusted(std::string_view trusted_json) {
  JsonIndex index;
  const std::size_t guess = trusted_json.size() / 12 + 4;  // about one value per 12 bytes: usually one allocation
  index.entries_.reserve(guess);
  if (!Indexer(trusted_json, index.entries_).Document()) {
    return base::Status::InvalidInput("not JSON in Python's format");
  }
  return index;
}

}  // namespace rpc
