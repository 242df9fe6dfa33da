// Command-line parsing shared by the commands: Boost.Program_options behind a
// Result, so that a bad command line is a Status (exit_code::kUsage) and never
// an exception escaping a command.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/program_options.hpp>

#include "agent/command_env.h"
#include "base/result.h"

namespace agent::commands {

// Parses `args` (the words after the command name) against `options`;
// `positional_name` collects the positional words (may be empty for none).
base::Result<boost::program_options::variables_map> ParseCommandLine(
    const std::vector<std::string>& args, const boost::program_options::options_description& options,
    const std::string& positional_name);

// "Usage: bdm-agent <usage>\n" followed by the options' help text.
std::string UsageText(const std::string& usage, const boost::program_options::options_description& options);

// What every command does first: parse its arguments; on --help print the
// usage text to env.out, on a bad command line log one error naming the
// command. Returns the parsed options, or the exit code to return at once
// (kOk after --help, kUsage after an error).
std::variant<boost::program_options::variables_map, int> ParseCommand(
    std::string_view command, const std::string& usage, const std::vector<std::string>& args,
    const boost::program_options::options_description& options, const std::string& positional_name,
    const CommandEnv& env);

// How an operator names one BDM: its uuid, or an instance and a volume.
// Exactly one of bdm_uuid and (instance_uuid, volume_id) is set.
struct BdmSelection {
  std::string bdm_uuid, instance_uuid, volume_id;
};

// The selection from --instance/--volume or the positional words (one: a BDM
// uuid; two: instance and volume). kInvalidInput for any other combination or
// an id with whitespace.
base::Result<BdmSelection> ParseBdmSelection(const boost::program_options::variables_map& vm,
                                             const std::vector<std::string>& positional);

// Names given to a repeatable option (--host, --cell, ...): each non-empty,
// without spaces, commas or control characters; kInvalidInput naming the option.
// The values of a repeatable option (`std::vector<std::string>`), none when
// it was not given.
std::vector<std::string> Many(const boost::program_options::variables_map& vm, const char* key);

base::Status CheckNames(const std::vector<std::string>& names, std::string_view option);

// Logs "<command>: <message> (see bdm-agent <command> --help)"; returns kUsage.
int UsageError(std::string_view command, const std::string& message, const CommandEnv& env);

}  // namespace agent::commands
