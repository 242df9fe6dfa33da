// Tests of agent::config::NotificationOptionsFromConfig: which drivers turn
// notifications on, the transport URL and its fallback, topics, retry, the
// timeout, deprecated names, and refusals that never quote a secret.
#include "agent/config/notification_options.h"

#include <random>
#include <string>

#include <doctest/doctest.h>

#include "tests/support/nova_config_text.h"

using namespace agent::config;

namespace {

base::Result<std::optional<NotificationOptions>> Read(const std::string& text) {
  std::mt19937_64 rng(1);
  return NotificationOptionsFromConfig(test::NovaConfigFromText(text, "compute-1"), "bdm-agent", rng);
}

const std::string kRpcUrl = "[DEFAULT]\ntransport_url = rabbit://rpc:rpcpass@rpc-host:5672/nova\n";

}  // namespace

TEST_CASE("agent::config::NotificationOptionsFromConfig") {
  SUBCASE("off without a driver, or with drivers bdm-agent does not send") {
    auto none = Read(kRpcUrl);
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    auto other = Read(kRpcUrl + "[oslo_messaging_notifications]\ndriver = log\n");
    REQUIRE(other.ok());
    CHECK_FALSE(other->has_value());
  }
  SUBCASE("messagingv2 on the RPC broker, with oslo's defaults") {
    auto on = Read(kRpcUrl + "control_exchange = nova\n[oslo_messaging_notifications]\ndriver = messagingv2\n");
    REQUIRE_MESSAGE(on.ok(), on.error().message());
    REQUIRE(on->has_value());
    const NotificationOptions& o = **on;
    CHECK(o.notifier.formats == std::vector{rpc::NotificationFormat::kV2});
    CHECK(o.notifier.topics == std::vector<std::string>{"notifications"});
    CHECK(o.notifier.resends == -1);
    CHECK(o.timeout == std::chrono::seconds(5));
    REQUIRE(o.notifier.connect.hosts.size() == 1);
    CHECK(o.notifier.connect.hosts[0].hostname == "rpc-host");
    CHECK(o.notifier.connect.virtual_host == "nova");
    CHECK(o.notifier.topology.control_exchange == "nova");
    CHECK(o.ignored_drivers.empty());
  }
  SUBCASE("its own transport_url, topics, retry, both formats, other drivers listed") {
    auto on = Read(kRpcUrl +
                   "[oslo_messaging_notifications]\ndriver = log, messaging,messagingv2\n"
                   "transport_url = rabbit://n:npass@notify-host:5673/\ntopics = notifications, bdm\nretry = 3\n"
                   "[oslo_messaging_rabbit]\namqp_durable_queues = true\n[bdm_agent]\nnotification_timeout = 2\n");
    REQUIRE_MESSAGE(on.ok(), on.error().message());
    const NotificationOptions& o = **on;
    CHECK(o.notifier.formats == std::vector{rpc::NotificationFormat::kV2, rpc::NotificationFormat::kV1});
    CHECK(o.notifier.connect.hosts[0].hostname == "notify-host");
    CHECK(o.notifier.connect.hosts[0].port == 5673);
    CHECK(o.notifier.topics == std::vector<std::string>{"notifications", "bdm"});
    CHECK(o.notifier.resends == 3);
    CHECK(o.notifier.topology.amqp_durable_queues);
    CHECK(o.timeout == std::chrono::seconds(2));
    CHECK(o.ignored_drivers == std::vector<std::string>{"log"});
  }
  SUBCASE("the deprecated [DEFAULT] names") {
    auto on = Read(kRpcUrl + "notification_driver = messagingv2\nnotification_topics = old\n"
                   "notification_transport_url = rabbit://o:opass@old-host/\n");
    REQUIRE_MESSAGE(on.ok(), on.error().message());
    REQUIRE(on->has_value());
    CHECK((*on)->notifier.topics == std::vector<std::string>{"old"});
    CHECK((*on)->notifier.connect.hosts[0].hostname == "old-host");
  }
  SUBCASE("refusals name the option and never quote a secret") {
    auto no_url = Read("[oslo_messaging_notifications]\ndriver = messagingv2\n");
    CHECK(no_url.error().code() == base::Code::kInvalidInput);
    CHECK(no_url.error().message().find("transport_url") != std::string::npos);

    auto kafka = Read(kRpcUrl + "[oslo_messaging_notifications]\ndriver = messagingv2\n"
                      "transport_url = kafka://k:kpass@kafka-host:9092/\n");
    REQUIRE_FALSE(kafka.ok());
    CHECK(kafka.error().message().starts_with("[oslo_messaging_notifications] transport_url: "));
    CHECK(kafka.error().message().find("kpass") == std::string::npos);

    auto bad_url = Read(kRpcUrl + "[oslo_messaging_notifications]\ndriver = messagingv2\n"
                        "transport_url = rabbit://k:kpass@host:99999/\n");
    REQUIRE_FALSE(bad_url.ok());
    CHECK(bad_url.error().message().find("kpass") == std::string::npos);
    CHECK(bad_url.error().message().find("[oslo_messaging_notifications] transport_url") != std::string::npos);

    auto retry = Read(kRpcUrl + "[oslo_messaging_notifications]\ndriver = messagingv2\nretry = -2\n");
    CHECK(retry.error().message() == "[oslo_messaging_notifications] retry: '-2' is below -1");
    auto timeout = Read(kRpcUrl + "[oslo_messaging_notifications]\ndriver = messagingv2\n"
                        "[bdm_agent]\nnotification_timeout = 0\n");
    CHECK(timeout.error().message() == "[bdm_agent] notification_timeout: '0' is not from 1 to 300");
    auto topics = Read(kRpcUrl + "[oslo_messaging_notifications]\ndriver = messagingv2\ntopics = ,\n");
    CHECK(topics.error().message() == "[oslo_messaging_notifications] topics: names no topic");
  }
}
