// libFuzzer target: the trace file reader (rpc/trace_reader.h, what `trace
// decode`, `replay` and `diff` read). Any input must give records and an
// end, or an error: never a crash, a sanitizer report, an exception or
// memory beyond the limits; and every record that reads must read the same
// once encoded again. Seed corpus: tests/corpus/trace/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "rpc/trace_file.h"
#include "rpc/trace_reader.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto reader = rpc::TraceReader::Open(rpc::MemorySource(std::string(reinterpret_cast<const char*>(data), size)),
                                       "fuzz.trace");
  if (!reader.ok()) return 0;
  std::string again;
  rpc::EncodeTraceHeader(reader->header(), again);
  auto header = rpc::DecodeTraceHeader(again);
  Check(header.ok() && header->broker == reader->header().broker && header->version == reader->header().version);
  for (;;) {
    auto next = reader->Next();
    if (!next.ok() || !*next) break;
    std::string bytes;
    rpc::EncodeTraceRecord(**next, bytes);
    auto decoded = rpc::DecodeTraceRecord(bytes);
    Check(decoded.ok() && *decoded == **next);
  }
  return 0;
}
