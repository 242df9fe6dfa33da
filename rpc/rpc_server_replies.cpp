// RpcServer on the I/O thread: the workers' answers become replies, replies
// are published (and retried while the reply queue is missing or the
// connection is being re-made), call-monitor heartbeats go out, and
// messages are acked on the connection they came from.
#include <algorithm>

#include "rpc/message_properties.h"
#include "rpc/rpc_codec.h"
#include "rpc/rpc_server.h"
#include "rpc/uuid4.h"

namespace rpc {
namespace {

constexpr std::size_t kGoneReplyQueues = 200;                 // ObsoleteReplyQueuesCache.SIZE
constexpr std::chrono::seconds kGoneReplyQueueTtl{60};        // ObsoleteReplyQueuesCache.TTL
constexpr std::chrono::milliseconds kMissingQueueRetry{250};  // amqpdriver.py reply(): time.sleep(0.25)
constexpr std::chrono::milliseconds kBrokenRetry{1000};       // a reply whose publish failed with the connection

bool Retryable(const base::Status& status) {
  return status.IsUnavailable() || status.code() == base::Code::kTimeout;
}

}  // namespace

void RpcServer::Ack(std::uint64_t job) {
  auto it = in_flight_.find(job);
  if (it == in_flight_.end() || it->second.acked) return;
  // A delivery tag is only valid on its own connection; after a reconnect the
  // broker redelivers the message and AdoptRedelivery or the duplicate check
  // takes care of the copy.
  if (it->second.generation != generation_ || !connection_ || !connection_->usable()) return;
  base::Status acked = connection_->Ack(it->second.delivery_tag);
  if (!acked.ok()) {
    Log("ack failed: " + acked.ToString());
    return;
  }
  it->second.acked = true;
}

void RpcServer::CollectFinished() {
  for (FinishedJob& finished : queue_->TakeFinished()) {
    call_monitor_.Remove(finished.id);
    auto it = in_flight_.find(finished.id);
    if (it == in_flight_.end()) continue;  // abandoned by a stop
    if (!it->second.msg_id) {              // a cast: nobody waits for an answer
      Ack(finished.id);
      in_flight_.erase(it);
      continue;
    }
    QueueReply(finished.id, std::move(finished.result));
  }
}

void RpcServer::QueueReply(std::uint64_t job, HandlerResult result) {
  InFlight& entry = in_flight_.at(job);
  const std::string what = "reply to " + *entry.msg_id + " on " + *entry.reply_q;
  auto done = [&] {
    ++stats_.replies_dropped;
    Ack(job);
    in_flight_.erase(job);
  };
  if (ReplyQueueGone(*entry.reply_q)) {
    Log(what + ": dropped, the reply queue is gone");
    return done();
  }
  RpcReply reply{std::move(result.result_json), std::move(result.failure), true, *entry.msg_id, NewUuid4Hex(*rng_)};
  auto body = EncodeReply(reply);
  if (!body.ok()) {  // a handler returned text that is not JSON: report it as Python would a TypeError
    reply.result_json = "null";
    reply.failure = MakeRemoteFailure("TypeError", "builtins", "result not serializable: " + body.error().message());
    body = EncodeReply(reply);
    if (!body.ok()) {
      Log(what + ": dropped, cannot encode: " + body.error().ToString());
      return done();
    }
  }
  const auto now = Clock::now();
  replies_.push_back(PendingReply{job, std::move(*body), now + options_.missing_reply_queue_timeout, now});
  FlushReplies(now);
}

void RpcServer::FlushReplies(Clock::time_point now) {
  // Taken out first: publishing may lose the connection, which queues replies again.
  std::vector<PendingReply> due;
  for (auto it = replies_.begin(); it != replies_.end();) {
    if (it->next_attempt > now) {
      ++it;
      continue;
    }
    due.push_back(std::move(*it));
    it = replies_.erase(it);
  }
  for (PendingReply& reply : due) {
    if (!PublishReply(reply, now)) replies_.push_back(std::move(reply));
  }
}

// One attempt without waiting; true when the reply went to the broker (and
// awaits its confirm in unconfirmed_) or was given up, false when it is to be
// tried again at reply.next_attempt.
bool RpcServer::PublishReply(PendingReply& reply, Clock::time_point now) {
  InFlight& entry = in_flight_.at(reply.job);
  base::Status status = base::Status::Unavailable("not connected");
  if (connection_ && connection_->usable()) {
    auto sequence = connection_->PublishNoWait("", *entry.reply_q, CastProperties(), reply.body, Mandatory::kYes);
    if (sequence.ok()) {
      unconfirmed_.Add(*sequence, {reply.job, false, reply.deadline, *entry.reply_q, std::move(reply.body)},
                       now + options_.publish_timeout);
      return true;
    }
    status = sequence.error();
    if (!connection_->usable()) DropConnection(status.ToString());
  }
  if (!Retryable(status) || now >= reply.deadline) {
    RetryOrDrop(std::move(reply), status, now);
    return true;
  }
  reply.next_attempt = now + kBrokenRetry;
  return false;
}

// A reply that was not confirmed (nacked, or its connection lost): queued
// again while its deadline allows, else dropped and its message acked.
void RpcServer::RetryOrDrop(PendingReply reply, const base::Status& why, Clock::time_point now) {
  const InFlight& entry = in_flight_.at(reply.job);
  const std::string what = "reply to " + *entry.msg_id + " on " + *entry.reply_q;
  if (Retryable(why) && now < reply.deadline) {
    Log(what + ": retrying: " + why.ToString());
    reply.next_attempt = now + (connection_ && connection_->usable() ? kBrokenRetry : std::chrono::milliseconds(0));
    replies_.push_back(std::move(reply));
    return;
  }
  ++stats_.replies_dropped;
  Ack(reply.job);
  Log(what + ": dropped: " + why.ToString());
  in_flight_.erase(reply.job);
}

void RpcServer::HandleConfirms(Clock::time_point now) {
  if (!connection_) return;
  for (const ConfirmEvent& event : connection_->TakeConfirmEvents()) {
    for (ConfirmTracker::Settled& settled : unconfirmed_.Apply(event)) Settle(std::move(settled), now);
  }
  if (auto oldest = unconfirmed_.OldestDeadline(); oldest && *oldest <= now && connection_) {
    ++stats_.confirm_timeouts;
    DropConnection("no publisher confirm within publish_timeout");
  }
}

void RpcServer::Settle(ConfirmTracker::Settled settled, Clock::time_point now) {
  ConfirmTracker::Entry& sent = settled.entry;
  const std::uint64_t job = sent.payload;
  auto it = in_flight_.find(job);
  if (sent.heartbeat) {
    if (settled.outcome == ConfirmTracker::Outcome::kConfirmed) {
      ++stats_.heartbeats_sent;
      return;
    }
    Log("call-monitor heartbeat on " + sent.routing_key + " failed: " +
        (settled.outcome == ConfirmTracker::Outcome::kReturned ? "the reply queue is missing" : "basic.nack"));
    if (settled.outcome == ConfirmTracker::Outcome::kReturned) call_monitor_.Remove(job);  // as oslo's watchdog: the caller is gone
    return;
  }
  if (it == in_flight_.end()) return;
  PendingReply reply{job, std::move(sent.body), sent.until, now};
  switch (settled.outcome) {
    case ConfirmTracker::Outcome::kConfirmed:
      ++stats_.replies_sent;
      Ack(job);
      in_flight_.erase(it);
      return;
    case ConfirmTracker::Outcome::kReturned:
      Ack(job);  // handled; only the answer waits for its queue
      if (now < reply.deadline && !stopping_) {
        reply.next_attempt = now + kMissingQueueRetry;
        replies_.push_back(std::move(reply));
        return;
      }
      ++stats_.replies_dropped;
      RememberGone(sent.routing_key);
      Log("reply to " + *it->second.msg_id + " on " + sent.routing_key + ": dropped, the reply queue is missing");
      in_flight_.erase(it);
      return;
    case ConfirmTracker::Outcome::kNacked:
      RetryOrDrop(std::move(reply), base::Status::Unavailable("the broker refused the reply (basic.nack)"), now);
      return;
  }
}

// The connection is given up (lost, or a confirm overdue): what awaited its
// confirm is published again on the next one (heartbeats are not: the next
// one is due soon enough).
void RpcServer::DropConnection(std::string_view why) {
  if (connection_) Log("connection lost: " + std::string(why));
  connection_.reset();
  consumer_tags_.clear();
  const auto now = Clock::now();
  for (ConfirmTracker::Entry& sent : unconfirmed_.TakeAll()) {
    if (sent.heartbeat || !in_flight_.contains(sent.payload)) continue;
    RetryOrDrop(PendingReply{sent.payload, std::move(sent.body), sent.until, now},
                base::Status::Unavailable("not confirmed before the connection was lost"), now);
  }
}

void RpcServer::SendHeartbeats(Clock::time_point now) {
  for (std::uint64_t id : call_monitor_.TakeDue(now)) {
    auto it = in_flight_.find(id);
    if (it == in_flight_.end() || !connection_ || !connection_->usable()) continue;  // skipped, not fatal
    const InFlight& entry = it->second;
    RpcReply heartbeat{"null", std::nullopt, false, *entry.msg_id, NewUuid4Hex(*rng_)};
    auto body = EncodeReply(heartbeat);
    if (!body.ok()) continue;
    auto sequence = connection_->PublishNoWait("", *entry.reply_q, CastProperties(), *body, Mandatory::kYes);
    if (sequence.ok()) {
      unconfirmed_.Add(*sequence, {id, true, now, *entry.reply_q, std::move(*body)}, now + options_.publish_timeout);
      continue;
    }
    Log("call-monitor heartbeat for " + *entry.msg_id + " on " + *entry.reply_q + " failed: " +
        sequence.error().ToString());
    if (!connection_->usable()) DropConnection(sequence.error().ToString());  // the next ones go on the new one
  }
}

bool RpcServer::ReplyQueueGone(const std::string& reply_q) {
  const auto now = Clock::now();
  std::erase_if(gone_reply_queues_, [now](const auto& entry) { return entry.second <= now; });
  return std::any_of(gone_reply_queues_.begin(), gone_reply_queues_.end(),
                     [&reply_q](const auto& entry) { return entry.first == reply_q; });
}

void RpcServer::RememberGone(const std::string& reply_q) {
  if (gone_reply_queues_.size() == kGoneReplyQueues) gone_reply_queues_.pop_front();
  gone_reply_queues_.emplace_back(reply_q, Clock::now() + kGoneReplyQueueTtl);
}

}  // namespace rpc
