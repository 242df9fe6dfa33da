// Trace files: what `bdm-agent trace record` captured from the broker, as
// msgpack (docs/trace-format.md is the reference; Python's msgpack reads it).
//
// A file is a sequence of self-delimiting msgpack maps: one header
//   {format: "bdm-agent-trace", version: <major>, started_at: <ns>,
//    broker: "host:port/vhost", recorder: "bdm-agent <version>"}
// then one map per message
//   {t_ns, exchange, routing_key, event: "publish"|"deliver", [queue,]
//    properties: {content_type, ..., headers}, body: <bin>}.
// Times are nanoseconds since the Unix epoch. Absent properties are absent
// keys. Keys a reader does not know are skipped (a minor addition); a header
// whose major version is newer than kTraceVersion is refused.
//
// This unit knows AMQP messages, not Nova: encoding and decoding of the
// header and the records, pure functions over bytes. Reading files
// (trace_reader.h) and writing them (trace_writer.h) build on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "rpc/amqp_field_value.h"
#include "rpc/message_properties.h"

namespace rpc {

inline constexpr std::string_view kTraceFormat = "bdm-agent-trace";
inline constexpr std::int64_t kTraceVersion = 1;

// Bounds on what a decoder accepts from a file (its bytes come from anyone
// who can write the file): a record as large as the broker's largest
// delivery plus its properties, tables nested 16 deep, 4096 entries a table.
inline constexpr std::size_t kMaxTraceRecordBytes = (std::size_t{16} << 20) + (std::size_t{1} << 20);
inline constexpr std::size_t kMaxTraceDepth = 16;
inline constexpr std::size_t kMaxTraceTableEntries = 4096;

struct TraceHeader {
  std::int64_t version = kTraceVersion;
  std::int64_t started_at_ns = 0;
  std::string broker;    // "host:port/vhost", the vhost percent-encoded; never credentials
  std::string recorder;  // "bdm-agent <version>"
};

// An AMQP field value (application headers, which the firehose fills with
// nested tables and arrays): rpc/amqp_field_value.h. A record's properties
// are rpc::MessageProperties, the struct the broker connection publishes
// and receives, so that a record can be published again as it is.
using TraceValue = AmqpFieldValue;
using TraceTable = AmqpFieldTable;

enum class TraceEvent { kPublish, kDeliver };

struct TraceRecord {
  std::int64_t t_ns = 0;
  std::string exchange;  // "" is the default exchange
  std::string routing_key;
  TraceEvent event = TraceEvent::kPublish;
  std::optional<std::string> queue;  // deliver events: the queue it was delivered to (added in 1.1)
  MessageProperties properties;
  std::string body;

  friend bool operator==(const TraceRecord&, const TraceRecord&) = default;
};

std::string_view TraceEventName(TraceEvent event);

// One msgpack map each; appended to `out`.
void EncodeTraceHeader(const TraceHeader& header, std::string& out);
void EncodeTraceRecord(const TraceRecord& record, std::string& out);

// Decoding of one msgpack object's bytes (from TraceReader, which finds
// where each object ends). kInvalidInput names what is wrong: not a map, a
// missing or mistyped field, another format, a newer major version, a
// value beyond the bounds above.
base::Result<TraceHeader> DecodeTraceHeader(std::string_view object_bytes);
base::Result<TraceRecord> DecodeTraceRecord(std::string_view object_bytes);

}  // namespace rpc
