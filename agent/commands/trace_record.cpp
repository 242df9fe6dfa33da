// `bdm-agent trace record`: an exclusive, auto-delete, server-named queue
// bound to the exchanges (or to amq.rabbitmq.trace with --firehose), every
// delivery appended to a new trace file as it comes (rpc/trace_writer.h), so
// that the file is whole whenever the recorder stops.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <random>

#include "agent/commands/cli.h"
#include "agent/commands/trace.h"
#include "agent/config/nova_config.h"
#include "agent/config/rpc_client_options.h"
#include "agent/exit_codes.h"
#include "agent/signal_waiter.h"
#include "agent/terminal_text.h"
#include "agent/trace/trace_broker.h"
#include "rpc/trace_capture.h"
#include "rpc/trace_writer.h"
#include "rpc/uuid4.h"
#include "bdm_agent_version.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "trace record --out FILE [--exchange E]... [--binding KEY]... [--firehose] [--duration S] [--count N]";
constexpr auto kProbeWait = std::chrono::seconds(3);

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct RecordOptions {
  std::string out;
  std::vector<std::string> exchanges, bindings;
  bool firehose = false;
  std::optional<double> duration;
  std::optional<std::uint64_t> count;
};

base::Result<RecordOptions> ReadOptions(const po::variables_map& vm) {
  RecordOptions r;
  if (!vm.count("out")) return base::Status::InvalidInput("--out FILE is required");
  r.out = vm["out"].as<std::string>();
  if (vm.count("exchange")) r.exchanges = vm["exchange"].as<std::vector<std::string>>();
  if (vm.count("binding")) r.bindings = vm["binding"].as<std::vector<std::string>>();
  r.firehose = vm.count("firehose") > 0;
  if (r.firehose && !r.exchanges.empty()) return base::Status::InvalidInput("--firehose and --exchange exclude each other");
  if (vm.count("duration")) {
    r.duration = vm["duration"].as<double>();
    if (!(*r.duration > 0) || *r.duration > 1e9) return base::Status::InvalidInput("--duration must be a positive number of seconds");
  }
  if (vm.count("count")) {
    const long long count = vm["count"].as<long long>();
    if (count <= 0) return base::Status::InvalidInput("--count must be at least 1");
    r.count = static_cast<std::uint64_t>(count);
  }
  return r;
}

// The live count on stderr when it is a terminal.
class Progress {
 public:
  Progress() : tty_(isatty(STDERR_FILENO) == 1), start_(Clock::now()) {}
  ~Progress() {
    if (tty_ && shown_) std::fputs("\n", stderr);
  }
  void Update(std::uint64_t count) {
    if (!tty_) return;
    const auto now = Clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    shown_ = true;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r%llu messages, %.1f/s   ", static_cast<unsigned long long>(count),
                 seconds > 0 ? static_cast<double>(count) / seconds : 0.0);
    std::fflush(stderr);
  }

 private:
  bool tty_;
  bool shown_ = false;
  Clock::time_point start_, last_;
};

}  // namespace

int RunTraceRecord(const std::vector<std::string>& args, const CommandEnv& env) {
  po::options_description options("trace record options");
  options.add_options()
      ("out", po::value<std::string>(), "the trace file to create (never written over)")
      ("exchange", po::value<std::vector<std::string>>()->composing(), "an exchange to tap (default control_exchange); repeatable")
      ("binding", po::value<std::vector<std::string>>()->composing(), "a binding key (default #); repeatable")
      ("firehose", "tap amq.rabbitmq.trace (needs rabbitmqctl trace_on on the vhost)")
      ("duration", po::value<double>(), "stop after S seconds")
      ("count", po::value<long long>(), "stop after N messages")
      ("help,h", "print this help");
  auto parsed = ParseCommand("trace record", kUsage, args, options, "", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  auto read = ReadOptions(std::get<po::variables_map>(parsed));
  if (!read.ok()) return UsageError("trace record", read.error().message(), env);
  const RecordOptions& opts = *read;

  struct stat existing;
  if (lstat(opts.out.c_str(), &existing) == 0) {
    env.log.Error("--out " + EscapeControls(opts.out) + ": exists; a trace is never written over");
    return exit_code::kTraceOutputFile;
  }
  auto nova = config::LoadNovaConfig(env.global.config);
  if (!nova.ok()) {
    env.log.Error(nova.error().message());
    return exit_code::kConfig;
  }
  std::mt19937_64 rng(std::random_device{}());
  auto client = config::RpcClientOptionsFromConfig(*nova, "bdm-agent", rng);
  if (!client.ok()) {
    env.log.Error(client.error().message());
    return exit_code::kConfig;
  }

  std::atomic<int> stop_signal{0};
  const SignalWaiter signals({SIGINT, SIGTERM}, [&](int signal) { stop_signal.store(signal); });

  trace::TapPlan plan;
  plan.firehose = opts.firehose;
  plan.exchanges = opts.exchanges.empty() && !opts.firehose
                       ? std::vector<std::string>{client->topology.control_exchange}
                       : opts.exchanges;
  plan.bindings = opts.bindings;
  auto tap = trace::OpenTap(client->connect, plan);
  if (!tap.ok()) {
    env.log.Error("cannot tap the broker: " + tap.error().message());
    return tap.error().code() == base::Code::kInvalidInput ? exit_code::kConfig : exit_code::kRefreshBrokerUnavailable;
  }
  rpc::TraceHeader header;
  header.started_at_ns = NowNs();
  header.broker = trace::BrokerName(tap->connection.peer(), client->connect.virtual_host);
  header.recorder = std::string("bdm-agent ") + BDM_AGENT_VERSION;
  auto writer = rpc::TraceWriter::Create(opts.out, header);
  if (!writer.ok()) {
    env.log.Error("--out " + EscapeControls(writer.error().message()));
    return exit_code::kTraceOutputFile;
  }

  std::optional<std::string> probe_key;
  Clock::time_point probe_deadline;
  if (opts.firehose) {
    probe_key = "bdm-agent.trace-probe." + rpc::NewUuid4Hex(rng);
    const base::Status sent = trace::SendProbe(tap->connection, *probe_key);
    if (!sent.ok()) {
      env.log.Error("cannot probe the firehose: " + sent.message());
      (void)writer->Close();
      unlink(opts.out.c_str());
      return exit_code::kRefreshBrokerUnavailable;
    }
    probe_deadline = Clock::now() + kProbeWait;
  }

  const std::string what = opts.firehose ? std::string("the firehose") : "exchanges " + [&] {
    std::string list;
    for (const std::string& e : plan.exchanges) list += (list.empty() ? "" : ", ") + e;
    return list;
  }();
  bool announced = false;
  const auto started = Clock::now();
  Progress progress;
  std::uint64_t recorded = 0;
  int code = exit_code::kOk;
  while (stop_signal.load() == 0) {
    if (opts.count && recorded >= *opts.count) break;
    if (opts.duration && std::chrono::duration<double>(Clock::now() - started).count() >= *opts.duration) break;
    if (probe_key && Clock::now() > probe_deadline) {
      env.log.Error("the firehose is off on vhost " + EscapeControls(client->connect.virtual_host) +
                    ": nothing was traced; run `rabbitmqctl trace_on -p " + EscapeControls(client->connect.virtual_host) +
                    "` (and trace_off afterwards)");
      code = exit_code::kTracingOff;
      break;
    }
    if (!announced && !probe_key) {
      std::fprintf(stderr, "recording %s on %s into %s (stop with Ctrl-C)\n", EscapeControls(what).c_str(),
                   EscapeControls(header.broker).c_str(), EscapeControls(opts.out).c_str());
      announced = true;
    }
    auto received = tap->connection.Receive(std::chrono::milliseconds(100));
    if (!received.ok()) {
      env.log.Error("recording stopped: " + received.error().message());
      code = exit_code::kRefreshBrokerUnavailable;
      break;
    }
    if (!received->has_value()) continue;
    const rpc::Delivery& delivery = **received;
    rpc::TraceRecord record = rpc::RecordOfDelivery(delivery, NowNs());
    (void)tap->connection.Ack(delivery.delivery_tag);
    if (probe_key && record.exchange.empty() && record.routing_key == *probe_key) {
      probe_key.reset();  // the firehose is on; the probe itself is not recorded
      continue;
    }
    if (delivery.dropped_body_bytes > 0) {
      env.log.Warning("a message of " + std::to_string(delivery.dropped_body_bytes) +
                      " bytes is over the 16 MiB limit: recorded without its body");
    }
    if (base::Status appended = writer->Append(record); !appended.ok()) {
      env.log.Error(appended.message());
      code = exit_code::kTraceOutputFile;
      break;
    }
    progress.Update(++recorded);
  }
  const base::Status closed = writer->Close();
  (void)tap->connection.Close();
  if (code == exit_code::kTracingOff) {
    unlink(opts.out.c_str());
    return code;
  }
  if (!closed.ok()) {
    env.log.Error(closed.message());
    return exit_code::kTraceOutputFile;
  }
  std::fprintf(stderr, "recorded %llu messages to %s\n", static_cast<unsigned long long>(recorded),
               EscapeControls(opts.out).c_str());
  return code;
}

}  // namespace agent::commands
