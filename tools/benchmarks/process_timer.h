// Runs a command as a child process and measures it from fork to exit: wall
// time, CPU time (user + system) and peak resident set size (from wait4's
// rusage), with stdout and stderr sent to /dev/null or, when asked for,
// captured together through a temporary file (read after the child exited, so
// capturing costs the child nothing but its writes). Used by the benchmarks to
// time bdm-agent and the reference tool the same way.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace bench {

struct ProcessSample {
  double wall_seconds = 0;
  double cpu_seconds = 0;  // ru_utime + ru_stime of the child
  long peak_rss_kib = 0;
  int exit_code = 0;
  std::string output;  // stdout and stderr, when captured
};

enum class Output { kDiscard, kCapture };

base::Result<ProcessSample> RunTimed(const std::vector<std::string>& argv, Output output = Output::kDiscard);

double Median(std::vector<double> values);

}  // namespace bench
