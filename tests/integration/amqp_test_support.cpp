#include "tests/integration/amqp_test_support.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <stdexcept>

#include "rpc/amqp_topology.h"
#include "rpc/message_properties.h"
#include "rpc/transport_url.h"
#include "rpc/uuid4.h"
#include "tests/integration/stack_fixture.h"

namespace testing {

rpc::AmqpConnectOptions StackBrokerOptions() {
  const auto& conf = LocalStack().nova_conf;
  if (!conf.transport_url) throw std::runtime_error("stack nova.conf has no transport_url");
  auto url = rpc::ParseTransportUrl(*conf.transport_url, "[DEFAULT] transport_url");
  if (!url.ok()) throw std::runtime_error(url.error().ToString());
  auto options = rpc::ConnectOptionsFromUrl(*url, rpc::TlsOptions{});
  if (!options.ok()) throw std::runtime_error(options.error().ToString());
  std::mt19937_64 rng(std::random_device{}());
  options->connection_name = rpc::OsloConnectionName("integration_tests", rng);
  return *options;
}

std::string UniqueName(const std::string& prefix) {
  std::mt19937_64 rng(std::random_device{}());
  return prefix + "-" + rpc::NewUuid4Hex(rng);
}

Responder::Responder(std::string topic, std::string server, int count, Answer answer) {
  thread_ = std::thread(&Responder::Run, this, std::move(topic), std::move(server), count, std::move(answer));
  std::unique_lock lock(mutex_);
  ready_cv_.wait_for(lock, std::chrono::seconds(10), [this] { return ready_; });
}

Responder::~Responder() {
  if (thread_.joinable()) thread_.join();
}

base::Status Responder::Join() {
  if (thread_.joinable()) thread_.join();
  return status_;
}

void Responder::Run(std::string topic, std::string server, int count, Answer answer) {
  auto fail = [this](base::Status status) {
    status_ = status;
    std::lock_guard lock(mutex_);
    ready_ = true;
    ready_cv_.notify_all();
  };
  auto connection = rpc::AmqpConnection::Open(StackBrokerOptions());
  if (!connection.ok()) return fail(connection.error());
  rpc::TopologyOptions topology;
  const std::string queue = rpc::RoutingKey(topic, server);
  base::Status status = connection->DeclareExchange(rpc::TopicExchange(topology));
  if (status.ok()) status = connection->DeclareQueue(rpc::TopicQueue(topology, queue));
  if (status.ok()) status = connection->BindQueue(queue, "nova", queue);
  if (status.ok()) status = connection->EnableConfirms();
  if (status.ok()) status = connection->Consume(queue).status();
  if (!status.ok()) return fail(status);
  {
    std::lock_guard lock(mutex_);
    ready_ = true;
    ready_cv_.notify_all();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (count > 0 && std::chrono::steady_clock::now() < deadline) {
    auto received = connection->Receive(std::chrono::milliseconds(200));
    if (!received.ok()) return fail(received.error());
    if (!received->has_value()) continue;
    rpc::Delivery delivery = std::move(**received);
    (void)connection->Ack(delivery.delivery_tag);
    auto request = rpc::DecodeRequest(delivery.body);
    if (!request.ok()) return fail(request.error());
    requests_.push_back(*request);
    deliveries_.push_back(delivery);
    --count;
    if (!request->reply_q) continue;  // a cast
    for (const rpc::RpcReply& reply : answer(*request)) {
      auto body = rpc::EncodeReply(reply);
      if (!body.ok()) return fail(body.error());
      auto published = connection->Publish("", *request->reply_q, rpc::CastProperties(), *body, rpc::Mandatory::kYes,
                                           std::chrono::steady_clock::now() + std::chrono::seconds(5));
      if (!published.ok()) return fail(published.error());
    }
  }
  if (count > 0) status_ = base::Status::Timeout("responder: requests missing");
  (void)connection->Close();
}

}  // namespace testing
