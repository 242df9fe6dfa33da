#include "agent/commands/cli.h"

#include <algorithm>
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

base::Result<BdmSelection> ParseBdmSelection(const po::variables_map& vm, const std::vector<std::string>& positional) {
  BdmSelection r;
  if (vm.count("instance") || vm.count("volume")) {
    if (!vm.count("instance") || !vm.count("volume") || !positional.empty()) {
      return base::Status::InvalidInput("--instance and --volume go together, without a BDM uuid");
    }
    r.instance_uuid = vm["instance"].as<std::string>();
    r.volume_id = vm["volume"].as<std::string>();
  } else if (positional.size() == 1) {
    r.bdm_uuid = positional[0];
  } else if (positional.size() == 2) {
    r.instance_uuid = positional[0];
    r.volume_id = positional[1];
  } else {
    return base::Status::InvalidInput(positional.empty() ? "a BDM uuid or --instance/--volume is required"
                                                         : "too many arguments");
  }
  for (const std::string* id : {&r.bdm_uuid, &r.instance_uuid, &r.volume_id}) {
    if (id->find_first_of(" \t\n") != std::string::npos) {
      return base::Status::InvalidInput("'" + *id + "' is not a valid id");
    }
  }
  return r;
}

int UsageError(std::string_view command, const std::string& message, const CommandEnv& env) {
  const std::string name(command);
  env.log.Error(name + ": " + message + " (see bdm-agent " + name + " --help)");
  return exit_code::kUsage;
}

base::Status CheckNames(const std::vector<std::string>& names, std::string_view option) {
  for (const std::string& name : names) {
    const bool bad = name.empty() || std::any_of(name.begin(), name.end(), [](char c) {
                       return c == ' ' || c == ',' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                     });
    if (bad) {
      return base::Status::InvalidInput("--" + std::string(option) +
                                        " needs a name without spaces, commas or control characters");
    }
  }
  return base::Status::Ok();
}

std::vector<std::string> Many(const boost::program_options::variables_map& vm, const char* key) {
  return vm.count(key) ? vm[key].as<std::vector<std::string>>() : std::vector<std::string>();
}

}  // namespace agent::commands
