#include "rpc/trace_reader.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

#include "rpc/detail/trace_msgpack.h"

namespace rpc {
namespace {

using base::Status;

constexpr std::size_t kReadChunk = 64 * 1024;

class FdByteSource final : public ByteSource {
 public:
  explicit FdByteSource(base::UniqueFd fd) : fd_(std::move(fd)) {}
  base::Result<std::size_t> Read(char* out, std::size_t size) override {
    for (;;) {
      const ssize_t n = ::read(fd_.get(), out, size);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return Status::Unavailable(std::string("read failed: ") + std::strerror(errno));
    }
  }

 private:
  base::UniqueFd fd_;
};

class MemoryByteSource final : public ByteSource {
 public:
  explicit MemoryByteSource(std::string bytes) : bytes_(std::move(bytes)) {}
  base::Result<std::size_t> Read(char* out, std::size_t size) override {
    const std::size_t n = std::min(size, bytes_.size() - at_);
    std::memcpy(out, bytes_.data() + at_, n);
    at_ += n;
    return n;
  }

 private:
  std::string bytes_;
  std::size_t at_ = 0;
};

}  // namespace

std::unique_ptr<ByteSource> FdSource(base::UniqueFd fd) { return std::make_unique<FdByteSource>(std::move(fd)); }
std::unique_ptr<ByteSource> MemorySource(std::string bytes) {
  return std::make_unique<MemoryByteSource>(std::move(bytes));
}

// Strings and bytes point into the read buffer rather than being copied:
// each record is converted (copied once) before the next read.
bool ReferenceBuffer(msgpack::type::object_type, std::size_t, void*) { return true; }

struct TraceReader::Unpacker {
  msgpack::unpacker unpacker{&ReferenceBuffer, nullptr, MSGPACK_UNPACKER_INIT_BUFFER_SIZE,
                             detail::TraceUnpackLimit()};
  msgpack::object_handle current;
};

TraceReader::TraceReader(std::unique_ptr<ByteSource> source, std::string name)
    : source_(std::move(source)), name_(std::move(name)), unpacker_(std::make_unique<Unpacker>()) {}
TraceReader::TraceReader(TraceReader&&) noexcept = default;
TraceReader& TraceReader::operator=(TraceReader&&) noexcept = default;
TraceReader::~TraceReader() = default;

base::Result<TraceReader> TraceReader::Open(std::unique_ptr<ByteSource> source, std::string name) {
  TraceReader reader(std::move(source), std::move(name));
  bool got = false;
  BASE_TRY(reader.NextObject(got));
  if (!got) {
    return Status::Corrupt(reader.name_ + ": " +
                           (reader.fed_bytes_ == 0 ? "empty, not a trace" : "cut short inside its header"));
  }
  auto header = detail::TraceHeaderFromObject(reader.unpacker_->current.get());
  if (!header.ok()) return header.error().WithContext(reader.name_);
  reader.header_ = std::move(*header);
  return reader;
}

base::Status TraceReader::Fail(std::string what) {
  failed_ = Status::Corrupt(name_ + ": record " + std::to_string(records_read_ + 1) + " (offset " +
                            std::to_string(object_offset_) + "): " + what);
  return *failed_;
}

base::Status TraceReader::NextObject(bool& got) {
  got = false;
  msgpack::unpacker& u = unpacker_->unpacker;
  for (;;) {
    try {
      if (u.next(unpacker_->current)) {
        got = true;
        return Status::Ok();
      }
    } catch (const std::exception& e) {  // msgpack's parse errors and limits
      return Fail(std::string("not msgpack within the limits (") + e.what() + ")");
    }
    if (u.message_size() > kMaxTraceRecordBytes) {
      return Fail("larger than " + std::to_string(kMaxTraceRecordBytes) + " bytes");
    }
    if (at_end_) {
      torn_tail_ = u.message_size() > 0;
      return Status::Ok();
    }
    u.reserve_buffer(kReadChunk);
    auto n = source_->Read(u.buffer(), kReadChunk);
    if (!n.ok()) {
      failed_ = Status::Unavailable(name_ + ": " + n.error().message());
      return *failed_;
    }
    if (*n == 0) at_end_ = true;
    u.buffer_consumed(*n);
    fed_bytes_ += *n;
  }
}

base::Result<std::optional<TraceRecord>> TraceReader::Next() {
  if (failed_) return *failed_;
  // The object in hand ended where the unparsed bytes begin.
  object_offset_ = fed_bytes_ - unpacker_->unpacker.nonparsed_size();
  bool got = false;
  BASE_TRY(NextObject(got));
  if (!got) return std::optional<TraceRecord>();
  auto record = detail::TraceRecordFromObject(unpacker_->current.get());
  if (!record.ok()) return Fail(record.error().message());
  ++records_read_;
  return std::optional<TraceRecord>(std::move(*record));
}

}  // namespace rpc
