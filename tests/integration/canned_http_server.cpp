#include "tests/integration/canned_http_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace testing {
namespace {

// A listening socket on 127.0.0.1, any port.
int Listen(int& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 8) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

CannedHttpServer::CannedHttpServer(std::vector<std::string> answers) : answers_(std::move(answers)) {
  fd_ = Listen(port_);
  if (!answers_.empty()) thread_ = std::thread([this] { Serve(); });
}

CannedHttpServer::~CannedHttpServer() {
  shutdown(fd_, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
  close(fd_);
}

std::vector<std::string> CannedHttpServer::requests() {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::string CannedHttpServer::Answer(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

void CannedHttpServer::Serve() {
  for (size_t n = 0;; ++n) {
    int client = accept(fd_, nullptr, nullptr);
    if (client < 0) return;
    std::string request;
    char buffer[4096];
    size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      ssize_t got = recv(client, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      request.append(buffer, static_cast<size_t>(got));
      header_end = request.find("\r\n\r\n");
    }
    size_t length = 0;
    if (size_t at = request.find("Content-Length: "); at != std::string::npos) {
      length = std::stoul(request.substr(at + 16));
    }
    while (header_end != std::string::npos && request.size() < header_end + 4 + length) {
      ssize_t got = recv(client, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      request.append(buffer, static_cast<size_t>(got));
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request.substr(0, request.find("\r\n")));
    }
    const std::string& answer = answers_[std::min(n, answers_.size() - 1)];
    send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
    close(client);
  }
}

int ClosedPort() {
  int port = 0;
  close(Listen(port));
  return port;
}

}  // namespace testing
