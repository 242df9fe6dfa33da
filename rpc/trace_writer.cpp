#include "rpc/trace_writer.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace rpc {

using base::Status;

base::Result<TraceWriter> TraceWriter::Create(const std::string& path, const TraceHeader& header) {
  base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) {
    const int error = errno;
    if (error == EEXIST) {
      return Status::FailedPrecondition(path + ": exists; a trace is never written over (choose another name)");
    }
    return Status::Unavailable(path + ": cannot create: " + std::strerror(error));
  }
  TraceWriter writer(std::move(fd), path);
  std::string bytes;
  EncodeTraceHeader(header, bytes);
  BASE_TRY(writer.WriteAll(bytes));
  return writer;
}

Status TraceWriter::WriteAll(const std::string& bytes) {
  if (failed_) return Status::Unavailable(path_ + ": an earlier write failed");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed_ = true;
      return Status::Unavailable(path_ + ": write failed: " + (n < 0 ? std::strerror(errno) : "no progress"));
    }
    done += static_cast<std::size_t>(n);
  }
  bytes_written_ += bytes.size();
  return Status::Ok();
}

Status TraceWriter::Append(const TraceRecord& record) {
  scratch_.clear();
  EncodeTraceRecord(record, scratch_);
  BASE_TRY(WriteAll(scratch_));
  ++records_written_;
  return Status::Ok();
}

Status TraceWriter::Sync() {
  if (::fdatasync(fd_.get()) != 0) return Status::Unavailable(path_ + ": fdatasync failed: " + std::strerror(errno));
  return Status::Ok();
}

Status TraceWriter::Close() {
  if (!fd_) return Status::Ok();
  Status synced = Sync();
  const int fd = fd_.Release();
  if (::close(fd) != 0 && synced.ok()) return Status::Unavailable(path_ + ": close failed: " + std::strerror(errno));
  return synced;
}

}  // namespace rpc
