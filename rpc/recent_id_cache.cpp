#include "rpc/recent_id_cache.h"

#include <algorithm>

namespace rpc {

RecentIdCache::RecentIdCache(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

bool RecentIdCache::Contains(std::string_view id) const { return ids_.count(std::string(id)) != 0; }

bool RecentIdCache::Insert(std::string_view id) {
  if (id.empty() || Contains(id)) return false;
  if (order_.size() == capacity_) {
    ids_.erase(order_.front());
    order_.pop_front();
  }
  order_.emplace_back(id);
  ids_.emplace(id);
  return true;
}

}  // namespace rpc
