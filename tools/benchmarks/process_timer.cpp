#include "tools/benchmarks/process_timer.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/unique_fd.h"

namespace bench {

namespace {

double Seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

base::Status Errno(const char* what) { return base::Status::Internal(std::string(what) + ": " + std::strerror(errno)); }

}  // namespace

base::Result<ProcessSample> RunTimed(const std::vector<std::string>& argv, Output output) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  base::UniqueFd out_fd(output == Output::kCapture ? open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)
                                                   : open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (!out_fd) return Errno("open");

  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    dup2(out_fd.get(), STDOUT_FILENO);
    dup2(out_fd.get(), STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) < 0) return Errno("wait4");
  const auto end = std::chrono::steady_clock::now();
  ProcessSample sample;
  sample.wall_seconds = std::chrono::duration<double>(end - start).count();
  sample.cpu_seconds = Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
  sample.peak_rss_kib = usage.ru_maxrss;
  if (output == Output::kCapture) {
    char buffer[4096];
    for (off_t at = 0;;) {
      const ssize_t n = pread(out_fd.get(), buffer, sizeof buffer, at);
      if (n < 0) return Errno("read");
      if (n == 0) break;
      sample.output.append(buffer, static_cast<std::size_t>(n));
      at += n;
    }
  }
  sample.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return sample;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

}  // namespace bench
