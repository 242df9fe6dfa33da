#include "rpc/confirm_tracker.h"

#include <algorithm>
#include <utility>

namespace rpc {

void ConfirmTracker::Add(std::uint64_t sequence, Entry entry, Clock::time_point confirm_deadline) {
  pending_.emplace_hint(pending_.end(), sequence, Pending{std::move(entry), confirm_deadline, false});
}

std::vector<ConfirmTracker::Settled> ConfirmTracker::Apply(const ConfirmEvent& event) {
  std::vector<Settled> settled;
  if (event.kind == ConfirmEvent::Kind::kReturn) {
    Pending* by_key = nullptr;
    for (auto& [sequence, pending] : pending_) {
      if (pending.returned || pending.entry.routing_key != event.routing_key) continue;
      if (pending.entry.body == event.body) {
        pending.returned = true;
        return settled;
      }
      if (by_key == nullptr) by_key = &pending;
    }
    if (by_key != nullptr && event.body.empty()) {
      by_key->returned = true;
    } else {
      ++unmatched_;
    }
    return settled;
  }
  const auto first = pending_.begin();
  const auto last = event.multiple ? pending_.upper_bound(event.sequence) : pending_.find(event.sequence);
  if (!event.multiple && last == pending_.end()) return settled;  // not ours (or already settled)
  const auto end = event.multiple ? last : std::next(last);
  for (auto it = event.multiple ? first : last; it != end; ++it) {
    Outcome outcome = Outcome::kNacked;
    if (event.kind == ConfirmEvent::Kind::kAck) outcome = it->second.returned ? Outcome::kReturned : Outcome::kConfirmed;
    settled.push_back(Settled{std::move(it->second.entry), outcome});
  }
  pending_.erase(event.multiple ? first : last, end);
  return settled;
}

std::optional<ConfirmTracker::Clock::time_point> ConfirmTracker::OldestDeadline() const {
  std::optional<Clock::time_point> oldest;
  for (const auto& [sequence, pending] : pending_) {
    if (!oldest || pending.deadline < *oldest) oldest = pending.deadline;
  }
  return oldest;
}

std::vector<ConfirmTracker::Entry> ConfirmTracker::TakeAll() {
  std::vector<Entry> entries;
  entries.reserve(pending_.size());
  for (auto& [sequence, pending] : pending_) entries.push_back(std::move(pending.entry));
  pending_.clear();
  return entries;
}

}  // namespace rpc
