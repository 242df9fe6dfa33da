// tools/bench refresh: wall time, CPU time and peak RSS of one
// `bdm-agent refresh` against one `nova-manage volume_attachment refresh`,
// each a fresh process, on twin instances of the same stack: every run takes
// the next two fresh (seeded, never refreshed) instances from PAIRS_FILE, one
// for each tool, and which tool goes first alternates. One unmeasured warm-up
// run each comes first (so PAIRS_FILE needs 2 * (RUNS + 1) lines).
//
// bdm-agent runs with --timings (and --debug, whose timing line also says
// how much of its own time went to the journal's fsyncs); the timing line
// splits its in-process wall time into database, broker, Cinder and Keystone
// waits (Keystone's: the token requests, whose answers carry the catalog) and
// its own time ("own" is the overhead), and says how many token requests the
// run made (the goal: one, however many Cinder calls follow). What lies outside the command (exec, dynamic loading, static
// initialisers, main's option parsing, exit) is the external wall time minus
// the command's, printed separately.
//
// Prints the medians and ends with
//   refresh: bdm-agent <s> s, nova-manage <s> s, ratio <x>, overhead <ms> ms
// (ratio = nova-manage / bdm-agent wall time; overhead = median own time).
//
// Usage: bench_refresh RUNS AGENT_BIN NOVA_CONF PYTHON NOVA_MANAGE CONNECTOR STATE_DIR PAIRS_FILE
//   PAIRS_FILE: one "INSTANCE_UUID VOLUME_ID" per line
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tools/benchmarks/process_timer.h"

namespace {

struct Twin {
  std::string instance, volume;
};

struct Series {
  std::vector<double> wall, cpu, rss_mib;
};

// The parts of bdm-agent's "timing: wall W ms, database D ms, broker B ms,
// cinder C ms, keystone K ms (N token requests), own O ms" line, in
// milliseconds.
struct AgentTiming {
  double wall = 0, database = 0, broker = 0, cinder = 0, keystone = 0, own = 0;
  int token_requests = 0;
  double journal_sync = 0;  // the part of `own` in fsync/fdatasync (from the --debug line)
};

struct TimingSeries {
  std::vector<double> wall, database, broker, cinder, keystone, token_requests, own, journal_sync, outside;
};

std::optional<AgentTiming> ParseTiming(const std::string& output) {
  const std::size_t at = output.rfind("timing: wall ");
  if (at == std::string::npos) return std::nullopt;
  AgentTiming t;
  if (std::sscanf(output.c_str() + at,
                  "timing: wall %lf ms, database %lf ms, broker %lf ms, cinder %lf ms, keystone %lf ms (%d token "
                  "requests), own %lf ms",
                  &t.wall, &t.database, &t.broker, &t.cinder, &t.keystone, &t.token_requests, &t.own) != 7) {
    return std::nullopt;
  }
  const std::size_t sync_at = output.find("own includes ");
  if (sync_at == std::string::npos || std::sscanf(output.c_str() + sync_at, "own includes %lf ms", &t.journal_sync) != 1) {
    return std::nullopt;
  }
  return t;
}

bool Sample(const std::vector<std::string>& argv, Series& series, std::string* output) {
  auto sample = bench::RunTimed(argv, bench::Output::kCapture);
  if (!sample.ok() || sample->exit_code != 0) {
    std::fprintf(stderr, "bench refresh: %s failed (exit %d)\n%s", argv[0].c_str(), sample.ok() ? sample->exit_code : -1,
                 sample.ok() ? sample->output.c_str() : sample.error().ToString().c_str());
    return false;
  }
  series.wall.push_back(sample->wall_seconds);
  series.cpu.push_back(sample->cpu_seconds);
  series.rss_mib.push_back(static_cast<double>(sample->peak_rss_kib) / 1024.0);
  if (output != nullptr) *output = std::move(sample->output);
  return true;
}

void PrintSeries(const char* name, const Series& s) {
  std::printf("%s median wall %.4f s, median CPU %.4f s, median peak RSS %.1f MiB\n", name, bench::Median(s.wall),
              bench::Median(s.cpu), bench::Median(s.rss_mib));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 9) {
    std::fprintf(stderr, "usage: bench_refresh RUNS AGENT_BIN NOVA_CONF PYTHON NOVA_MANAGE CONNECTOR STATE_DIR PAIRS_FILE\n");
    return 64;
  }
  const int runs = std::atoi(argv[1]);
  const std::string agent = argv[2], conf = argv[3], python = argv[4], nova_manage = argv[5];
  const std::string connector = argv[6], state_dir = argv[7];
  std::vector<Twin> twins;
  std::ifstream pairs(argv[8]);
  for (std::string line; std::getline(pairs, line);) {
    std::istringstream fields(line);
    Twin twin;
    if (fields >> twin.instance >> twin.volume) twins.push_back(std::move(twin));
  }
  if (runs < 1 || twins.size() < 2 * static_cast<std::size_t>(runs + 1)) {
    std::fprintf(stderr, "bench refresh: %d runs need %d instances in %s, found %zu\n", runs, 2 * (runs + 1), argv[8],
                 twins.size());
    return 64;
  }

  Series agent_series, nova_series;
  TimingSeries timing;
  for (int run = 0; run <= runs; ++run) {  // run 0 is the warm-up
    const Twin& ours = twins[2 * run];
    const Twin& theirs = twins[2 * run + 1];
    const std::vector<std::string> agent_argv = {agent, "--config-file", conf, "refresh", "--instance", ours.instance,
                                                 "--volume", ours.volume, "--connector", connector,
                                                 "--allow-hypervisor-type", "fake", "--state-dir", state_dir,
                                                 "--timings", "--debug"};
    const std::vector<std::string> nova_argv = {python, nova_manage, "--config-file", conf, "volume_attachment",
                                                "refresh", theirs.instance, theirs.volume, connector};
    Series agent_run, nova_run;
    std::string agent_output;
    const bool agent_first = run % 2 == 0;
    const bool ok = agent_first ? Sample(agent_argv, agent_run, &agent_output) && Sample(nova_argv, nova_run, nullptr)
                                : Sample(nova_argv, nova_run, nullptr) && Sample(agent_argv, agent_run, &agent_output);
    if (!ok) return 1;
    const std::optional<AgentTiming> t = ParseTiming(agent_output);
    if (!t) {
      std::fprintf(stderr, "bench refresh: no timing line in bdm-agent's output:\n%s", agent_output.c_str());
      return 1;
    }
    if (run == 0) continue;
    for (Series* s : {&agent_series, &nova_series}) {
      const Series& from = s == &agent_series ? agent_run : nova_run;
      s->wall.push_back(from.wall[0]);
      s->cpu.push_back(from.cpu[0]);
      s->rss_mib.push_back(from.rss_mib[0]);
    }
    timing.wall.push_back(t->wall);
    timing.database.push_back(t->database);
    timing.broker.push_back(t->broker);
    timing.cinder.push_back(t->cinder);
    timing.keystone.push_back(t->keystone);
    timing.token_requests.push_back(t->token_requests);
    timing.own.push_back(t->own);
    timing.journal_sync.push_back(t->journal_sync);
    timing.outside.push_back(agent_run.wall[0] * 1e3 - t->wall);
  }
  const double agent_wall = bench::Median(agent_series.wall);
  const double nova_wall = bench::Median(nova_series.wall);
  const double own = bench::Median(timing.own);
  std::printf("runs: %d each, interleaved, on fresh twin instances (after one warm-up each)\n", runs);
  PrintSeries("bdm-agent refresh:  ", agent_series);
  PrintSeries("nova-manage refresh:", nova_series);
  std::printf("bdm-agent in the refresh command (medians): wall %.1f ms, database %.1f ms, broker %.1f ms,"
              " cinder %.1f ms, keystone %.1f ms, own %.1f ms\n",
              bench::Median(timing.wall), bench::Median(timing.database), bench::Median(timing.broker),
              bench::Median(timing.cinder), bench::Median(timing.keystone), own);
  double most_token_requests = 0;
  for (double n : timing.token_requests) most_token_requests = std::max(most_token_requests, n);
  std::printf("bdm-agent Keystone token requests per run: median %.0f, most %.0f (the goal: 1)\n",
              bench::Median(timing.token_requests), most_token_requests);
  std::printf("bdm-agent own time in journal fsync/fdatasync (median): %.1f ms; own time without it (median): %.1f ms\n",
              bench::Median(timing.journal_sync), bench::Median([&] {
                std::vector<double> rest;
                for (std::size_t i = 0; i < timing.own.size(); ++i) rest.push_back(timing.own[i] - timing.journal_sync[i]);
                return rest;
              }()));
  std::printf("bdm-agent outside the command (start-up, exit; median): %.1f ms\n", bench::Median(timing.outside));
  std::printf("refresh: bdm-agent %.4f s, nova-manage %.4f s, ratio %.1f, overhead %.1f ms\n", agent_wall, nova_wall,
              nova_wall / agent_wall, own);
  return 0;
}
