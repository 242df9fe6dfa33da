#include "rpc/amqp_topology.h"

#include <limits>

namespace rpc {
namespace {

AmqpArguments TransientArguments(const TopologyOptions& options) {
  AmqpArguments arguments;
  arguments.emplace_back("x-expires", static_cast<std::int32_t>(options.rabbit_transient_queues_ttl * 1000));
  if (options.rabbit_ha_queues) arguments.emplace_back("x-ha-policy", std::string("all"));
  return arguments;
}

}  // namespace

base::Status TopologyOptionsValid(const TopologyOptions& options) {
  if (options.rabbit_transient_queues_ttl < 1 ||
      options.rabbit_transient_queues_ttl > std::numeric_limits<std::int32_t>::max() / 1000) {
    return base::Status::InvalidInput("[oslo_messaging_rabbit] rabbit_transient_queues_ttl: must be 1.." +
                                      std::to_string(std::numeric_limits<std::int32_t>::max() / 1000));
  }
  if (options.rabbit_quorum_queue) {
    return base::Status::InvalidInput("[oslo_messaging_rabbit] rabbit_quorum_queue: not supported by bdm-agent");
  }
  if (options.control_exchange.empty()) {
    return base::Status::InvalidInput("[DEFAULT] control_exchange: must not be empty");
  }
  return base::Status::Ok();
}

ExchangeDeclaration TopicExchange(const TopologyOptions& options) {
  return {options.control_exchange, "topic", options.amqp_durable_queues, options.amqp_auto_delete};
}

ExchangeDeclaration FanoutExchange(std::string_view topic) {
  return {std::string(topic) + "_fanout", "fanout", false, true};
}

QueueDeclaration ReplyQueue(const TopologyOptions& options, std::string name) {
  return {std::move(name), false, false, false, TransientArguments(options)};
}

QueueDeclaration TopicQueue(const TopologyOptions& options, std::string name) {
  QueueDeclaration queue{std::move(name), options.amqp_durable_queues, options.amqp_auto_delete, false, {}};
  if (options.rabbit_ha_queues) queue.arguments.emplace_back("x-ha-policy", std::string("all"));
  return queue;
}

QueueDeclaration FanoutQueue(const TopologyOptions& options, std::string_view topic,
                             std::string_view uuid4_hex) {
  return {std::string(topic) + "_fanout_" + std::string(uuid4_hex), false, false, false,
          TransientArguments(options)};
}

std::string ReplyQueueName(std::string_view uuid4_hex) { return "reply_" + std::string(uuid4_hex); }

std::string RoutingKey(std::string_view topic, std::string_view server) {
  if (server.empty()) return std::string(topic);
  return std::string(topic) + "." + std::string(server);
}

}  // namespace rpc
