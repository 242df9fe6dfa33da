#include "agent/host/host_files.h"

#include <system_error>

#include "agent/input/limits.h"
#include "agent/input/regular_file.h"

namespace agent::host {
namespace {

bool IsPythonSpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

std::optional<std::string> ReadStripped(const std::filesystem::path& path) {
  std::optional<std::string> text = ReadWholeFile(path);
  if (!text) return std::nullopt;
  return PythonStrip(*text);
}

}  // namespace

std::filesystem::path HostPaths::At(std::string_view absolute) const {
  std::string_view relative = absolute;
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  return root / relative;
}

std::string PythonStrip(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && IsPythonSpace(text[begin])) ++begin;
  while (end > begin && IsPythonSpace(text[end - 1])) --end;
  return std::string(text.substr(begin, end - begin));
}

std::optional<std::string> ReadWholeFile(const std::filesystem::path& path) {
  auto text = input::ReadRegularFile(path.string(), input::kMaxHostFileBytes);  // never blocks on a FIFO
  if (!text.ok()) return std::nullopt;
  return std::move(*text);
}

std::optional<std::string> ParseInitiatorName(std::string_view file_text) {
  constexpr std::string_view kPrefix = "InitiatorName=";
  while (true) {
    const std::size_t newline = file_text.find('\n');
    const std::string_view line = file_text.substr(0, newline);
    if (line.starts_with(kPrefix)) return PythonStrip(line.substr(kPrefix.size()));
    if (newline == std::string_view::npos) return std::nullopt;
    file_text.remove_prefix(newline + 1);
  }
}

std::optional<std::string> ReadIscsiInitiator(const HostPaths& paths) {
  std::optional<std::string> text = ReadWholeFile(paths.At("/etc/iscsi/initiatorname.iscsi"));
  if (!text) return std::nullopt;
  return ParseInitiatorName(*text);
}

std::vector<FcHost> ReadFcHosts(const HostPaths& paths) {
  std::vector<FcHost> hosts;
  std::error_code ec;
  std::filesystem::directory_iterator it(paths.At("/sys/class/fc_host"), ec);
  if (ec) return hosts;
  for (const std::filesystem::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with('.')) continue;  // glob's '*' skips hidden names
    std::optional<std::string> port_name = ReadStripped(entry.path() / "port_name");
    std::optional<std::string> node_name = ReadStripped(entry.path() / "node_name");
    std::optional<std::string> port_state = ReadStripped(entry.path() / "port_state");
    if (!port_name || !node_name || !port_state) continue;
    hosts.push_back({name, std::move(*port_name), std::move(*node_name), std::move(*port_state)});
  }
  return hosts;
}

FcPortNames OnlineFcPortNames(const std::vector<FcHost>& hosts) {
  auto without_0x = [](std::string text) {
    for (std::size_t at = text.find("0x"); at != std::string::npos; at = text.find("0x", at)) text.erase(at, 2);
    return text;
  };
  FcPortNames names;
  for (const FcHost& host : hosts) {
    if (host.port_state != "Online") continue;
    names.wwpns.push_back(without_0x(host.port_name));
    names.wwnns.push_back(without_0x(host.node_name));
  }
  return names;
}

std::optional<std::string> ReadHostNqnFile(const HostPaths& paths) { return ReadStripped(paths.At("/etc/nvme/hostnqn")); }

bool ReadNvmeNativeMultipath(const HostPaths& paths) {
  return ReadStripped(paths.At("/sys/module/nvme_core/parameters/multipath")) == "Y";
}

std::optional<std::string> ReadProductUuid(const HostPaths& paths) {
  return ReadStripped(paths.At("/sys/class/dmi/id/product_uuid"));
}

}  // namespace agent::host
