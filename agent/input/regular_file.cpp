#include "agent/input/regular_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace agent::input {
namespace {

using base::Status;

std::string Named(std::string_view name, std::string_view reason) {
  return std::string(name) + ": " + std::string(reason);
}

// Why a file of this type is not read; empty for a regular file.
std::string_view NotRegular(mode_t mode) {
  if (S_ISREG(mode)) return {};
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISFIFO(mode)) return "is a FIFO, not a regular file";
  if (S_ISCHR(mode)) return "is a character device, not a regular file";
  if (S_ISBLK(mode)) return "is a block device, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  return "is not a regular file";
}

Status OpenError(const std::string& path, int error) {
  if (error == ENOENT || error == ENOTDIR) return Status::NotFound(Named(path, std::strerror(error)));
  if (error == EISDIR) return Status::InvalidInput(Named(path, "is a directory"));
  return Status::Unavailable(Named(path, std::string("cannot open: ") + std::strerror(error)));
}

}  // namespace

base::Result<base::UniqueFd> OpenRegularFile(const std::string& path, int flags) {
  // A first look without opening: a device is not even opened (opening some
  // has side effects). The fstat below decides; the file may change between.
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return OpenError(path, errno);
  if (std::string_view why = NotRegular(info.st_mode); !why.empty()) return Status::InvalidInput(Named(path, why));
  base::UniqueFd fd(::open(path.c_str(), flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) return OpenError(path, errno);
  if (::fstat(fd.get(), &info) != 0) return Status::Unavailable(Named(path, std::string("cannot stat: ") + std::strerror(errno)));
  if (std::string_view why = NotRegular(info.st_mode); !why.empty()) return Status::InvalidInput(Named(path, why));
  const int status_flags = ::fcntl(fd.get(), F_GETFL);
  if (status_flags == -1 || ::fcntl(fd.get(), F_SETFL, status_flags & ~O_NONBLOCK) == -1) {
    return Status::Unavailable(Named(path, std::string("cannot clear O_NONBLOCK: ") + std::strerror(errno)));
  }
  return fd;
}

base::Result<std::string> ReadToEnd(int fd, std::string_view name, std::size_t max_bytes) {
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {  // a descriptor someone left non-blocking
      pollfd wait{fd, POLLIN, 0};
      if (::poll(&wait, 1, -1) >= 0 || errno == EINTR) continue;
    }
    if (n < 0) return Status::Unavailable(Named(name, std::string("read error: ") + std::strerror(errno)));
    if (n == 0) return text;
    if (static_cast<std::size_t>(n) > max_bytes - text.size()) {
      return Status::InvalidInput(Named(name, "larger than " + std::to_string(max_bytes) + " bytes"));
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

base::Result<std::string> ReadRegularFile(const std::string& path, std::size_t max_bytes) {
  BASE_TRY_ASSIGN(base::UniqueFd fd, OpenRegularFile(path, O_RDONLY));
  return ReadToEnd(fd.get(), path, max_bytes);
}

}  // namespace agent::input
