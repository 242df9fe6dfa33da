// AmqpFieldValue: one value of an AMQP field table (a message's application
// headers, which RabbitMQ's firehose fills with nested tables and arrays), as
// a plain C++ value copied out of rabbitmq-c's memory.
//
// AMQP's integer kinds (signed and unsigned, 8 to 64 bits, and timestamps)
// become kInt (an unsigned 64-bit value above INT64_MAX becomes kDouble);
// floats, doubles and decimals kDouble; long strings kString; byte arrays
// kBytes; void kNull. Tables keep their entries in the order received.
//
// What is copied from a received message is bounded (kMaxFieldDepth levels
// of tables and arrays, the headers table counted, kMaxFieldEntries entries
// each: within what a trace file holds, rpc/trace_file.h); a deeper value
// becomes kNull, entries past the limit are left out. Plain values; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rpc {

inline constexpr std::size_t kMaxFieldDepth = 12;
inline constexpr std::size_t kMaxFieldEntries = 4096;

struct AmqpFieldValue {
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kBytes, kArray, kTable };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;                                           // kString, kBytes
  std::vector<AmqpFieldValue> items;                          // kArray
  std::vector<std::pair<std::string, AmqpFieldValue>> table;  // kTable, in the order received

  friend bool operator==(const AmqpFieldValue&, const AmqpFieldValue&) = default;
};

using AmqpFieldTable = std::vector<std::pair<std::string, AmqpFieldValue>>;

// The entry named `key` in `table` (the first one), or nullptr.
const AmqpFieldValue* FindField(const AmqpFieldTable& table, std::string_view key);

}  // namespace rpc
