// tools/bench show: cold wall time and peak RSS of `bdm-agent show` against
// `nova-manage volume_attachment show` on the same BDM, each a fresh process,
// runs interleaved so both see the same machine state. Prints each median and
// ends with "show: bdm-agent <s> s, nova-manage <s> s, ratio <x>".
//
// Usage: bench_show RUNS AGENT_BIN NOVA_CONF PYTHON NOVA_MANAGE INSTANCE VOLUME
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/benchmarks/process_timer.h"

namespace {

struct Series {
  std::vector<double> wall;
  std::vector<double> rss_mib;
};

bool Sample(const std::vector<std::string>& argv, Series& series) {
  auto sample = bench::RunTimed(argv);
  if (!sample.ok() || sample->exit_code != 0) {
    std::fprintf(stderr, "bench show: %s failed (exit %d)\n", argv[0].c_str(), sample.ok() ? sample->exit_code : -1);
    return false;
  }
  series.wall.push_back(sample->wall_seconds);
  series.rss_mib.push_back(static_cast<double>(sample->peak_rss_kib) / 1024.0);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: bench_show RUNS AGENT_BIN NOVA_CONF PYTHON NOVA_MANAGE INSTANCE VOLUME\n");
    return 64;
  }
  const int runs = std::atoi(argv[1]);
  const std::string agent = argv[2], conf = argv[3], python = argv[4], nova_manage = argv[5];
  const std::string instance = argv[6], volume = argv[7];
  const std::vector<std::string> ours = {agent, "--config-file", conf, "show", "--instance", instance,
                                         "--volume", volume, "--json"};
  const std::vector<std::string> theirs = {python, nova_manage, "--config-file", conf, "volume_attachment",
                                           "show", instance, volume, "--json"};
  Series agent_series, nova_series;
  // One unmeasured run each warms the page cache for both alike.
  if (!Sample(ours, agent_series) || !Sample(theirs, nova_series)) return 1;
  agent_series = {};
  nova_series = {};
  for (int i = 0; i < runs; ++i) {
    if (!Sample(ours, agent_series) || !Sample(theirs, nova_series)) return 1;
  }
  const double agent_wall = bench::Median(agent_series.wall);
  const double nova_wall = bench::Median(nova_series.wall);
  std::printf("runs: %d each, interleaved\n", runs);
  std::printf("bdm-agent show:   median wall %.4f s, median peak RSS %.1f MiB\n", agent_wall,
              bench::Median(agent_series.rss_mib));
  std::printf("nova-manage show: median wall %.4f s, median peak RSS %.1f MiB\n", nova_wall,
              bench::Median(nova_series.rss_mib));
  std::printf("show: bdm-agent %.4f s, nova-manage %.4f s, ratio %.1f\n", agent_wall, nova_wall,
              nova_wall / agent_wall);
  return 0;
}
