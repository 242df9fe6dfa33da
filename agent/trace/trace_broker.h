// The broker side of `trace record`: a tap that sees messages without
// taking them from anyone. OpenTap connects and declares an exclusive,
// auto-delete queue the broker names (it goes away with the connection),
// binds it, and consumes from it:
// * to each exchange in plan.exchanges with each of plan.bindings (default
//   "#": every routing key of a topic exchange; a fanout exchange ignores
//   the key), or
// * with plan.firehose, to amq.rabbitmq.trace with each binding (default
//   "#": every publish.* and deliver.*).
// Nothing is declared but the tap queue: a missing exchange is kNotFound
// naming it. Other failures are the connection's (rpc/amqp_connection.h).
//
// SendProbe publishes one empty message to the default exchange with
// `routing_key` (routed nowhere, so no queue gets it): with the firehose on,
// it comes back on the tap as a publish event with that routing key;
// RabbitMQ has no AMQP method to ask whether tracing is on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rpc/amqp_connection.h"

namespace agent::trace {

struct TapPlan {
  bool firehose = false;
  std::vector<std::string> exchanges;  // ignored with firehose
  std::vector<std::string> bindings;   // empty: "#"
};

struct Tap {
  rpc::AmqpConnection connection;
  std::string queue;
};

base::Result<Tap> OpenTap(const rpc::AmqpConnectOptions& connect, const TapPlan& plan);

base::Status SendProbe(rpc::AmqpConnection& connection, const std::string& routing_key);

// "host:port/vhost", the vhost percent-encoded as in a transport URL (the
// default vhost "/" as the empty path: "127.0.0.1:5672/"; "nova/cells" as
// "nova%2Fcells").
std::string BrokerName(std::string_view peer, std::string_view vhost);

// Whether `to` names the broker a trace header names (`recorded`, as
// BrokerName writes it): the same vhost and port and one of its hosts
// either written the same or resolving to an address the recorded host
// resolves to ("localhost" and "127.0.0.1" are the same broker). A name
// that does not resolve is compared as written.
bool SameBroker(std::string_view recorded, const rpc::AmqpConnectOptions& to);

}  // namespace agent::trace
