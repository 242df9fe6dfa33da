#include "tests/integration/tcp_relay.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

namespace testing {
namespace {

// A connected socket to host:port, or -1.
int ConnectTo(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

// Writes all of `data`; false when the peer is gone.
bool WriteAll(int fd, const char* data, ssize_t size) {
  while (size > 0) {
    const ssize_t n = send(fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= n;
  }
  return true;
}

}  // namespace

TcpRelay::TcpRelay(std::string upstream_host, int upstream_port)
    : upstream_host_(std::move(upstream_host)), upstream_port_(upstream_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listen_fd_, 16) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 || pipe2(wake_, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("tcp relay: cannot listen: ") + std::strerror(errno));
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread(&TcpRelay::Run, this);
}

TcpRelay::~TcpRelay() {
  stopping_ = true;
  (void)!write(wake_[1], "x", 1);
  thread_.join();
  for (Pair& pair : pairs_) ClosePair(pair);
  close(listen_fd_);
  close(wake_[0]);
  close(wake_[1]);
}

void TcpRelay::CutAll() {
  std::unique_lock lock(mutex_);
  const int target = cuts_done_ + 1;
  cut_requested_ = true;
  lock.unlock();
  (void)!write(wake_[1], "x", 1);
  // The thread closes them between two polls.
  for (int i = 0; i < 500; ++i) {
    lock.lock();
    if (cuts_done_ >= target) return;
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("tcp relay: the relay thread did not cut the connections");
}

void TcpRelay::ClosePair(Pair& pair) {
  if (pair.client >= 0) close(pair.client);
  if (pair.upstream >= 0) close(pair.upstream);
  pair.client = pair.upstream = -1;
}

void TcpRelay::Accept() {
  const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;
  ++accepted_;
  const int upstream = refusing_ ? -1 : ConnectTo(upstream_host_, upstream_port_);
  if (upstream < 0) {
    close(client);
    return;
  }
  pairs_.push_back({client, upstream});
}

void TcpRelay::Run() {
  char buffer[16384];
  while (!stopping_) {
    std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const Pair& pair : pairs_) {
      fds.push_back({pair.client, POLLIN, 0});
      fds.push_back({pair.upstream, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 1000) < 0) continue;
    if (fds[0].revents != 0) {
      (void)!read(wake_[0], buffer, sizeof buffer);
      std::lock_guard lock(mutex_);
      if (cut_requested_) {
        for (Pair& pair : pairs_) ClosePair(pair);
        pairs_.clear();
        cut_requested_ = false;
        ++cuts_done_;
        continue;
      }
    }
    for (std::size_t i = 0; i < pairs_.size(); ++i) {
      for (int side = 0; side < 2; ++side) {
        const pollfd& p = fds[2 + 2 * i + static_cast<std::size_t>(side)];
        if (p.revents == 0 || pairs_[i].client < 0) continue;
        const int from = side == 0 ? pairs_[i].client : pairs_[i].upstream;
        const int to = side == 0 ? pairs_[i].upstream : pairs_[i].client;
        const ssize_t n = read(from, buffer, sizeof buffer);
        if (n <= 0 || !WriteAll(to, buffer, n)) ClosePair(pairs_[i]);
      }
    }
    std::erase_if(pairs_, [](const Pair& pair) { return pair.client < 0; });
    if (fds[1].revents != 0) Accept();
  }
}

}  // namespace testing
