// WorkerPool: the threads that run an RPC server's handlers. Each takes the
// next job from a DispatchQueue, runs it through the RpcDispatcher and
// hands the answer back to the queue, until the queue is closed and empty.
//
// The pool's stop token is what handlers see as CallInput::cancel: it is
// requested by Cancel() (the server gave up waiting for them, e.g. a
// shutdown past its grace period), never by the end of the pool alone.
//
// Construction starts the threads; the destructor closes the queue, and
// joins them (so a handler that is running is waited for: Cancel() first
// to make it hurry). The queue and the dispatcher must outlive the pool.
// Cancel() may be called from any thread.
#pragma once

#include <cstddef>
#include <stop_token>
#include <thread>
#include <vector>

#include "rpc/dispatch_queue.h"
#include "rpc/rpc_dispatcher.h"

namespace rpc {

class WorkerPool {
 public:
  // `threads` of 0 counts as 1.
  WorkerPool(std::size_t threads, DispatchQueue& queue, const RpcDispatcher& dispatcher);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();

  void Cancel() { cancel_.request_stop(); }
  std::size_t size() const { return threads_.size(); }

 private:
  void Work();

  DispatchQueue& queue_;
  const RpcDispatcher& dispatcher_;
  std::stop_source cancel_;
  std::vector<std::thread> threads_;  // last: the threads use the members above
};

}  // namespace rpc
