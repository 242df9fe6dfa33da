// `bdm-agent trace replay`: the requests of a trace sent again to a broker
// (agent/trace/replay_plan.h chooses them), through rpc::RpcClient (fresh
// ids, a reply queue of ours), at the recorded pace or --rate; --compare
// waits for each call's reply and judges it against the recorded one
// (agent/trace/reply_compare.h).
//
// The file is read twice: once to count what is selected (and, with
// --compare, to keep the recorded replies of the selected calls), before
// anything is sent; then to send, one request at a time. Memory holds the
// recorded replies, not the requests.
#include <chrono>
#include <cmath>
#include <csignal>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "agent/commands/cli.h"
#include "agent/commands/trace.h"
#include "agent/config/nova_config.h"
#include "agent/config/rpc_client_options.h"
#include "agent/exit_codes.h"
#include "agent/signal_waiter.h"
#include "agent/terminal_text.h"
#include "agent/trace/replay_plan.h"
#include "agent/trace/reply_compare.h"
#include "agent/trace/trace_broker.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "trace replay FILE --to URL [--method M]... [--rate R] [--rewrite-routing-key OLD=NEW]... [--compare] "
    "[--timeout S] [--yes-same-broker]";
constexpr double kMaxRate = 1e6;
constexpr double kMaxTimeoutSeconds = 86400;
constexpr auto kPoll = std::chrono::milliseconds(200);  // how often a wait looks at SIGINT

struct ReplayOptions {
  std::string file, to;
  trace::ReplaySelection selection;
  std::optional<double> rate, timeout_seconds;
  bool compare = false, same_broker_ok = false;
};

base::Result<ReplayOptions> ReadOptions(const po::variables_map& vm) {
  ReplayOptions r;
  const auto files = vm.count("file") ? vm["file"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (files.size() != 1) return base::Status::InvalidInput("give exactly one trace FILE");
  r.file = files[0];
  if (!vm.count("to")) return base::Status::InvalidInput("--to URL is required (the broker to replay to)");
  r.to = vm["to"].as<std::string>();
  if (vm.count("method")) r.selection.methods = vm["method"].as<std::vector<std::string>>();
  if (vm.count("rewrite-routing-key")) {
    for (const std::string& text : vm["rewrite-routing-key"].as<std::vector<std::string>>()) {
      BASE_TRY_ASSIGN(trace::RoutingKeyRewrite rewrite, trace::ParseRoutingKeyRewrite(text));
      r.selection.rewrites.push_back(std::move(rewrite));
    }
  }
  if (vm.count("rate")) {
    r.rate = vm["rate"].as<double>();
    if (!std::isfinite(*r.rate) || *r.rate <= 0 || *r.rate > kMaxRate) {
      return base::Status::InvalidInput("--rate must be a number of messages a second above 0, at most 1000000");
    }
  }
  if (vm.count("timeout")) {
    r.timeout_seconds = vm["timeout"].as<double>();
    if (!std::isfinite(*r.timeout_seconds) || *r.timeout_seconds <= 0 || *r.timeout_seconds > kMaxTimeoutSeconds) {
      return base::Status::InvalidInput("--timeout must be a number of seconds above 0, at most 86400");
    }
  }
  r.compare = vm.count("compare") > 0;
  r.same_broker_ok = vm.count("yes-same-broker") > 0;
  return r;
}

// What the first pass found.
struct Survey {
  std::uint64_t selected = 0;
  std::unordered_map<std::string, rpc::RpcReply> recorded_replies;  // by the recorded call's msg_id
};

// The first pass: how many requests are selected and (compare) their recorded replies.
std::variant<Survey, int> SurveyTrace(const ReplayOptions& opts, const CommandEnv& env) {
  auto opened = OpenTraceFile(opts.file, env);
  if (const int* code = std::get_if<int>(&opened)) return *code;
  rpc::TraceReader& reader = std::get<rpc::TraceReader>(opened);
  Survey survey;
  std::unordered_set<std::string> calls;
  for (std::uint64_t n = 1;; ++n) {
    auto next = reader.Next();
    if (!next.ok()) {
      env.log.Error(next.error().message());
      return TraceReadExitCode(next.error());
    }
    if (!next->has_value()) break;
    const rpc::TraceRecord& record = **next;
    if (auto request = trace::RequestToReplay(record, n, opts.selection)) {
      ++survey.selected;
      if (opts.compare && request->recorded_msg_id) calls.insert(*request->recorded_msg_id);
      continue;
    }
    if (!opts.compare || calls.empty()) continue;
    auto reply = rpc::DecodeReply(record.body);
    if (!reply.ok() || !reply->ending || calls.count(reply->msg_id) == 0) continue;
    survey.recorded_replies.try_emplace(reply->msg_id, std::move(reply).value());
  }
  if (reader.torn_tail()) {
    env.log.Warning(EscapeControls(opts.file) + ": the file ends inside a record (the recorder stopped mid-write); " +
                    "replaying its " + std::to_string(reader.records_read()) + " whole records");
  }
  return survey;
}

// Sleeps until `due` unless a signal came; false when one did.
bool SleepUntil(Clock::time_point due, const std::atomic<int>& stop) {
  while (stop.load() == 0) {
    const auto now = Clock::now();
    if (now >= due) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(due - now, kPoll));
  }
  return false;
}

struct Tally {
  std::uint64_t calls = 0, casts = 0, equal = 0, differ = 0, failed = 0, missing = 0, shown = 0;
  bool Bad() const { return differ + failed + missing > 0; }
};

std::string Plural(std::uint64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// Waits for the reply to `msg_id` and says what it was: one line to
// stdout, counted in `tally`. kUnavailable-like errors are returned.
base::Status AwaitAndJudge(rpc::RpcClient& client, const std::string& msg_id, const std::string& head,
                           const rpc::RpcReply* recorded, std::chrono::milliseconds timeout,
                           const std::atomic<int>& stop, Tally& tally, const CommandEnv& env) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || stop.load() != 0) break;
    auto reply = client.AwaitReply(msg_id, std::min<std::chrono::milliseconds>(left, kPoll));
    if (!reply.ok()) {
      if (reply.error().code() == base::Code::kTimeout) continue;
      return reply.error();
    }
    std::string verdict;
    if (recorded != nullptr) {
      const trace::ReplyComparison compared = trace::CompareReplies(*recorded, *reply);
      ++(compared.equal ? tally.equal : tally.differ);
      verdict = "reply " + compared.detail;
    } else {
      ++(reply->failure ? tally.failed : tally.shown);
      verdict = "reply (none recorded): " + trace::ShowReply(*reply);
    }
    std::fprintf(env.out, "%s: %s\n", head.c_str(), verdict.c_str());
    return base::Status::Ok();
  }
  if (stop.load() != 0) return base::Status::Ok();
  ++tally.missing;
  std::fprintf(env.out, "%s: no reply within %.3g s\n", head.c_str(), static_cast<double>(timeout.count()) / 1000);
  return base::Status::Ok();
}

}  // namespace

int RunTraceReplay(const std::vector<std::string>& args, const CommandEnv& env) {
  po::options_description options("trace replay options");
  options.add_options()
      ("to", po::value<std::string>(), "the broker to send to: a rabbit:// transport URL")
      ("method", po::value<std::vector<std::string>>()->composing(), "only requests of this method; repeatable")
      ("rate", po::value<double>(), "R requests a second instead of the recorded pace")
      ("rewrite-routing-key", po::value<std::vector<std::string>>()->composing(),
       "OLD=NEW: send what was recorded with routing key OLD with NEW; repeatable")
      ("compare", "wait for each call's reply and compare it with the recorded one")
      ("timeout", po::value<double>(), "seconds to wait for a reply (default: rpc_response_timeout)")
      ("yes-same-broker", "allow replaying to the broker the trace was recorded from")
      ("help,h", "print this help");
  options.add_options()("file", po::value<std::vector<std::string>>()->composing(), "the trace file");
  auto parsed = ParseCommand("trace replay", kUsage, args, options, "file", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  auto read = ReadOptions(std::get<po::variables_map>(parsed));
  if (!read.ok()) return UsageError("trace replay", read.error().message(), env);
  const ReplayOptions& opts = *read;

  auto nova = config::LoadNovaConfig(env.global.config);
  if (!nova.ok()) {
    env.log.Error(nova.error().message());
    return exit_code::kConfig;
  }
  std::mt19937_64 rng(std::random_device{}());
  auto client_options = config::RpcClientOptionsForUrl(*nova, opts.to, "--to", "bdm-agent", rng);
  if (!client_options.ok()) {
    env.log.Error(client_options.error().message());
    return exit_code::kConfig;
  }
  const auto timeout = std::chrono::milliseconds(std::llround(
      opts.timeout_seconds.value_or(static_cast<double>(std::max(nova->rpc_response_timeout, 1))) * 1000));

  auto surveyed = SurveyTrace(opts, env);
  if (const int* code = std::get_if<int>(&surveyed)) return *code;
  const Survey& survey = std::get<Survey>(surveyed);
  if (survey.selected == 0) {
    env.log.Error("nothing to replay: " + EscapeControls(opts.file) + " holds no request" +
                  (opts.selection.methods.empty() ? "" : " of the --method given") +
                  " (replies and notifications are not replayed)");
    return exit_code::kTraceNothingSelected;
  }

  auto opened = OpenTraceFile(opts.file, env);
  if (const int* code = std::get_if<int>(&opened)) return *code;
  rpc::TraceReader& reader = std::get<rpc::TraceReader>(opened);
  const std::string recorded_broker = EscapeControls(reader.header().broker);
  if (trace::SameBroker(reader.header().broker, client_options->connect) && !opts.same_broker_ok) {
    env.log.Error("--to is " + recorded_broker + ", the broker the trace was recorded from; replaying there " +
                  "sends its requests to the live services again: add --yes-same-broker if that is meant");
    return exit_code::kReplaySameBroker;
  }

  std::atomic<int> stop_signal{0};
  const SignalWaiter signals({SIGINT, SIGTERM}, [&](int signal) { stop_signal.store(signal); });
  auto client = rpc::RpcClient::Connect(*client_options);
  if (!client.ok()) {
    env.log.Error("cannot connect to --to: " + client.error().message());
    return client.error().code() == base::Code::kInvalidInput ? exit_code::kConfig
                                                               : exit_code::kRefreshBrokerUnavailable;
  }

  Tally tally;
  std::optional<std::int64_t> previous_t_ns;
  Clock::time_point due = Clock::now();
  int code = exit_code::kOk;
  for (std::uint64_t n = 1; stop_signal.load() == 0; ++n) {
    auto next = reader.Next();
    if (!next.ok()) {
      env.log.Error(next.error().message());
      code = TraceReadExitCode(next.error());
      break;
    }
    if (!next->has_value()) break;
    std::optional<trace::ReplayRequest> item = trace::RequestToReplay(**next, n, opts.selection);
    if (!item) continue;
    if (previous_t_ns) due += trace::GapBefore(*previous_t_ns, item->t_ns, opts.rate);
    previous_t_ns = item->t_ns;
    if (!SleepUntil(due, stop_signal)) break;
    const bool call = item->recorded_msg_id.has_value();
    std::string head = "#" + std::to_string(item->n) + " " + (call ? "call " : "cast ") +
                       EscapeControls(item->request.method) + " -> " + EscapeControls(item->to.exchange) + " " +
                       EscapeControls(item->to.routing_key);
    if (!item->exact) {
      env.log.Warning(head + ": the recorded body is not in oslo's own form; it is sent re-serialised " +
                      "(equivalent, not byte for byte)");
    }
    auto sent = client->Send(item->to, std::move(item->request), item->properties, timeout);
    if (!sent.ok()) {
      std::fflush(env.out);
      env.log.Error(head + ": " + sent.error().message());
      code = sent.error().code() == base::Code::kInvalidInput ? exit_code::kCorruptData
                                                               : exit_code::kRefreshBrokerUnavailable;
      break;
    }
    if (!call) {
      ++tally.casts;
      std::fprintf(env.out, "%s: sent\n", head.c_str());
      continue;
    }
    ++tally.calls;
    head += " (msg_id " + **sent + ")";
    if (!opts.compare) {
      std::fprintf(env.out, "%s: sent\n", head.c_str());
      continue;
    }
    const auto found = survey.recorded_replies.find(*item->recorded_msg_id);
    const rpc::RpcReply* recorded = found == survey.recorded_replies.end() ? nullptr : &found->second;
    const base::Status judged = AwaitAndJudge(*client, **sent, head, recorded, timeout, stop_signal, tally, env);
    if (!judged.ok()) {
      std::fflush(env.out);
      env.log.Error(head + ": " + judged.message());
      code = exit_code::kRefreshBrokerUnavailable;
      break;
    }
  }
  std::fflush(env.out);
  (void)client->Close();
  if (stop_signal.load() != 0 && code == exit_code::kOk) code = exit_code::kInterrupted;
  std::string summary = "replayed " + Plural(tally.calls, "call") + " and " + Plural(tally.casts, "cast") + " to " +
                        EscapeControls(trace::BrokerName(rpc::PeerName(client_options->connect.hosts[0]),
                                                         client_options->connect.virtual_host));
  if (opts.compare) {
    summary += ": " + std::to_string(tally.equal) + " equal, " + std::to_string(tally.differ) + " differ, " +
               std::to_string(tally.failed) + " failed, " + std::to_string(tally.missing) + " without a reply, " +
               std::to_string(tally.shown) + " with no recorded reply to compare";
  }
  std::fprintf(stderr, "%s\n", summary.c_str());
  if (code == exit_code::kOk && opts.compare && tally.Bad()) code = exit_code::kReplayRepliesDiffer;
  return code;
}

}  // namespace agent::commands
