#include "agent/commands/cli.h"

#include <sstream>

#include "agent/exit_codes.h"

namespace agent::commands {

namespace po = boost::program_options;

base::Result<po::variables_map> ParseCommandLine(const std::vector<std::string>& args,
                                                 const po::options_description& options,
                                                 const std::string& positional_name) {
  po::positional_options_description positional;
  if (!positional_name.empty()) positional.add(positional_name.c_str(), -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return base::Status::InvalidInput(e.what());
  }
  return vm;
}

std::string UsageText(const std::string& usage, const po::options_description& options) {
  std::ostringstream out;
  out << "Usage: bdm-agent " << usage << "\n\n" << options;
  return out.str();
}

std::variant<po::variables_map, int> ParseCommand(std::string_view command, const std::string& usage,
                                                 const std::vector<std::string>& args,
                                                 const po::options_description& options,
                                                 const std::string& positional_name, const CommandEnv& env) {
  auto vm = ParseCommandLine(args, options, positional_name);
  if (!vm.ok()) return UsageError(command, vm.error().message(), env);
  if (vm->count("help")) {
    std::fputs(UsageText(usage, options).c_str(), env.out);
    return exit_code::kOk;
  }
  return std::move(*vm);
}

int UsageError(std::string_view command, const std::string& message, const CommandEnv& env) {
  const std::string name(command);
  env.log.Error(name + ": " + message + " (see bdm-agent " + name + " --help)");
  return exit_code::kUsage;
}

}  // namespace agent::commands
