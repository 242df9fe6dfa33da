// JsonIndex: every value of a trusted JSON document (rpc/python_json.h: a
// JsonPart::json, a decoded request's args_json, a writer's output), at
// every depth, in document order, found in one pass over the text. Readers
// then visit the members of any nested object or array without reading its
// text again, which is what hydrating a versioned object with nested
// objects and dicts needs.
//
// DecodeRequest makes the index of a request's args while it checks the
// message, in the same pass (RpcRequest::args_index). BuildTrusted makes one
// for other trusted text, without checking it again. Views into the text,
// which must outlive the index and its nodes. Values only; safe from several
// threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rpc/python_json.h"

namespace rpc {

namespace python_json_internal {
class IndexRecorder;
}

class JsonIndex;

// One value of an indexed document: its key (for a member of an object) and
// value as a JsonMemberView, and, for objects and arrays, its children.
// Cheap to copy; valid while its index lives.
class JsonNode {
 public:
  class Iterator {
   public:
    JsonNode operator*() const { return JsonNode(index_, at_); }
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return at_ == other.at_; }

   private:
    friend class JsonNode;
    Iterator(const JsonIndex* index, std::uint32_t at) : index_(index), at_(at) {}
    const JsonIndex* index_;
    std::uint32_t at_;
  };

  // Key and value; the key is empty for the root and for array items.
  const JsonMemberView& view() const;
  JsonKind kind() const { return view().kind; }
  std::string_view json() const { return view().json; }

  // The members of an object or the items of an array, in order (none for
  // other values): `for (JsonNode child : node)`.
  Iterator begin() const { return Iterator(index_, at_ + 1); }
  Iterator end() const;

 private:
  friend class JsonIndex;
  JsonNode(const JsonIndex* index, std::uint32_t at) : index_(index), at_(at) {}
  const JsonIndex* index_;
  std::uint32_t at_;
};

class JsonIndex {
 public:
  // Indexes `trusted_json`, one JSON value. kInvalidInput when the text
  // does not have the shape of Python-format JSON or nests deeper than
  // kMaxJsonDepth.
  static base::Result<JsonIndex> BuildTrusted(std::string_view trusted_json);

  JsonNode Root() const { return JsonNode(this, 0); }
  bool empty() const { return entries_.empty(); }
  // The number of values in the document.
  std::size_t size() const { return entries_.size(); }

 private:
  friend class JsonNode;
  friend class Indexer;
  friend class python_json_internal::IndexRecorder;
  struct Entry {
    JsonMemberView view;
    std::uint32_t end = 0;  // the index after this value's last descendant
  };
  std::vector<Entry> entries_;
};

inline const JsonMemberView& JsonNode::view() const { return index_->entries_[at_].view; }
inline JsonNode::Iterator JsonNode::end() const { return Iterator(index_, index_->entries_[at_].end); }
inline JsonNode::Iterator& JsonNode::Iterator::operator++() {
  at_ = index_->entries_[at_].end;
  return *this;
}

}  // namespace rpc
