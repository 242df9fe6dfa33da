// `bdm-agent trace diff A B`: what differs between two traces as a
// developer cares (agent/trace/trace_shape.h), one line each on stdout.
// Exit 0 when nothing that matters differs, kTraceDiffers (1, as diff(1))
// when something does, the file codes of `decode` when a file cannot be
// read.
#include "agent/commands/cli.h"
#include "agent/commands/trace.h"
#include "agent/exit_codes.h"
#include "agent/terminal_text.h"
#include "agent/trace/trace_shape.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage = "trace diff A B [--method M] [--topic T]";

// Reads every record of `path` into `shape`: kOk, or the exit code after one error line.
int ShapeOfFile(const std::string& path, trace::TraceShape& shape, const CommandEnv& env) {
  auto opened = OpenTraceFile(path, env);
  if (const int* code = std::get_if<int>(&opened)) return *code;
  rpc::TraceReader& reader = std::get<rpc::TraceReader>(opened);
  while (true) {
    auto next = reader.Next();
    if (!next.ok()) {
      env.log.Error(next.error().message());
      return TraceReadExitCode(next.error());
    }
    if (!next->has_value()) break;
    shape.Add(**next);
  }
  if (reader.torn_tail()) {
    env.log.Warning(EscapeControls(path) + ": the file ends inside a record (the recorder stopped mid-write); " +
                    "compared its " + std::to_string(reader.records_read()) + " whole records");
  }
  return exit_code::kOk;
}

}  // namespace

int RunTraceDiff(const std::vector<std::string>& args, const CommandEnv& env) {
  po::options_description options("trace diff options");
  options.add_options()
      ("method", po::value<std::string>(), "compare only this method (and its replies) or notification event type")
      ("topic", po::value<std::string>(), "compare only requests to this topic (and their replies)")
      ("help,h", "print this help");
  options.add_options()("file", po::value<std::vector<std::string>>()->composing(), "the trace files");
  auto parsed = ParseCommand("trace diff", kUsage, args, options, "file", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const po::variables_map& vm = std::get<po::variables_map>(parsed);
  const auto files = vm.count("file") ? vm["file"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (files.size() != 2) return UsageError("trace diff", "give exactly two trace files, A and B", env);

  trace::DecodeSelection selection;
  if (vm.count("method")) selection.method = vm["method"].as<std::string>();
  if (vm.count("topic")) selection.topic = vm["topic"].as<std::string>();
  trace::TraceShape a(selection), b(selection);
  if (const int code = ShapeOfFile(files[0], a, env); code != exit_code::kOk) return code;
  if (const int code = ShapeOfFile(files[1], b, env); code != exit_code::kOk) return code;
  const std::vector<std::string> lines = trace::DiffShapes(a, b);
  for (const std::string& line : lines) std::fprintf(env.out, "%s\n", line.c_str());
  if (lines.empty()) {
    std::fprintf(env.out, "no differences that matter (%zu kinds of message in each)\n", a.kinds().size());
    return exit_code::kOk;
  }
  return exit_code::kTraceDiffers;
}

}  // namespace agent::commands
