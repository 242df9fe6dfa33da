#include "agent/commands/trace.h"

#include <fcntl.h>

#include <optional>

#include "agent/commands/cli.h"
#include "agent/exit_codes.h"
#include "agent/input/regular_file.h"
#include "agent/terminal_text.h"
#include "agent/trace/ascii_json.h"
#include "agent/trace/decode_text.h"
#include "agent/trace/trace_decoder.h"
#include "rpc/trace_reader.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;

constexpr const char* kDecodeUsage = "trace decode FILE [--json] [--method M] [--topic T] [--show-secrets]";

// Output in blocks: entries are appended to `pending` and written once it
// holds kOutputBlock bytes, and before anything goes to stderr.
constexpr std::size_t kOutputBlock = 64 * 1024;

void Flush(trace::JsonOutput& pending, std::FILE* out) {
  if (!pending.text().empty()) std::fwrite(pending.text().data(), 1, pending.text().size(), out);  // data() may be null
  pending.clear();
  std::fflush(out);
}

}  // namespace

int TraceReadExitCode(const base::Status& status) {
  switch (status.code()) {
    case base::Code::kNotFound:
    case base::Code::kInvalidInput:
    case base::Code::kUnavailable:
      return exit_code::kTraceInputFile;
    default:
      return exit_code::kCorruptData;
  }
}

std::variant<rpc::TraceReader, int> OpenTraceFile(const std::string& path, const CommandEnv& env) {
  auto fd = input::OpenRegularFile(path, O_RDONLY);
  if (!fd.ok()) {
    env.log.Error("cannot read trace " + fd.error().message());
    return exit_code::kTraceInputFile;
  }
  auto reader = rpc::TraceReader::Open(rpc::FdSource(std::move(*fd)), path);
  if (!reader.ok()) {
    env.log.Error(reader.error().message());
    return TraceReadExitCode(reader.error());
  }
  return std::move(reader).value();
}

int RunTraceDecode(const std::vector<std::string>& args, const CommandEnv& env) {
  po::options_description options("trace decode options");
  options.add_options()
      ("json", "one JSON object a line instead of text")
      ("method", po::value<std::string>(), "only this method (and its replies) or notification event type")
      ("topic", po::value<std::string>(), "only requests to this topic (and their replies)")
      ("show-secrets", "do not mask passwords, tokens, keyrings")
      ("help,h", "print this help");
  options.add_options()("file", po::value<std::vector<std::string>>()->composing(), "the trace file");
  auto parsed = ParseCommand("trace decode", kDecodeUsage, args, options, "file", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const po::variables_map& vm = std::get<po::variables_map>(parsed);
  const std::vector<std::string> files =
      vm.count("file") ? vm["file"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (files.size() != 1) return UsageError("trace decode", "give exactly one trace FILE", env);
  const std::string& path = files[0];

  auto opened = OpenTraceFile(path, env);
  if (const int* code = std::get_if<int>(&opened)) return *code;
  rpc::TraceReader* reader = &std::get<rpc::TraceReader>(opened);
  trace::DecodeSelection selection;
  if (vm.count("method")) selection.method = vm["method"].as<std::string>();
  if (vm.count("topic")) selection.topic = vm["topic"].as<std::string>();
  trace::TraceDecoder decoder(vm.count("show-secrets") ? trace::Secrets::kShow : trace::Secrets::kMask,
                              std::move(selection));
  const bool json = vm.count("json") > 0;
  if (!json) {
    const rpc::TraceHeader& header = reader->header();
    std::fprintf(env.out, "trace %s: recorded from %s by %s, started %s\n", EscapeControls(path).c_str(),
                 EscapeControls(header.broker).c_str(), EscapeControls(header.recorder).c_str(),
                 trace::FormatTime(header.started_at_ns).c_str());
  }
  trace::JsonOutput pending;
  while (true) {
    auto next = reader->Next();
    if (!next.ok()) {
      Flush(pending, env.out);
      env.log.Error(next.error().message());
      return TraceReadExitCode(next.error());
    }
    if (!next->has_value()) break;
    std::optional<trace::DecodedMessage> decoded = decoder.Next(**next);
    if (!decoded) continue;
    if (json) {
      trace::AppendAsciiJson(decoded->entry, pending);
      pending.Append("\n");
    } else {
      pending.Append("\n");
      trace::AppendDecodeText(decoded->entry, pending);
    }
    if (pending.text().size() >= kOutputBlock) Flush(pending, env.out);
  }
  Flush(pending, env.out);
  if (reader->torn_tail()) {
    env.log.Warning(EscapeControls(path) + ": the file ends inside a record (the recorder stopped mid-write); " +
                    std::to_string(reader->records_read()) + " whole records decoded");
  }
  return exit_code::kOk;
}

int RunTrace(const std::vector<std::string>& args, const CommandEnv& env) {
  const std::string usage =
      "Usage: bdm-agent trace record --out FILE [...] | decode FILE [...] | replay FILE --to URL [...] | diff A B\n"
      "  record  capture broker traffic into a trace file\n"
      "  decode  print a trace file's messages, Nova objects expanded, secrets masked\n"
      "  replay  send a trace's requests again to a broker, optionally comparing the replies\n"
      "  diff    what differs between two traces (methods, versions, arguments, objects, replies)\n";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    if (args.empty()) return UsageError("trace", "give a subcommand: record, decode, replay or diff", env);
    std::fputs(usage.c_str(), env.out);
    return exit_code::kOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "record") return RunTraceRecord(rest, env);
  if (args[0] == "decode") return RunTraceDecode(rest, env);
  if (args[0] == "replay") return RunTraceReplay(rest, env);
  if (args[0] == "diff") return RunTraceDiff(rest, env);
  return UsageError("trace", "unknown subcommand '" + EscapeControls(args[0]) + "' (record, decode, replay or diff)",
                    env);
}

}  // namespace agent::commands
