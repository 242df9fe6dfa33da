#include "agent/host/dsc_probe.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>

#include "base/unique_fd.h"
#include "base/unique_handle.h"

namespace agent::host {
namespace {

using Clock = std::chrono::steady_clock;

int MillisLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int ready = poll(&p, 1, MillisLeft(deadline));
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0;
  }
}

// One HEAD request over a connected non-blocking socket; the status line.
bool HeadMetricsIsOk(int fd, Clock::time_point deadline) {
  const std::string request = "HEAD /metrics HTTP/1.1\r\nHost: localhost:" + std::to_string(kLightosDiscoveryPort) +
                              "\r\nAccept-Encoding: identity\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitFor(fd, POLLOUT, deadline)) return false;
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buffer[512];
  while (response.find("\r\n") == std::string::npos && response.size() < 4096) {
    if (!WaitFor(fd, POLLIN, deadline)) return false;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    response.append(buffer, static_cast<std::size_t>(n));
  }
  return IsHttpOkStatusLine(response);
}

// nullopt when the address does not connect; else whether it answered 200.
std::optional<bool> TryAddress(const addrinfo& address, Clock::time_point deadline) {
  const base::UniqueFd socket_fd(
      socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address.ai_protocol));
  if (!socket_fd.valid()) return std::nullopt;
  const int fd = socket_fd.get();
  if (connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
    if (errno != EINPROGRESS || !WaitFor(fd, POLLOUT, deadline)) return std::nullopt;
    int error = 0;
    socklen_t length = sizeof(error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) return std::nullopt;
  }
  return HeadMetricsIsOk(fd, deadline);
}

}  // namespace

bool IsHttpOkStatusLine(std::string_view response) {
  const std::string_view line = response.substr(0, response.find("\r\n"));
  if (!line.starts_with("HTTP/")) return false;
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return false;
  const std::string_view rest = line.substr(space + 1);
  return rest.starts_with("200") && (rest.size() == 3 || rest[3] == ' ');
}

bool LightosDiscoveryClientFound(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo("localhost", std::to_string(kLightosDiscoveryPort).c_str(), &hints, &found) != 0) return false;
  const base::UniqueHandle<addrinfo, freeaddrinfo> owner(found);
  // Like socket.create_connection: the first address that connects is used.
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (std::optional<bool> ok = TryAddress(*a, deadline)) return *ok;
  }
  return false;
}

}  // namespace agent::host
