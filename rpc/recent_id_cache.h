// RecentIdCache: the last N identifiers seen, for an RPC server to skip a
// message it already took (oslo_messaging/_drivers/amqp.py _MsgIdCache, whose
// size DUP_MSG_CHECK_SIZE is 16): a redelivered request keeps its
// _unique_id, so a server that already handled it drops the copy.
//
// Bounded: holding `capacity` ids, inserting one more forgets the oldest.
// Empty ids are never stored (oslo: a message without _unique_id is never a
// duplicate). Lookups and inserts are O(1) on average.
//
// A plain value; not thread-safe (one server loop uses it).
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace rpc {

inline constexpr std::size_t kOsloDuplicateCheckSize = 16;

class RecentIdCache {
 public:
  // `capacity` of 0 counts as 1.
  explicit RecentIdCache(std::size_t capacity = kOsloDuplicateCheckSize);

  bool Contains(std::string_view id) const;

  // Remembers `id`; returns false (and changes nothing) when it was already
  // among the recent ids or is empty.
  bool Insert(std::string_view id);

  std::size_t size() const { return order_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::deque<std::string> order_;  // oldest first
  std::unordered_set<std::string> ids_;
};

}  // namespace rpc
