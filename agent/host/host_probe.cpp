#include "agent/host/host_probe.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <system_error>

#include "agent/host/dsc_probe.h"
#include "agent/host/program_runner.h"

namespace agent::host {
namespace {

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

std::string Describe(const base::Result<ProgramOutput>& run) {
  if (!run.ok()) return run.error().message();
  return "exit code " + std::to_string(run->exit_code);
}

void ProbeMultipathd(HostFacts& facts, const Log& log) {
  const std::vector<std::string> argv = {"multipathd", "show", "status"};
  auto run = RunProgram(argv);
  if (run.ok() && run->exit_code == 0 && !run->out.starts_with("error receiving packet")) {
    facts.multipathd_running = true;
    return;
  }
  facts.multipathd_detail = "'multipathd show status': ";
  facts.multipathd_detail += run.ok() && run->exit_code == 0 ? "error receiving packet" : Describe(run);
  log.Debug("multipathd is not running: " + facts.multipathd_detail);
}

std::optional<std::string> ProbeRootFsUuid(const Log& log) {
  auto source = RunProgram({"findmnt", "/", "-n", "-o", "SOURCE"});
  if (!source.ok() || source->exit_code != 0) {
    log.Debug("root fs uuid: findmnt: " + Describe(source));
    return std::nullopt;
  }
  auto uuid = RunProgram({"blkid", FirstLine(source->out), "-s", "UUID", "-o", "value"});
  if (!uuid.ok() || uuid->exit_code != 0) {
    log.Debug("root fs uuid: blkid: " + Describe(uuid));
    return std::nullopt;
  }
  return FirstLine(uuid->out);
}

std::string ProbeSystemUuid(const HostPaths& paths, const Log& log) {
  if (std::optional<std::string> uuid = ReadProductUuid(paths)) return *uuid;
  auto run = RunProgram({"dmidecode", "-ssystem-uuid"});
  if (!run.ok() && run.error().IsNotFound()) {
    log.Warning("no DMI system uuid: " + run.error().message() + " and " +
                paths.At("/sys/class/dmi/id/product_uuid").string() + " is unreadable");
    return "";
  }
  if (!run.ok() || run->exit_code != 0) {
    log.Debug("system uuid: dmidecode: " + Describe(run));
    return "";
  }
  return PythonStrip(run->out);
}

// os-brick's create_hostnqn; "" when the nvme CLI gives no NQN.
std::string CreateHostNqn(const HostPaths& paths, const Log& log) {
  const std::filesystem::path dir = paths.At("/etc/nvme");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto show = RunProgram({"nvme", "show-hostnqn"});
  if (!show.ok()) {
    log.Debug("host nqn: nvme show-hostnqn: " + show.error().message());
    return "";
  }
  std::string nqn;
  if (show->exit_code == 0) {
    nqn = PythonStrip(show->out);
  } else if (!ShowHostNqnFailureAllowsGenerate(show->exit_code, show->out)) {
    log.Debug("host nqn: nvme show-hostnqn: " + Describe(show));
    return "";
  }
  if (nqn.empty()) {
    auto generated = RunProgram({"nvme", "gen-hostnqn"});
    if (!generated.ok() || generated->exit_code != 0) {
      log.Debug("host nqn: nvme gen-hostnqn: " + Describe(generated));
      return "";
    }
    nqn = PythonStrip(generated->out);
  }
  const std::filesystem::path file = dir / "hostnqn";
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << nqn;
  out.close();
  if (!out || chmod(file.c_str(), 0644) != 0) {
    log.Warning("could not write the host nqn to " + file.string());
    return "";
  }
  log.Debug("host nqn written to " + file.string());
  return nqn;
}

}  // namespace

bool ShowHostNqnFailureAllowsGenerate(int exit_code, std::string_view out) {
  // os-brick takes stdout[:stdout.find('\n')], which drops the last
  // character when there is no newline.
  const std::size_t newline = out.find('\n');
  const std::string_view first = newline == std::string_view::npos ? out.substr(0, out.empty() ? 0 : out.size() - 1)
                                                                   : out.substr(0, newline);
  if (Lower(first).find("error: invalid sub-command") != std::string::npos) return true;
  return exit_code == 2;
}

std::string GetHostNqn(const HostPaths& paths, const Log& log) {
  if (std::optional<std::string> nqn = ReadHostNqnFile(paths)) return *nqn;
  return CreateHostNqn(paths, log);
}

HostFacts ProbeHost(const ConnectorRequest& request, const HostPaths& paths, const Log& log) {
  HostFacts facts;
  utsname names{};
  if (uname(&names) == 0) facts.machine = names.machine;
  char hostname[256] = {};
  if (gethostname(hostname, sizeof(hostname) - 1) == 0) facts.hostname = hostname;

  if (request.multipath) ProbeMultipathd(facts, log);
  facts.initiator = ReadIscsiInitiator(paths);
  FcPortNames fc = OnlineFcPortNames(ReadFcHosts(paths));
  facts.wwpns = std::move(fc.wwpns);
  facts.wwnns = std::move(fc.wwnns);
  facts.root_fs_uuid = ProbeRootFsUuid(log);
  facts.system_uuid = ProbeSystemUuid(paths, log);
  auto nvme = RunProgram({"nvme", "version"});
  facts.nvme_cli_present = nvme.ok() && nvme->exit_code == 0;
  facts.host_nqn = GetHostNqn(paths, log);
  facts.nvme_native_multipath = ReadNvmeNativeMultipath(paths);
  if (!facts.host_nqn.empty()) facts.dsc_found = LightosDiscoveryClientFound();
  return facts;
}

}  // namespace agent::host
