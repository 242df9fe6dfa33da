// bdm-agent's entry point: parses the global options, picks the command from
// the command table and returns its exit code. The only place that exits.
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "agent/command_table.h"
#include "agent/exit_codes.h"
#include "agent/log.h"
#include "agent/terminal_text.h"
#include "bdm_agent_version.h"
#ifdef BDM_AGENT_TEST_HOOKS
#include "agent/test_hooks_env.h"
#endif

namespace {

namespace po = boost::program_options;

po::options_description GlobalOptionsDescription() {
  po::options_description options("global options");
  options.add_options()
      ("config-file", po::value<std::vector<std::string>>(),
       "a nova.conf-style file; repeatable, later files win (default /etc/nova/nova.conf)")
      ("config-dir", po::value<std::vector<std::string>>(),
       "a directory whose *.conf files are read in name order")
      ("debug", "log each step to stderr")
      ("version", "print the version and exit")
      ("help,h", "print this help and exit");
  return options;
}

std::string GeneralUsage(const po::options_description& options) {
  std::string text = "Usage: bdm-agent [global options] COMMAND [command options]\n\nCommands:\n";
  for (const agent::Command& command : agent::AllCommands()) {
    std::string name(command.name);
    name.resize(16, ' ');
    text += "  " + name + std::string(command.summary) + "\n";
  }
  std::ostringstream out;
  out << options;
  return text + "\n" + out.str() + "\nRun 'bdm-agent COMMAND --help' for the options of a command.\n";
}

// Boost.Program_options' command-line parser erases each token it consumes
// from the front of a vector (boost::program_options::detail::cmdline::run),
// so its time grows with the square of the number of arguments (40,000
// --allow-hypervisor-type took 19 s), and it runs twice (here, then in the
// command). No command needs more than a few dozen arguments.
constexpr int kMaxArguments = 256;

int Main(int argc, char** argv) {
  if (argc - 1 > kMaxArguments) {
    agent::Log().Error("too many arguments (" + std::to_string(argc - 1) + "; at most " +
                       std::to_string(kMaxArguments) + ")");
    return agent::exit_code::kUsage;
  }
  const po::options_description global = GlobalOptionsDescription();
  po::options_description all;
  all.add(global).add_options()("words", po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add("words", -1);

  po::parsed_options parsed(nullptr);
  try {
    parsed = po::command_line_parser(argc, argv).options(all).positional(positional).allow_unregistered().run();
  } catch (const po::error& e) {
    agent::Log().Error(std::string(e.what()) + " (see bdm-agent --help)");
    return agent::exit_code::kUsage;
  }

  agent::GlobalOptions options;
  bool want_help = false;
  bool want_version = false;
  std::vector<std::string> words;  // command name, then its own words
  for (const po::option& option : parsed.options) {
    if (option.string_key == "config-file") {
      options.config.push_back({agent::config::SourceKind::kFile, option.value.at(0)});
    } else if (option.string_key == "config-dir") {
      options.config.push_back({agent::config::SourceKind::kDir, option.value.at(0)});
    } else if (option.string_key == "debug") {
      options.debug = agent::DebugLogging::kYes;
    } else if (option.string_key == "version") {
      want_version = true;
    } else if (option.string_key == "help" && words.empty()) {
      want_help = true;
    } else {
      // A command's own option or a positional word: keep the original tokens.
      words.insert(words.end(), option.original_tokens.begin(), option.original_tokens.end());
    }
  }

  const agent::Log log(options.debug);
  if (want_version) {
    std::printf("bdm-agent %s\n", BDM_AGENT_VERSION);
    return agent::exit_code::kOk;
  }
  if (want_help || words.empty()) {
    std::fputs(GeneralUsage(global).c_str(), want_help ? stdout : stderr);
    return want_help ? agent::exit_code::kOk : agent::exit_code::kUsage;
  }
  const agent::Command* command = agent::FindCommand(words.front());
  if (command == nullptr) {
    std::string message = "unknown command '" + words.front() + "'";
    if (auto suggestion = agent::SuggestCommand(words.front())) {
      message += "; did you mean '" + std::string(*suggestion) + "'?";
    }
    log.Error(message);
    return agent::exit_code::kUsage;
  }
  options.config = agent::config::WithDefaultSources(options.config);
  words.erase(words.begin());
  log.Debug("running '" + std::string(command->name) + "'");
#ifdef BDM_AGENT_TEST_HOOKS
  const agent::EnvTestHooks test_hooks;
  const agent::CommandEnv env{options, log, stdout, &test_hooks};
#else
  const agent::CommandEnv env{options, log, stdout};
#endif
  return command->run(words, env);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bdm-agent: internal error: %s\n", agent::EscapeControls(e.what()).c_str());
    return agent::exit_code::kUnexpected;
  }
}
