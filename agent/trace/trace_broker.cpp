#include "agent/trace/trace_broker.h"

#include <netdb.h>
#include <sys/socket.h>

#include <chrono>
#include <set>

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

namespace {

// The addresses `host` resolves to (numeric forms), empty when it does not.
std::set<std::string> Addresses(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::set<std::string> out;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return out;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[NI_MAXHOST];
    if (getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) == 0) out.insert(text);
  }
  freeaddrinfo(found);
  return out;
}

// "[v6]" or "name" without its brackets.
std::string Unbracketed(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::string(host);
}

}  // namespace

bool SameBroker(std::string_view recorded, const rpc::AmqpConnectOptions& to) {
  const std::size_t slash = recorded.find('/');
  const std::string_view peer = recorded.substr(0, slash);
  const std::size_t colon = peer.rfind(':');
  if (slash == std::string_view::npos || colon == std::string_view::npos) return false;
  const std::string recorded_host = Unbracketed(peer.substr(0, colon));
  std::set<std::string> recorded_addresses;
  bool resolved = false;
  for (const rpc::TransportHost& host : to.hosts) {
    const std::string name = BrokerName(rpc::PeerName(host), to.virtual_host);
    if (name == recorded) return true;
    // Same port and vhost, another spelling of the host?
    const std::string_view ours(name);
    if (ours.substr(ours.find('/')) != recorded.substr(slash) ||
        std::to_string(host.port) != peer.substr(colon + 1)) {
      continue;
    }
    if (!resolved) {
      recorded_addresses = Addresses(recorded_host);
      resolved = true;
    }
    for (const std::string& address : Addresses(host.hostname)) {
      if (recorded_addresses.count(address) > 0) return true;
    }
  }
  return false;
}

}  // namespace agent::trace
