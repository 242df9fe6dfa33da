// TraceWriter: writes a trace file (trace_file.h) so that a recorder
// stopped at any moment, killed included, leaves a file TraceReader reads up
// to the last whole record. Each record is encoded whole in memory, then
// handed to write() until all of it is written (nothing is buffered in the
// process); Sync() makes what was written durable, Close() syncs and
// closes.
//
// Create makes a new file, mode 0600, and never replaces or follows an
// existing one (kFailedPrecondition names it). Write errors are
// kUnavailable; after one the writer refuses further records. Not
// thread-safe; movable.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "rpc/trace_file.h"

namespace rpc {

class TraceWriter {
 public:
  static base::Result<TraceWriter> Create(const std::string& path, const TraceHeader& header);

  TraceWriter(TraceWriter&&) noexcept = default;
  TraceWriter& operator=(TraceWriter&&) noexcept = default;

  base::Status Append(const TraceRecord& record);
  base::Status Sync();
  base::Status Close();

  std::uint64_t bytes_written() const { return bytes_written_; }
  std::uint64_t records_written() const { return records_written_; }

 private:
  TraceWriter(base::UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  base::Status WriteAll(const std::string& bytes);

  base::UniqueFd fd_;
  std::string path_;
  std::string scratch_;  // one encoded record, reused
  std::uint64_t bytes_written_ = 0;
  std::uint64_t records_written_ = 0;
  bool failed_ = false;
};

}  // namespace rpc
