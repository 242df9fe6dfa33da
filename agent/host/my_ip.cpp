#include "agent/host/my_ip.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

#include "base/unique_fd.h"
#include "base/unique_handle.h"

namespace agent::host {
namespace {

std::optional<std::string> SourceAddressTowardsTestNet() {
  const base::UniqueFd socket_fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!socket_fd.valid()) return std::nullopt;
  const int fd = socket_fd.get();
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(80);
  inet_pton(AF_INET, "192.0.2.0", &target.sin_addr);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof(target)) != 0) return std::nullopt;
  sockaddr_in local{};
  socklen_t length = sizeof(local);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return std::nullopt;
  char text[INET_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET, &local.sin_addr, text, sizeof(text)) == nullptr) return std::nullopt;
  return std::string(text);
}

std::optional<std::string> FirstIpv4Of(const std::string& interface) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  const base::UniqueHandle<ifaddrs, freeifaddrs> owner(list);
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || interface != a->ifa_name) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)) != nullptr) return std::string(text);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ParseDefaultRouteInterface(std::string_view proc_net_route) {
  std::istringstream lines{std::string(proc_net_route)};
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string iface, destination, gateway, flags, refcnt, use, metric, mask;
    if (!(fields >> iface >> destination >> gateway >> flags >> refcnt >> use >> metric >> mask)) continue;
    if (destination == "00000000" && mask == "00000000") return iface;
  }
  return std::nullopt;
}

std::string NovaDefaultMyIp(const HostPaths& paths) {
  if (std::optional<std::string> address = SourceAddressTowardsTestNet()) return *address;
  if (std::optional<std::string> routes = ReadWholeFile(paths.At("/proc/net/route"))) {
    if (std::optional<std::string> iface = ParseDefaultRouteInterface(*routes)) {
      if (std::optional<std::string> address = FirstIpv4Of(*iface)) return *address;
    }
  }
  return "127.0.0.1";
}

}  // namespace agent::host
