// TraceReader: reads a trace file (trace_file.h) record by record, in
// bounded memory: at most one record (kMaxTraceRecordBytes) and the read
// buffer are held at a time, whatever the file's size.
//
// Open reads and checks the header (kCorrupt: not a trace, or malformed;
// kFailedPrecondition: a newer major version). Next returns the records in
// order and nullopt at the end. A file that ends inside a record (the
// recorder was killed mid-write) ends at the last whole record: Next returns
// nullopt and torn_tail() is true. Bytes that are not msgpack, a record over
// the limits, or a record without its fields are kCorrupt, naming the record
// number and its byte offset; after an error the reader gives only that
// error.
//
// Reads through a ByteSource: a file descriptor (the caller opened it and
// checked that it is a regular file) or bytes in memory. Not thread-safe;
// movable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "rpc/trace_file.h"

namespace rpc {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `size` bytes into `out`; 0 at the end. kUnavailable on a read error.
  virtual base::Result<std::size_t> Read(char* out, std::size_t size) = 0;
};

// Reads a file descriptor it owns (EINTR retried).
std::unique_ptr<ByteSource> FdSource(base::UniqueFd fd);
// Reads `bytes` (tests, fuzzing).
std::unique_ptr<ByteSource> MemorySource(std::string bytes);

class TraceReader {
 public:
  // `name` names the file in errors.
  static base::Result<TraceReader> Open(std::unique_ptr<ByteSource> source, std::string name);

  TraceReader(TraceReader&&) noexcept;
  TraceReader& operator=(TraceReader&&) noexcept;
  ~TraceReader();

  const TraceHeader& header() const { return header_; }
  base::Result<std::optional<TraceRecord>> Next();
  bool torn_tail() const { return torn_tail_; }
  std::uint64_t records_read() const { return records_read_; }

 private:
  struct Unpacker;
  TraceReader(std::unique_ptr<ByteSource> source, std::string name);

  // The next whole msgpack object's record offset in the file, or nullopt
  // at the end (torn_tail_ set when bytes were left over).
  base::Status NextObject(bool& got);
  base::Status Fail(std::string what);

  std::unique_ptr<ByteSource> source_;
  std::string name_;
  std::unique_ptr<Unpacker> unpacker_;
  TraceHeader header_;
  std::uint64_t fed_bytes_ = 0;       // bytes read from the source so far
  std::uint64_t object_offset_ = 0;   // where the object in hand starts
  std::uint64_t records_read_ = 0;
  bool at_end_ = false;
  bool torn_tail_ = false;
  std::optional<base::Status> failed_;
};

}  // namespace rpc
