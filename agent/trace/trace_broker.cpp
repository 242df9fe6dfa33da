#include "agent/trace/trace_broker.h"

#include <chrono>

#include "agent/cinder/cinder_endpoint.h"
#include "rpc/message_properties.h"
#include "rpc/trace_capture.h"

namespace agent::trace {

base::Result<Tap> OpenTap(const rpc::AmqpConnectOptions& connect, const TapPlan& plan) {
  BASE_TRY_ASSIGN(rpc::AmqpConnection connection, rpc::AmqpConnection::Open(connect));
  rpc::QueueDeclaration declaration;
  declaration.exclusive = true;
  declaration.auto_delete = true;
  BASE_TRY_ASSIGN(std::string queue, connection.DeclareQueueNamed(declaration));
  const std::vector<std::string> bindings = plan.bindings.empty() ? std::vector<std::string>{"#"} : plan.bindings;
  const std::vector<std::string> exchanges =
      plan.firehose ? std::vector<std::string>{std::string(rpc::kFirehoseExchange)} : plan.exchanges;
  for (const std::string& exchange : exchanges) {
    for (const std::string& key : bindings) {
      const base::Status bound = connection.BindQueue(queue, exchange, key);
      if (!bound.ok()) {
        if (bound.code() == base::Code::kNotFound) {
          return base::Status::NotFound("exchange '" + exchange + "' does not exist on the broker (" +
                                        bound.message() + ")");
        }
        return bound;
      }
    }
  }
  BASE_TRY(connection.Consume(queue));
  return Tap{std::move(connection), std::move(queue)};
}

base::Status SendProbe(rpc::AmqpConnection& connection, const std::string& routing_key) {
  auto sent = connection.Publish("", routing_key, rpc::MessageProperties{}, "", rpc::Mandatory::kNo,
                                 std::chrono::steady_clock::now() + std::chrono::seconds(5));
  return sent.ok() ? base::Status::Ok() : sent.error();
}

std::string BrokerName(std::string_view peer, std::string_view vhost) {
  if (vhost == "/") return std::string(peer) + "/";
  return cinder::EndpointUrl(peer, {vhost});  // the same percent-encoding of one path segment
}

}  // namespace agent::trace
