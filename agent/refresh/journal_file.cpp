#include "agent/refresh/journal_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace agent::refresh {
namespace {

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

}  // namespace

base::Status AppendToJournal(int fd, std::string_view text, const std::string& path, PeerTime* sync_time,
                             Durability durability) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return base::Status::Unavailable(Errno("cannot write journal", path));
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  if (durability == Durability::kNoSync) return base::Status::Ok();
  const PeerTimer timer(sync_time);
  if (::fdatasync(fd) != 0) return base::Status::Unavailable(Errno("cannot sync journal", path));
  return base::Status::Ok();
}

base::Status SyncJournalDirectory(const std::string& dir, PeerTime* sync_time) {
  base::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const PeerTimer timer(sync_time);
  if (!fd || ::fsync(fd.get()) != 0) return base::Status::Unavailable(Errno("cannot sync journal directory", dir));
  return base::Status::Ok();
}

base::Result<base::UniqueFd> CreateLockedJournal(const std::string& dir, const std::string& path,
                                                 std::string_view first_text, const std::string& exists_message,
                                                 PeerTime* sync_time) {
  std::string temp = dir + "/.new-XXXXXX";
  base::UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) return base::Status::Unavailable(Errno("cannot create journal in", dir));
  ::fchmod(fd.get(), 0600);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    ::unlink(temp.c_str());
    return base::Status::Unavailable(Errno("cannot lock", temp));
  }
  base::Status written = AppendToJournal(fd.get(), first_text, temp, sync_time);
  if (written.ok() && ::link(temp.c_str(), path.c_str()) != 0) {
    written = errno == EEXIST ? base::Status::FailedPrecondition(exists_message)
                              : base::Status::Unavailable(Errno("cannot create journal", path));
  }
  ::unlink(temp.c_str());
  BASE_TRY(written);
  BASE_TRY(SyncJournalDirectory(dir, sync_time));
  return fd;
}

}  // namespace agent::refresh
