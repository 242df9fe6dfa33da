#include "agent/serve/serve_settings.h"

#include <doctest/doctest.h>

namespace {

agent::config::NovaConfig Config(const std::string& text) {
  auto entries = agent::config::ParseIni(text, "nova.conf");
  REQUIRE(entries.ok());
  agent::config::IniValues values;
  values.AddFile("nova.conf", *entries);
  auto conf = agent::config::BuildNovaConfig(std::move(values), "node-7");
  REQUIRE_MESSAGE(conf.ok(), conf.error().message());
  return std::move(*conf);
}

}  // namespace

TEST_CASE("agent::serve::LoadServeSettings") {
  SUBCASE("defaults: topic bdm_agent, [DEFAULT] host, 4 workers, admin") {
    auto s = agent::serve::LoadServeSettings(Config("[DEFAULT]\n"), {});
    REQUIRE(s.ok());
    CHECK(s->topic == "bdm_agent");
    CHECK(s->host == "node-7");
    CHECK(s->workers == 4);
    CHECK(s->allowed_roles == std::vector<std::string>{"admin"});
    CHECK(s->graceful_shutdown_timeout == std::chrono::seconds(60));
    CHECK_FALSE(s->rpc_ping_enabled);
  }
  SUBCASE("[bdm_agent] and [DEFAULT] rpc_ping_enabled; the command line wins") {
    const auto conf = Config("[DEFAULT]\nhost = cmp1.example.org\nrpc_ping_enabled = yes\n[bdm_agent]\ntopic = t\n"
                             "workers = 8\nallowed_roles = admin, service ,\ngraceful_shutdown_timeout = 5\n");
    auto s = agent::serve::LoadServeSettings(conf, {});
    REQUIRE(s.ok());
    CHECK(s->topic == "t");
    CHECK(s->host == "cmp1.example.org");  // dots are fine: oslo's "<topic>.<host>" takes them
    CHECK(s->workers == 8);
    CHECK(s->allowed_roles == std::vector<std::string>{"admin", "service"});
    CHECK(s->graceful_shutdown_timeout == std::chrono::seconds(5));
    CHECK(s->rpc_ping_enabled);
    s = agent::serve::LoadServeSettings(conf, {std::string("u"), std::string("h"), 2});
    REQUIRE(s.ok());
    CHECK((s->topic == "u" && s->host == "h" && s->workers == 2));
  }
  SUBCASE("values that do not read, named") {
    for (const char* text : {"[bdm_agent]\nworkers = 0\n", "[bdm_agent]\nworkers = many\n",
                             "[bdm_agent]\ngraceful_shutdown_timeout = -1\n", "[DEFAULT]\nrpc_ping_enabled = maybe\n",
                             "[bdm_agent]\ntopic = a b\n"}) {
      CAPTURE(text);
      auto s = agent::serve::LoadServeSettings(Config(text), {});
      REQUIRE_FALSE(s.ok());
      CHECK(s.error().code() == base::Code::kInvalidInput);
    }
    CHECK_FALSE(agent::serve::LoadServeSettings(Config("[DEFAULT]\n"), {std::nullopt, std::nullopt, 65}).ok());
    auto secret = agent::serve::LoadServeSettings(
        Config("[DEFAULT]\nmy_password = 99999\n[bdm_agent]\nworkers = $my_password\n"), {});
    REQUIRE_FALSE(secret.ok());
    CHECK(secret.error().message().find("99999") == std::string::npos);  // a substituted value is not quoted
  }
}
