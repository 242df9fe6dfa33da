// Unit tests of rpc::ConnectOptionsFromUrl and rpc::OsloConnectionName.
#include <random>

#include <doctest/doctest.h>

#include "rpc/amqp_connection.h"

TEST_CASE("rpc::ConnectOptionsFromUrl") {
  SUBCASE("hosts in order with their own credentials, and the vhost") {
    auto url = rpc::ParseTransportUrl("rabbit://a:pa@h1:5671,b:pb@h2/nova", "t");
    REQUIRE(url.ok());
    auto options = rpc::ConnectOptionsFromUrl(*url, rpc::TlsOptions{});
    REQUIRE(options.ok());
    REQUIRE(options->hosts.size() == 2);
    CHECK(options->hosts[0].hostname == "h1");
    CHECK(options->hosts[0].port == 5671);
    CHECK(options->hosts[1].username == "b");
    CHECK(options->hosts[1].port == 5672);
    CHECK(options->virtual_host == "nova");
    CHECK_FALSE(options->tls.enabled);
    CHECK(options->heartbeat_seconds == 60);
  }
  SUBCASE("[oslo_messaging_rabbit] ssl options pass through") {
    auto url = rpc::ParseTransportUrl("rabbit://a:p@h/", "t");
    REQUIRE(url.ok());
    rpc::TlsOptions tls{true, "/ca.pem", "/c.pem", "/k.pem", false};
    auto options = rpc::ConnectOptionsFromUrl(*url, tls);
    REQUIRE(options.ok());
    CHECK(options->tls.enabled);
    CHECK(options->tls.ca_file == "/ca.pem");
    CHECK(options->virtual_host == "/");
  }
  SUBCASE("query ssl=1 turns TLS on, ssl=0 off") {
    auto on = rpc::ParseTransportUrl("rabbit://a:p@h/?ssl=1", "t");
    REQUIRE(on.ok());
    CHECK(rpc::ConnectOptionsFromUrl(*on, rpc::TlsOptions{})->tls.enabled);
    auto off = rpc::ParseTransportUrl("rabbit://a:p@h/?ssl=false", "t");
    REQUIRE(off.ok());
    CHECK_FALSE(rpc::ConnectOptionsFromUrl(*off, rpc::TlsOptions{true, "", "", "", false})->tls.enabled);
    auto bad = rpc::ParseTransportUrl("rabbit://a:p@h/?ssl=maybe", "t");
    REQUIRE(bad.ok());
    CHECK(rpc::ConnectOptionsFromUrl(*bad, rpc::TlsOptions{}).error().code() == base::Code::kInvalidInput);
  }
  SUBCASE("refusals") {
    auto none = rpc::ParseTransportUrl("none:///", "t");
    REQUIRE(none.ok());
    CHECK(rpc::ConnectOptionsFromUrl(*none, rpc::TlsOptions{}).error().code() == base::Code::kInvalidInput);
    auto no_host = rpc::ParseTransportUrl("rabbit://", "t");
    REQUIRE(no_host.ok());
    CHECK(rpc::ConnectOptionsFromUrl(*no_host, rpc::TlsOptions{}).error().code() == base::Code::kInvalidInput);
  }
}

TEST_CASE("rpc::OsloConnectionName is <program>:<pid>:<uuid4>") {
  std::mt19937_64 rng(1);
  const std::string name = rpc::OsloConnectionName("bdm-agent", rng);
  CHECK(name.rfind("bdm-agent:", 0) == 0);
  const auto last = name.rfind(':');
  CHECK(name.size() - last - 1 == 36);  // 8-4-4-4-12
}
