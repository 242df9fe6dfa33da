// Runs a host tool (findmnt, blkid, dmidecode, multipathd, nvme) the way
// os-brick's execute helpers do: no shell, the program looked up in PATH,
// stdin from /dev/null, stdout captured, stderr discarded. The caller reads
// the exit code; only a program that cannot be started or does not finish is
// an error. Blocks the calling thread until the program ends or the timeout
// passes (the program is then killed and reaped). Safe from several threads.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/result.h"

namespace agent::host {

struct ProgramOutput {
  int exit_code = 0;  // the program's exit status; 128 + signal when killed by one
  std::string out;    // everything it wrote to stdout
};

inline constexpr std::chrono::seconds kProgramTimeout{60};

// `argv[0]` is looked up in PATH. kNotFound when it is not installed,
// kTimeout when it runs longer than `timeout`, kInternal when it cannot be
// started (pipe, spawn) for another reason.
base::Result<ProgramOutput> RunProgram(const std::vector<std::string>& argv,
                                       std::chrono::milliseconds timeout = kProgramTimeout);

}  // namespace agent::host
