// Unit tests of rpc/dispatch_queue and rpc/worker_pool: the hand-over
// between an RPC server's I/O thread and its workers (jobs in order,
// answers back with a wake-up fd, unstarted jobs taken back, cancel).
#include "rpc/dispatch_queue.h"

#include <poll.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "rpc/worker_pool.h"

namespace {

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

rpc::Job MakeJob(std::uint64_t id, std::string method) {
  rpc::Job job;
  job.id = id;
  job.request.method = std::move(method);
  job.request.args_json = "{}";
  return job;
}

// Waits up to 10 s for `count` answers.
std::vector<rpc::FinishedJob> Collect(rpc::DispatchQueue& queue, std::size_t count) {
  std::vector<rpc::FinishedJob> all;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (all.size() < count && std::chrono::steady_clock::now() < deadline) {
    if (!Readable(queue.wake_fd(), 100)) continue;
    for (auto& finished : queue.TakeFinished()) all.push_back(std::move(finished));
  }
  return all;
}

}  // namespace

TEST_CASE("rpc::DispatchQueue") {
  auto created = rpc::DispatchQueue::Create();
  REQUIRE(created.ok());
  rpc::DispatchQueue& queue = **created;

  SUBCASE("jobs come out in order; answers wake the fd until taken") {
    queue.Submit(MakeJob(1, "a"));
    queue.Submit(MakeJob(2, "b"));
    CHECK(queue.queued() == 2);
    CHECK(queue.NextJob()->id == 1);
    CHECK_FALSE(Readable(queue.wake_fd(), 0));
    queue.Finish({1, rpc::HandlerResult::Return("1")});
    CHECK(Readable(queue.wake_fd(), 0));
    auto answers = queue.TakeFinished();
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].result.result_json == "1");
    CHECK_FALSE(Readable(queue.wake_fd(), 0));
    CHECK(queue.TakeFinished().empty());
  }
  SUBCASE("DropQueued takes back what no worker started; Close ends NextJob") {
    queue.Submit(MakeJob(1, "a"));
    queue.Submit(MakeJob(2, "b"));
    CHECK(queue.NextJob()->id == 1);
    CHECK(queue.DropQueued() == std::vector<std::uint64_t>{2});
    queue.Close();
    CHECK_FALSE(queue.NextJob());
  }
  SUBCASE("Wake makes the fd readable without an answer") {
    queue.Wake();
    CHECK(Readable(queue.wake_fd(), 0));
    CHECK(queue.TakeFinished().empty());
    CHECK_FALSE(Readable(queue.wake_fd(), 0));
  }
}

TEST_CASE("rpc::WorkerPool runs handlers concurrently and hands the answers back") {
  auto created = rpc::DispatchQueue::Create();
  REQUIRE(created.ok());
  rpc::DispatchQueue& queue = **created;
  std::atomic<int> running{0}, most{0};
  rpc::Endpoint endpoint;
  endpoint.methods["slow"] = [&](const rpc::CallInput& input) {
    const int now = ++running;
    for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {}
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    while (!input.cancel.stop_requested() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    --running;
    return rpc::HandlerResult::Return(input.cancel.stop_requested() ? "\"cancelled\"" : "\"done\"");
  };
  endpoint.methods["fast"] = [](const rpc::CallInput&) { return rpc::HandlerResult::Return("\"fast\""); };
  const rpc::RpcDispatcher dispatcher({endpoint});

  SUBCASE("a slow job does not hold up a fast one on another worker") {
    rpc::WorkerPool pool(3, queue, dispatcher);
    CHECK(pool.size() == 3);
    queue.Submit(MakeJob(1, "slow"));
    queue.Submit(MakeJob(2, "slow"));
    queue.Submit(MakeJob(3, "fast"));
    auto first = Collect(queue, 1);
    REQUIRE(first.size() == 1);
    CHECK(first[0].id == 3);  // the fast one, while both slow ones run
    auto rest = Collect(queue, 2);
    CHECK(rest.size() == 2);
    CHECK(most.load() == 2);
  }
  SUBCASE("Cancel reaches running handlers through CallInput::cancel") {
    rpc::WorkerPool pool(1, queue, dispatcher);
    queue.Submit(MakeJob(1, "slow"));
    while (running.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    pool.Cancel();
    auto answers = Collect(queue, 1);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].result.result_json == "\"cancelled\"");
  }
}
