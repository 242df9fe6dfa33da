// Command-line parsing shared by the commands: Boost.Program_options behind a
// Result, so that a bad command line is a Status (exit_code::kUsage) and never
// an exception escaping a command.
#pragma once

#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "base/result.h"

namespace agent::commands {

// Parses `args` (the words after the command name) against `options`;
// `positional_name` collects the positional words (may be empty for none).
base::Result<boost::program_options::variables_map> ParseCommandLine(
    const std::vector<std::string>& args, const boost::program_options::options_description& options,
    const std::string& positional_name);

// "Usage: bdm-agent <usage>\n" followed by the options' help text.
std::string UsageText(const std::string& usage, const boost::program_options::options_description& options);

}  // namespace agent::commands
