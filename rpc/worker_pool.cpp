#include "rpc/worker_pool.h"

namespace rpc {

WorkerPool::WorkerPool(std::size_t threads, DispatchQueue& queue, const RpcDispatcher& dispatcher)
    : queue_(queue), dispatcher_(dispatcher) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

WorkerPool::~WorkerPool() {
  queue_.Close();
  for (std::thread& thread : threads_) thread.join();
}

void WorkerPool::Work() {
  while (std::optional<Job> job = queue_.NextJob()) {
    HandlerResult result = dispatcher_.Dispatch(job->request, cancel_.get_token());
    queue_.Finish(FinishedJob{job->id, std::move(result)});
  }
}

}  // namespace rpc
