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
  for (auto it = replies_.begin(); it != replies_.end();) {
    if (it->next_attempt > now || !PublishReply(*it, now)) {
      ++it;
      continue;
    }
    in_flight_.erase(it->job);
    it = replies_.erase(it);
  }
}

// One attempt; true when the reply was sent or given up (and its message
// acked), false when it is to be tried again at reply.next_attempt.
bool RpcServer::PublishReply(PendingReply& reply, Clock::time_point now) {
  InFlight& entry = in_flight_.at(reply.job);
  const std::string what = "reply to " + *entry.msg_id + " on " + *entry.reply_q;
  base::Status status = base::Status::Unavailable("not connected");
  if (connection_ && connection_->usable()) {
    auto outcome = connection_->Publish("", *entry.reply_q, CastProperties(), reply.body, Mandatory::kYes,
                                        now + options_.publish_timeout);
    if (outcome.ok() && outcome->confirmed && !outcome->returned) {
      ++stats_.replies_sent;
      Ack(reply.job);
      return true;
    }
    if (outcome.ok() && outcome->returned) {
      Ack(reply.job);  // handled; only the answer waits for its queue
      if (now < reply.deadline && !stopping_) {
        reply.next_attempt = now + kMissingQueueRetry;
        return false;
      }
      ++stats_.replies_dropped;
      RememberGone(*entry.reply_q);
      Log(what + ": dropped, the reply queue is missing");
      return true;
    }
    status = outcome.ok() ? base::Status::Unavailable("not confirmed") : outcome.error();
    if (!connection_->usable()) connection_.reset();
  }
  if (!Retryable(status) || now >= reply.deadline) {
    ++stats_.replies_dropped;
    Ack(reply.job);
    Log(what + ": dropped: " + status.ToString());
    return true;
  }
  if (connection_) Log(what + ": retrying: " + status.ToString());
  reply.next_attempt = now + kBrokenRetry;
  return false;
}

void RpcServer::SendHeartbeats(Clock::time_point now) {
  for (std::uint64_t id : call_monitor_.TakeDue(now)) {
    auto it = in_flight_.find(id);
    if (it == in_flight_.end() || !connection_ || !connection_->usable()) continue;  // skipped, not fatal
    const InFlight& entry = it->second;
    RpcReply heartbeat{"null", std::nullopt, false, *entry.msg_id, NewUuid4Hex(*rng_)};
    auto body = EncodeReply(heartbeat);
    if (!body.ok()) continue;
    auto outcome = connection_->Publish("", *entry.reply_q, CastProperties(), *body, Mandatory::kYes,
                                        now + options_.publish_timeout);
    if (outcome.ok() && outcome->confirmed && !outcome->returned) {
      ++stats_.heartbeats_sent;
      continue;
    }
    Log("call-monitor heartbeat for " + *entry.msg_id + " on " + *entry.reply_q + " failed: " +
        (outcome.ok() ? std::string("the reply queue is missing") : outcome.error().ToString()));
    if (!connection_->usable()) {
      connection_.reset();  // the next ones go out on the new connection
    } else {
      call_monitor_.Remove(id);  // as oslo's watchdog: the caller is gone
    }
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
