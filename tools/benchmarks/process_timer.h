// Runs a command as a child process and measures it from fork to exit: wall
// time and peak resident set size (from wait4's rusage), with stdout and
// stderr sent to /dev/null. Used by the benchmarks to time bdm-agent and the
// reference tool the same way.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace bench {

struct ProcessSample {
  double wall_seconds = 0;
  long peak_rss_kib = 0;
  int exit_code = 0;
};

base::Result<ProcessSample> RunTimed(const std::vector<std::string>& argv);

double Median(std::vector<double> values);

}  // namespace bench
