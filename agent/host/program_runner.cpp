#include "agent/host/program_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"

extern char** environ;

namespace agent::host {
namespace {

std::string Errno(const std::string& context, int error) { return context + ": " + std::strerror(error); }

// posix_spawn_file_actions_t and posix_spawnattr_t, destroyed on scope exit.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

int Reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

base::Result<ProgramOutput> RunProgram(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  if (argv.empty()) return base::Status::Internal("RunProgram: empty argv");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return base::Status::Internal(Errno("pipe", errno));
  base::UniqueFd read_end(fds[0]);
  base::UniqueFd write_end(fds[1]);

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&setup.actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  // The child starts with default signal handling, whatever ours is.
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, args[0], &setup.actions, &setup.attr, args.data(), environ);
  if (spawn_error == ENOENT) return base::Status::NotFound(argv[0] + ": not installed (not found in PATH)");
  if (spawn_error != 0) return base::Status::Internal(Errno("cannot run " + argv[0], spawn_error));
  write_end.Reset();

  ProgramOutput result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{read_end.get(), POLLIN, 0};
    const int ready = left.count() > 0 ? poll(&p, 1, static_cast<int>(left.count())) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      kill(pid, SIGKILL);
      Reap(pid);
      return base::Status::Timeout(argv[0] + ": did not finish within " + std::to_string(timeout.count()) + " ms");
    }
    const ssize_t n = read(read_end.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF (or a read error: treat as the end of output)
    result.out.append(buffer, static_cast<std::size_t>(n));
  }
  result.exit_code = ExitCode(Reap(pid));
  return result;
}

}  // namespace agent::host
