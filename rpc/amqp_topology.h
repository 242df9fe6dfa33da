// AmqpTopology: the exchanges and queues oslo.messaging 14 (rabbit driver,
// impl_rabbit.py Consumer/declare_*_consumer and the publishers) declares, as
// plain values. Declaring exactly these flags and arguments against a broker
// where Nova's Python services already declared them never gets
// PRECONDITION_FAILED.
//
// Defaults ([oslo_messaging_rabbit], 14.0.3):
//   topic exchange  control_exchange, "topic", durable=amqp_durable_queues
//                   (false), auto_delete=amqp_auto_delete (false)
//   fanout exchange "<topic>_fanout", "fanout", non-durable, auto-delete
//   reply queue     "reply_<uuid4 hex>", non-durable, not auto-delete, not
//                   exclusive, {x-expires: I rabbit_transient_queues_ttl*1000}
//   topic queues    "<topic>" and "<topic>.<server>", durable/auto_delete as
//                   the topic exchange, no arguments
//   fanout queue    "<topic>_fanout_<uuid4 hex>", as the reply queue
// rabbit_ha_queues adds {x-ha-policy: "all"} to every queue. Quorum queues are
// not supported (TopologyOptionsValid refuses them).
//
// Integer arguments are 32-bit signed, which py-amqp writes as field type 'I'
// and RabbitMQ lists as "signedint"; a 64-bit 'l' would not match.
//
// Pure values and functions, no state; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/status.h"

namespace rpc {

struct TopologyOptions {
  std::string control_exchange = "nova";   // [DEFAULT] control_exchange as Nova sets it
  bool amqp_durable_queues = false;
  bool amqp_auto_delete = false;
  int rabbit_transient_queues_ttl = 1800;  // seconds; oslo 14 requires >= 1
  bool rabbit_ha_queues = false;
  bool rabbit_quorum_queue = false;        // refused: not implemented
};

// InvalidInput for a ttl < 1 or whose milliseconds do not fit int32, or for
// rabbit_quorum_queue (not implemented here).
base::Status TopologyOptionsValid(const TopologyOptions& options);

// An argument value: a signed 32-bit integer ('I') or a long string ('S').
using AmqpArgument = std::variant<std::int32_t, std::string>;
using AmqpArguments = std::vector<std::pair<std::string, AmqpArgument>>;

struct ExchangeDeclaration {
  std::string name;
  std::string type;  // "topic", "fanout", "direct"
  bool durable = false;
  bool auto_delete = false;
};

struct QueueDeclaration {
  std::string name;
  bool durable = false;
  bool auto_delete = false;
  bool exclusive = false;
  AmqpArguments arguments;
};

ExchangeDeclaration TopicExchange(const TopologyOptions& options);
ExchangeDeclaration FanoutExchange(std::string_view topic);

// `name` is "reply_<uuid4 hex>" (see ReplyQueueName).
QueueDeclaration ReplyQueue(const TopologyOptions& options, std::string name);
// "<topic>" or "<topic>.<server>".
QueueDeclaration TopicQueue(const TopologyOptions& options, std::string name);
QueueDeclaration FanoutQueue(const TopologyOptions& options, std::string_view topic,
                             std::string_view uuid4_hex);

std::string ReplyQueueName(std::string_view uuid4_hex);

// The routing key of a call or cast: "<topic>.<server>", or "<topic>" when
// server is empty.
std::string RoutingKey(std::string_view topic, std::string_view server);

}  // namespace rpc
