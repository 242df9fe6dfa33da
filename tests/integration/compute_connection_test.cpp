// Integration tests of refresh::ComputeConnection (compute_link.h), the
// broker connection a batch worker keeps for all its refreshes' compute
// calls, against the stack's RabbitMQ reached through a TcpRelay (the relay
// counts the connections made and breaks them on request, which the broker
// will not do) and a C++ Responder standing in for nova-compute on a fresh
// topic (no real compute is called). The Instance sent is a seeded one,
// loaded read-only from the stack's cell database.
#include "agent/refresh/compute_link.h"

#include <chrono>
#include <random>

#include <doctest/doctest.h>

#include "agent/config/rpc_client_options.h"
#include "agent/db/bdm_locator.h"
#include "agent/db/mysql_nova_database.h"
#include "tests/integration/amqp_test_support.h"
#include "tests/integration/stack_fixture.h"
#include "tests/integration/tcp_relay.h"

namespace {

using std::chrono::milliseconds;

struct Fixture {
  agent::Log log;
  const agent::config::NovaConfig& conf = testing::LocalStack().nova_conf;
  agent::db::MysqlNovaDatabase nova_db{
      {conf.api_database_connection.value_or(""), conf.database_connection.value_or(""), {}}, log};
  rpc::TransportHost broker = testing::StackBrokerOptions().hosts.at(0);
  testing::TcpRelay relay{broker.hostname, broker.port};
  rpc::RpcClientOptions options;
  proto_compat::RemoveVolumeConnectionCall plan;
  proto_compat::InstanceRecord instance;

  Fixture() {
    std::mt19937_64 rng(std::random_device{}());
    auto from_conf = agent::config::RpcClientOptionsFromConfig(conf, "integration_tests", rng);
    REQUIRE_MESSAGE(from_conf.ok(), from_conf.error().ToString());
    options = std::move(*from_conf);
    options.connect.hosts = {broker};
    options.connect.hosts[0].hostname = "127.0.0.1";
    options.connect.hosts[0].port = relay.port();
    options.topology.rabbit_transient_queues_ttl = 120;  // test reply queues go away soon
    auto planned = agent::refresh::PlanComputeCall(nova_db, conf, log);
    REQUIRE_MESSAGE(planned.ok(), planned.error().ToString());
    plan = std::move(*planned);
    plan.topic = testing::UniqueName("compute-link-test");  // the Responder's, never a real compute's
    const testing::SeededBdm& seeded = testing::LocalStack().seeded.at(0);
    auto found = agent::db::LocateVolumeBdm(nova_db, seeded.instance_uuid, seeded.volume_id, log);
    REQUIRE(found.ok());
    auto record = found.value().cell_db->LoadInstance(seeded.instance_uuid);
    REQUIRE(record.ok());
    REQUIRE(record->has_value());
    instance = std::move(**record);
  }

  // One refresh's compute call over `connection`, as the refresh runner makes it.
  base::Status Call(agent::refresh::ComputeConnection& connection, milliseconds timeout = milliseconds(10000)) {
    agent::refresh::RpcComputeLink link(connection, plan, timeout, log);
    return link.RemoveVolumeConnection(instance, "0f1e2d3c-4b5a-4987-8765-43210fedcba9", "host1");
  }
};

testing::Responder::Answer ReplyNone() {
  return [](const rpc::RpcRequest& request) {
    rpc::RpcReply reply;
    reply.result_json = "null";
    reply.msg_id = *request.msg_id;
    reply.unique_id = "0123456789abcdef0123456789abcdef";
    return std::vector<rpc::RpcReply>{reply};
  };
}

}  // namespace

TEST_CASE("refresh::ComputeConnection: two refreshes over one worker's connection use one broker connection") {
  Fixture f;
  agent::refresh::ComputeConnection connection(f.options);
  testing::Responder compute(f.plan.topic, "host1", 2, ReplyNone());
  for (int i = 0; i < 2; ++i) {
    // Over() opens the connection for the first link only.
    auto link = agent::refresh::RpcComputeLink::Over(connection, f.conf, f.plan, f.log);
    REQUIRE_MESSAGE(link.ok(), link.error().ToString());
    const base::Status called = link->RemoveVolumeConnection(f.instance, "0f1e2d3c-4b5a-4987-8765-43210fedcba9",
                                                             "host1");
    CHECK_MESSAGE(called.ok(), called.ToString());
  }
  REQUIRE(compute.Join().ok());
  CHECK(connection.opened() == 1);
  CHECK(f.relay.accepted() == 2);  // one publishing and one reply connection, for both calls
  REQUIRE(compute.requests().size() == 2);
  CHECK(compute.requests()[0].method == "remove_volume_connection");
  CHECK(compute.requests()[0].reply_q == compute.requests()[1].reply_q);
}

TEST_CASE("refresh::ComputeConnection: a connection broken between two refreshes is reopened by the next call") {
  Fixture f;
  agent::refresh::ComputeConnection connection(f.options);
  testing::Responder compute(f.plan.topic, "host1", 2, ReplyNone());
  REQUIRE(f.Call(connection).ok());
  REQUIRE(f.relay.accepted() == 2);
  f.relay.CutAll();  // both connections reset under the kept client
  const base::Status second = f.Call(connection);
  CHECK_MESSAGE(second.ok(), second.ToString());
  REQUIRE(compute.Join().ok());
  CHECK(f.relay.accepted() > 2);   // connected again
  CHECK(connection.opened() == 1);  // by the same client, with the same reply queue
  CHECK(compute.requests().at(0).reply_q == compute.requests().at(1).reply_q);
}

TEST_CASE("refresh::ComputeConnection: a call that failed on the broker drops the client; the next opens a new one") {
  Fixture f;
  agent::refresh::ComputeConnection connection(f.options);
  testing::Responder compute(f.plan.topic, "host1", 2, ReplyNone());
  REQUIRE(f.Call(connection).ok());
  f.relay.Refuse(true);  // the broker unreachable for the whole of the next call
  f.relay.CutAll();
  const base::Status failed = f.Call(connection, milliseconds(1500));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.code() != base::Code::kRemoteError);
  f.relay.Refuse(false);
  const base::Status after = f.Call(connection);
  CHECK_MESSAGE(after.ok(), after.ToString());
  REQUIRE(compute.Join().ok());
  CHECK(connection.opened() == 2);
  CHECK(compute.requests().at(0).reply_q != compute.requests().at(1).reply_q);
}
