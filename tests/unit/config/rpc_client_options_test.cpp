// Tests of agent::config::RpcClientOptionsFromConfig: how nova.conf's
// transport_url and [oslo_messaging_rabbit] TLS options become the TLS
// settings of the agent's AMQP connection (tests/wire/test_amqp_tls.py
// checks them against a real TLS broker).
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "agent/config/nova_config.h"
#include "agent/config/rpc_client_options.h"

using namespace agent::config;

namespace {

rpc::TlsOptions TlsOf(const std::string& text) {
  auto entries = ParseIni(text, "nova.conf");
  REQUIRE_MESSAGE(entries.ok(), entries.error().message());
  IniValues values;
  values.AddFile("nova.conf", *entries);
  auto conf = BuildNovaConfig(values, "compute-1");
  REQUIRE_MESSAGE(conf.ok(), conf.error().message());
  std::mt19937_64 rng(1);
  auto options = RpcClientOptionsFromConfig(*conf, "bdm-agent", rng);
  REQUIRE_MESSAGE(options.ok(), options.error().message());
  return options->connect.tls;
}

}  // namespace

TEST_CASE("agent::config::RpcClientOptionsFromConfig TLS") {
  const std::string url = "[DEFAULT]\ntransport_url = rabbit://u:p@h:5671/\n";
  SUBCASE("off by default") {
    auto tls = TlsOf(url);
    CHECK_FALSE(tls.enabled);
    CHECK_FALSE(tls.verify_hostname);
  }
  SUBCASE("ssl and the files") {
    auto tls = TlsOf(url + "[oslo_messaging_rabbit]\nssl = True\nssl_ca_file = /ca\nssl_cert_file = /c\n"
                           "ssl_key_file = /k\n");
    CHECK(tls.enabled);
    CHECK(tls.ca_file == "/ca");
    CHECK(tls.cert_file == "/c");
    CHECK(tls.key_file == "/k");
    CHECK_FALSE(tls.verify_hostname);
  }
  SUBCASE("hostname verification only together with ssl_ca_file, as oslo does") {
    CHECK(TlsOf(url + "[oslo_messaging_rabbit]\nssl = True\nssl_ca_file = /ca\n"
                      "ssl_enforce_hostname_verification = True\n")
              .verify_hostname);
    CHECK_FALSE(TlsOf(url + "[oslo_messaging_rabbit]\nssl = True\nssl_enforce_hostname_verification = True\n")
                    .verify_hostname);
  }
  SUBCASE("the URL's ssl query turns TLS on or off over the option") {
    CHECK(TlsOf("[DEFAULT]\ntransport_url = rabbit://u:p@h/?ssl=1\n").enabled);
    CHECK_FALSE(TlsOf("[DEFAULT]\ntransport_url = rabbit://u:p@h/?ssl=0\n[oslo_messaging_rabbit]\nssl = True\n")
                    .enabled);
  }
}
