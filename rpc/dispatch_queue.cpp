#include "rpc/dispatch_queue.h"

#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>

namespace rpc {

DispatchQueue::DispatchQueue(base::UniqueFd wake) : wake_(std::move(wake)) {}

base::Result<std::unique_ptr<DispatchQueue>> DispatchQueue::Create() {
  base::UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return base::Status::Unavailable(std::string("eventfd: ") + std::strerror(errno));
  return std::unique_ptr<DispatchQueue>(new DispatchQueue(std::move(wake)));
}

void DispatchQueue::Submit(Job job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  job_ready_.notify_one();
}

std::optional<Job> DispatchQueue::NextJob() {
  std::unique_lock lock(mutex_);
  job_ready_.wait(lock, [this] { return closed_ || !jobs_.empty(); });
  if (jobs_.empty()) return std::nullopt;
  Job job = std::move(jobs_.front());
  jobs_.pop_front();
  return job;
}

void DispatchQueue::Finish(FinishedJob finished) {
  {
    std::lock_guard lock(mutex_);
    finished_.push_back(std::move(finished));
  }
  Wake();
}

void DispatchQueue::Wake() {
  const std::uint64_t one = 1;
  // Cannot fail but for an overflow of the counter, which TakeFinished resets.
  (void)!::write(wake_.get(), &one, sizeof one);
}

std::vector<FinishedJob> DispatchQueue::TakeFinished() {
  std::uint64_t count = 0;
  (void)!::read(wake_.get(), &count, sizeof count);  // EAGAIN when nothing was written
  std::lock_guard lock(mutex_);
  return std::exchange(finished_, {});
}

std::vector<std::uint64_t> DispatchQueue::DropQueued() {
  std::lock_guard lock(mutex_);
  std::vector<std::uint64_t> ids;
  for (const Job& job : jobs_) ids.push_back(job.id);
  jobs_.clear();
  return ids;
}

void DispatchQueue::Close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  job_ready_.notify_all();
}

std::size_t DispatchQueue::queued() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

}  // namespace rpc
