// ParallelFor: runs task(0) ... task(count - 1) on up to `max_threads`
// threads at once (the calling thread is one of them) and returns when every
// task has returned. Made for work that mostly waits on a peer, such as one
// query per cell database: one after another, the waits add up; at once, the
// slowest is all that is waited for.
//
// Each index runs exactly once, on whichever thread takes it first, so tasks
// run at the same time and in no particular order: `task` must be safe for
// that (write each result to its own slot, indexed by the task's number).
// When a thread cannot be started, the threads already running take its
// share. A task that throws (a bug: expected failures are values) does not
// stop the others; the first exception is rethrown here once all are done.
#pragma once

#include <cstddef>
#include <functional>

namespace agent::db {

void ParallelFor(std::size_t count, std::size_t max_threads, const std::function<void(std::size_t)>& task);

}  // namespace agent::db
