// Trace capture: turns what a tap queue received (rpc::Delivery) into the
// record a trace file holds (rpc/trace_file.h). Wire knowledge only, no Nova.
//
// A delivery from a tap queue bound to the exchanges themselves is recorded
// as it came: event publish, its exchange, routing key, properties and body.
//
// A delivery from RabbitMQ's firehose (exchange amq.rabbitmq.trace, routing
// key "publish.<exchange>" or "deliver.<queue>") describes another message:
// the record takes its event from the routing key's first word (and, for a
// deliver, its queue from the rest), its
// exchange from the `exchange_name` header, its routing key from the first
// of `routing_keys` (the others, CC/BCC, are not kept), its properties from
// the `properties` header table (the broker's names: content_type,
// delivery_mode, headers, ...), and the body as it is. A firehose delivery
// that lacks those headers is recorded as it came (exchange
// amq.rabbitmq.trace), never dropped.
//
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "rpc/amqp_connection.h"
#include "rpc/trace_file.h"

namespace rpc {

inline constexpr std::string_view kFirehoseExchange = "amq.rabbitmq.trace";

// `t_ns`: when it was received, nanoseconds since the Unix epoch.
TraceRecord RecordOfDelivery(const Delivery& delivery, std::int64_t t_ns);

}  // namespace rpc
