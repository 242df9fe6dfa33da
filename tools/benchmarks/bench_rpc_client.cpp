// tools/bench serve: the load generator, the same for every server the bench
// compares (bdm-agent serve, the oslo.messaging reference, the broker's
// ceiling). THREADS threads each own one rpc::RpcClient (a publishing and a
// reply connection, as `bdm-agent refresh` uses it) and call
// ping() (namespace bdm_agent, version 1.0, an admin context) on
// Target(topic=TOPIC, server=SERVER), one call after the other; the bench
// runs several such processes at once to reach its concurrency.
//
// Each thread connects and makes WARMUP untimed calls, then waits for
// START_AT (seconds since the epoch, so that processes started one after the
// other begin together; 0: at once), then calls until SECONDS have passed or
// it made MAX_CALLS (0: no limit). Every reply must be a result naming SERVER
// as its "host".
//
// Usage: bench_rpc_client URL TOPIC SERVER THREADS SECONDS MAX_CALLS WARMUP START_AT
// Prints one JSON line {"threads", "calls": all threads' timed calls,
// "seconds": from the start to the last thread's end, "late_s": how late
// after START_AT this process began, "cpu_s": the process's CPU time (user +
// system) over the timed part, "latencies_us": every timed call's round trip,
// "reply_queues": the clients' reply queues (left on the broker, x-expires;
// the bench deletes them)}. Exit 1 when a call fails or a reply is not the
// expected one, 64 on bad arguments.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "rpc/rpc_client.h"
#include "rpc/transport_url.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string url;
  rpc::RpcTarget target;
  int threads = 1;
  double seconds = 1;
  long max_calls = 0;  // per thread; 0: only `seconds` bounds the run
  int warmup = 0;
  double start_at = 0;  // epoch seconds; 0: at once
};

// Whole-number argument within [low, high], or nothing.
std::optional<long> Number(const char* text, long low, long high) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < low || value > high) return std::nullopt;
  return value;
}

std::optional<Options> Parse(int argc, char** argv) {
  if (argc != 9) return std::nullopt;
  Options o;
  o.url = argv[1];
  o.target = rpc::RpcTarget{"", argv[2], argv[3]};
  const auto threads = Number(argv[4], 1, 256);
  const auto max_calls = Number(argv[6], 0, 100000000);
  const auto warmup = Number(argv[7], 0, 100000);
  char* end = nullptr;
  o.seconds = std::strtod(argv[5], &end);
  if (end == argv[5] || *end != '\0' || !(o.seconds > 0)) return std::nullopt;
  o.start_at = std::strtod(argv[8], &end);
  if (end == argv[8] || *end != '\0' || !(o.start_at >= 0)) return std::nullopt;
  if (!threads || !max_calls || !warmup || o.target.topic.empty() || o.target.server.empty()) return std::nullopt;
  o.threads = static_cast<int>(*threads);
  o.max_calls = *max_calls;
  o.warmup = static_cast<int>(*warmup);
  return o;
}

base::Result<rpc::RpcClient> Connect(const std::string& url_text, std::mt19937_64& rng) {
  BASE_TRY_ASSIGN(auto url, rpc::ParseTransportUrl(url_text, "URL"));
  BASE_TRY_ASSIGN(auto connect, rpc::ConnectOptionsFromUrl(url, rpc::TlsOptions{}));
  connect.connection_name = rpc::OsloConnectionName("bench_rpc_client", rng);
  rpc::RpcClientOptions options;
  options.connect = connect;
  return rpc::RpcClient::Connect(options);
}

rpc::RpcRequest Ping() {
  rpc::RpcRequest request;
  request.method = "ping";
  request.namespace_ = "bdm_agent";
  request.version = "1.0";
  request.context_json =
      R"({"user_id": "bench-user", "project_id": "bench-project", "is_admin": true, "roles": ["admin"], )"
      R"("request_id": "req-bench-rpc-client"})";
  return request;
}

base::Status CallOnce(rpc::RpcClient& client, const Options& o) {
  BASE_TRY_ASSIGN(rpc::RpcReply reply, client.Call(o.target, Ping(), std::chrono::seconds(30)));
  if (reply.result_json.find("\"host\": \"" + o.target.server + "\"") == std::string::npos) {
    return base::Status::Corrupt("ping answered something else: " + reply.result_json.substr(0, 200));
  }
  return base::Status::Ok();
}

// What one thread leaves behind.
struct ThreadOutcome {
  base::Status status;
  std::vector<double> latencies_us;
  Clock::time_point end{};
  std::string reply_queue;
};

// Connects, warms up, waits for every thread to be ready (`ready`), then
// calls from `start` on.
void RunThread(const Options& o, ThreadOutcome& out, std::mutex& mutex, std::condition_variable& cv,
               int& ready, std::optional<Clock::time_point>& start) {
  std::mt19937_64 rng(std::random_device{}());
  auto client = Connect(o.url, rng);
  base::Status status = client.ok() ? base::Status::Ok() : client.error();
  for (int i = 0; status.ok() && i < o.warmup; ++i) status = CallOnce(*client, o);
  Clock::time_point begin;
  {
    std::unique_lock lock(mutex);
    ++ready;
    cv.notify_all();
    cv.wait(lock, [&] { return start.has_value(); });
    begin = *start;
  }
  if (client.ok()) out.reply_queue = client->reply_queue();
  const auto stop = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  out.latencies_us.reserve(4096);
  for (long n = 0; status.ok() && (o.max_calls == 0 || n < o.max_calls) && Clock::now() < stop; ++n) {
    const auto before = Clock::now();
    status = CallOnce(*client, o);
    out.latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - before).count());
  }
  out.end = Clock::now();
  if (client.ok()) {
    base::Status closed = client->Close();
    if (status.ok()) status = closed;
  }
  out.status = status;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(usage.ru_utime) + sec(usage.ru_stime);
}

// Sleeps until the epoch time `at`; how late we are when already past it.
double WaitUntil(double at) {
  const auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (at <= 0) return 0;
  if (now >= at) return now - at;
  std::this_thread::sleep_for(std::chrono::duration<double>(at - now));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Options> options = Parse(argc, argv);
  if (!options) {
    std::fprintf(stderr, "usage: bench_rpc_client URL TOPIC SERVER THREADS SECONDS MAX_CALLS WARMUP START_AT "
                         "(THREADS 1-256, SECONDS > 0, MAX_CALLS 0 = no limit, START_AT epoch seconds or 0)\n");
    return 64;
  }
  const Options& o = *options;
  std::vector<ThreadOutcome> outcomes(o.threads);
  std::mutex mutex;
  std::condition_variable cv;
  int ready = 0;
  std::optional<Clock::time_point> start;
  std::vector<std::thread> threads;
  for (ThreadOutcome& out : outcomes) {
    threads.emplace_back(RunThread, std::cref(o), std::ref(out), std::ref(mutex), std::ref(cv), std::ref(ready),
                         std::ref(start));
  }
  double late_s = 0;
  double cpu_before = 0;
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return ready == o.threads; });
    late_s = WaitUntil(o.start_at);
    cpu_before = CpuSeconds();
    start = Clock::now();
    cv.notify_all();
  }
  for (std::thread& t : threads) t.join();
  const double cpu_s = CpuSeconds() - cpu_before;

  std::string latencies, queues;
  long calls = 0;
  Clock::time_point end = *start;
  for (const ThreadOutcome& out : outcomes) {
    if (!out.status.ok()) {
      std::fprintf(stderr, "bench_rpc_client: %s\n", out.status.ToString().c_str());
      return 1;
    }
    for (double us : out.latencies_us) latencies += (latencies.empty() ? "" : ", ") + std::to_string(us);
    queues += (queues.empty() ? "\"" : ", \"") + out.reply_queue + "\"";
    calls += static_cast<long>(out.latencies_us.size());
    end = std::max(end, out.end);
  }
  std::printf("{\"threads\": %d, \"calls\": %ld, \"seconds\": %.6f, \"late_s\": %.6f, \"cpu_s\": %.6f, "
              "\"latencies_us\": [%s], \"reply_queues\": [%s]}\n",
              o.threads, calls, std::chrono::duration<double>(end - *start).count(), late_s, cpu_s,
              latencies.c_str(), queues.c_str());
  return 0;
}
