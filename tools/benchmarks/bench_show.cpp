// tools/bench show: cold wall time and peak RSS of `bdm-agent show` against
// `nova-manage volume_attachment show` on the same BDM, each a fresh process,
// runs interleaved so all see the same machine state. Prints each median and
// ends with "show: bdm-agent <s> s, nova-manage <s> s, ratio <x>".
// Given the floor program (show_floor.cpp: process start, the two connects,
// the two queries, nothing else) and its arguments, it is run interleaved too,
// and a line says how far bdm-agent is above it.
//
// Usage: bench_show RUNS AGENT_BIN NOVA_CONF PYTHON NOVA_MANAGE INSTANCE VOLUME
//                   [FLOOR_BIN HOST PORT USER PASSWORD API_DB CELL_DB]
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
  if (argc != 8 && argc != 15) {
    std::fprintf(stderr,
                 "usage: bench_show RUNS AGENT_BIN NOVA_CONF PYTHON NOVA_MANAGE INSTANCE VOLUME "
                 "[FLOOR_BIN HOST PORT USER PASSWORD API_DB CELL_DB]\n");
    return 64;
  }
  const int runs = std::atoi(argv[1]);
  const std::string agent = argv[2], conf = argv[3], python = argv[4], nova_manage = argv[5];
  const std::string instance = argv[6], volume = argv[7];
  const std::vector<std::string> ours = {agent, "--config-file", conf, "show", "--instance", instance,
                                         "--volume", volume, "--json"};
  const std::vector<std::string> theirs = {python, nova_manage, "--config-file", conf, "volume_attachment",
                                           "show", instance, volume, "--json"};
  std::vector<std::string> floor;
  if (argc == 15) floor = {argv[8], argv[9], argv[10], argv[11], argv[12], argv[13], argv[14], instance, volume};
  Series agent_series, nova_series, floor_series;
  // One unmeasured run each warms the page cache for all alike. bdm-agent and
  // the floor take turns at running first after nova-manage (whose 170 MiB
  // leave the CPU caches cold), so that neither pays that alone.
  for (int i = -1; i < runs; ++i) {
    if (i == 0) agent_series = nova_series = floor_series = {};
    const bool floor_first = !floor.empty() && i % 2 != 0;
    if ((floor_first && !Sample(floor, floor_series)) || !Sample(ours, agent_series) ||
        (!floor.empty() && !floor_first && !Sample(floor, floor_series)) || !Sample(theirs, nova_series)) {
      return 1;
    }
  }
  const double agent_wall = bench::Median(agent_series.wall);
  const double nova_wall = bench::Median(nova_series.wall);
  std::printf("runs: %d each, interleaved\n", runs);
  std::printf("bdm-agent show:   median wall %.4f s, median peak RSS %.1f MiB\n", agent_wall,
              bench::Median(agent_series.rss_mib));
  std::printf("nova-manage show: median wall %.4f s, median peak RSS %.1f MiB\n", nova_wall,
              bench::Median(nova_series.rss_mib));
  if (!floor.empty()) {
    const double floor_wall = bench::Median(floor_series.wall);
    std::printf("show floor:       median wall %.4f s, median peak RSS %.1f MiB (process start, two connects, "
                "two queries: show_floor)\n",
                floor_wall, bench::Median(floor_series.rss_mib));
    std::printf("bdm-agent show above the floor: %.2f ms\n", (agent_wall - floor_wall) * 1e3);
  }
  std::printf("show: bdm-agent %.4f s, nova-manage %.4f s, ratio %.1f\n", agent_wall, nova_wall,
              nova_wall / agent_wall);
  return 0;
}
