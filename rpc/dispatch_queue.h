// DispatchQueue: the hand-over between an RPC server's I/O thread (the one
// thread that owns the AMQP connection) and its worker threads.
//
// * The I/O thread Submit()s decoded requests as Jobs; workers take them in
//   order with NextJob(), which blocks until a job comes or Close() is
//   called. Submit never blocks: what is queued is bounded by the server's
//   basic.qos prefetch (deliveries unacked on one connection), so the queue
//   holds at most that many jobs per connection generation.
// * A worker hands its answer back with Finish(); the I/O thread collects
//   all answers with TakeFinished(). wake_fd() (an eventfd) is readable
//   while answers wait, so the I/O thread can poll it beside its socket.
// * DropQueued() takes back the jobs no worker has started (a server that
//   stops leaves them unacked for another server); Close() makes NextJob
//   return nullopt once the queue is empty, so workers end.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "rpc/rpc_codec.h"
#include "rpc/rpc_dispatcher.h"

namespace rpc {

struct Job {
  std::uint64_t id = 0;  // the server's own number for the request
  RpcRequest request;
};

struct FinishedJob {
  std::uint64_t id = 0;
  HandlerResult result;
};

class DispatchQueue {
 public:
  // kUnavailable when the eventfd cannot be made. Not movable (workers
  // hold a reference), hence the pointer.
  static base::Result<std::unique_ptr<DispatchQueue>> Create();

  DispatchQueue(DispatchQueue&&) = delete;
  DispatchQueue(const DispatchQueue&) = delete;
  DispatchQueue& operator=(const DispatchQueue&) = delete;
  ~DispatchQueue() = default;

  void Submit(Job job);
  // The next job, or nullopt once Close() was called and no job is left.
  std::optional<Job> NextJob();
  void Finish(FinishedJob finished);

  // Every answer handed back so far (oldest first); clears wake_fd().
  std::vector<FinishedJob> TakeFinished();
  // The ids of the jobs not yet taken by a worker, removed from the queue.
  std::vector<std::uint64_t> DropQueued();
  void Close();
  // Makes wake_fd() readable without an answer (e.g. a stop was requested).
  void Wake();

  int wake_fd() const { return wake_.get(); }
  std::size_t queued() const;

 private:
  explicit DispatchQueue(base::UniqueFd wake);

  base::UniqueFd wake_;
  mutable std::mutex mutex_;
  std::condition_variable job_ready_;
  std::deque<Job> jobs_;
  std::vector<FinishedJob> finished_;
  bool closed_ = false;
};

}  // namespace rpc
