// Tests of agent::config::NovaConfig's '$' substitution limits (chains, loops,
// growth) and of what its messages may quote (NovaConfig::Shown): a value
// that came from a substitution or from a secret option is never quoted.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "agent/config/nova_config.h"

using namespace agent::config;

namespace {

base::Result<NovaConfig> Load(const std::string& text) {
  auto entries = ParseIni(text, "nova.conf");
  REQUIRE_MESSAGE(entries.ok(), entries.error().message());
  IniValues values;
  values.AddFile("nova.conf", *entries);
  return BuildNovaConfig(std::move(values), "compute-1");
}

// [DEFAULT] host = $o1, o1 = $o2, ..., o<links> = end.
std::string Chain(int links, const std::string& end = "end") {
  std::string text = "[DEFAULT]\nhost = $o1\n";
  for (int i = 1; i < links; ++i) text += "o" + std::to_string(i) + " = $o" + std::to_string(i + 1) + "\n";
  return text + "o" + std::to_string(links) + " = " + end + "\n";
}

}  // namespace

TEST_CASE("agent::config::BuildNovaConfig substitution chains and loops") {
  SUBCASE("a chain is not a loop, up to 100 options (oslo.config reads about 120)") {
    for (int links : {1, 17, 99}) {
      CAPTURE(links);
      auto config = Load(Chain(links));
      REQUIRE_MESSAGE(config.ok(), config.error().message());
      CHECK(config->host == "end");
    }
    auto config = Load(Chain(100));
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().message() == "[DEFAULT] host: substitution goes through more than 100 options (nova.conf:2)");
  }
  SUBCASE("a loop names its options") {
    auto config = Load("[DEFAULT]\nhost = $a\na = ${cinder.b}\n[cinder]\nb = $DEFAULT.a\n");
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().message() ==
          "[DEFAULT] a: substitution is recursive ([DEFAULT] a -> [cinder] b -> [DEFAULT] a) (nova.conf:3)");
  }
  SUBCASE("values that refer to one another many times are expanded once each") {
    std::string text = "[DEFAULT]\nhost = $x0\n";
    for (int i = 0; i < 90; ++i) text += "x" + std::to_string(i) + " = $x" + std::to_string(i + 1) + "$x" + std::to_string(i + 1) + "\n";
    const auto start = std::chrono::steady_clock::now();
    auto empty = Load(text + "x90 =\n");
    REQUIRE_MESSAGE(empty.ok(), empty.error().message());
    CHECK(empty->host.empty());
    auto grown = Load(text + "x90 = ab\n");  // 2^91 bytes if nothing stopped it
    REQUIRE_FALSE(grown.ok());
    CHECK(grown.error().message().find("longer than 1048576 bytes after substitution") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  }
}

TEST_CASE("agent::config::BuildNovaConfig never quotes a substituted or secret value") {
  struct Row {
    std::string text;
    std::string message;
  };
  const std::string kBool = " is not a boolean (true/false, yes/no, on/off, 1/0)";
  const Row rows[] = {
      {"[cinder]\npassword = CinS3cr3t\ninsecure = $password\n",
       "[cinder] insecure: the value (from a '$' substitution, not shown)" + kBool + " (nova.conf:3)"},
      {"[database]\nconnection = mysql+pymysql://nova:DbS3cr3t@db/nova\n[oslo_messaging_rabbit]\n"
       "ssl = ${database.connection}\n",
       "[oslo_messaging_rabbit] ssl: the value (from a '$' substitution, not shown)" + kBool + " (nova.conf:4)"},
      {"[DEFAULT]\nsecret = S3cr3t\nrpc_response_timeout = 1$secret\n",
       "[DEFAULT] rpc_response_timeout: the value (from a '$' substitution, not shown) is not an integer (nova.conf:3)"},
      {"[DEFAULT]\nsecret = -5\n[cinder]\nhttp_retries = $DEFAULT.secret\n",
       "[cinder] http_retries: the value (from a '$' substitution, not shown) is less than the minimum 0 (nova.conf:4)"},
      {"[cinder]\ninsecure = S3cr3t-typed-here\n",  // the option's own text: quoted
       "[cinder] insecure: 'S3cr3t-typed-here'" + kBool + " (nova.conf:2)"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    auto config = Load(row.text);
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().message() == row.message);
  }
}

TEST_CASE("agent::config::NovaConfig::Shown") {
  auto config = Load(
      "[DEFAULT]\ntransport_url = rabbit://u:RabbS3cr3t@h/\nmy_ip = $transport_url\nhost = plain\n"
      "[database]\nconnection = mysql://u:p@h/d\n[cinder]\npassword = CinS3cr3t\nauth_type = $password\n"
      "[upgrade_levels]\ncompute = zed\n");
  REQUIRE_MESSAGE(config.ok(), config.error().message());
  CHECK(config->Shown("DEFAULT", "host", "plain") == "'plain'");
  CHECK(config->Shown("upgrade_levels", "compute", "zed") == "'zed'");
  CHECK(config->Shown("cinder", "auth_type", "CinS3cr3t") == "the value (from a '$' substitution, not shown)");
  CHECK(config->Shown("DEFAULT", "my_ip", "x") == "the value (from a '$' substitution, not shown)");
  // my_block_storage_ip defaults to my_ip, which came from a substitution.
  CHECK_FALSE(config->MayQuote("DEFAULT", "my_block_storage_ip"));
  for (const auto& option : {std::pair{"DEFAULT", "transport_url"}, std::pair{"database", "connection"},
                              std::pair{"api_database", "connection"}, std::pair{"cinder", "password"},
                              std::pair{"service_user", "password"}}) {
    CAPTURE(option.second);
    CHECK(config->Shown(option.first, option.second, "x") == "the value (a secret, not shown)");
  }
  CHECK(config->MayQuote("cinder", "catalog_info"));  // a default
}

TEST_CASE("agent::config::BuildNovaConfig refuses a NUL in Keystone credentials") {
  for (const char* option : {"[cinder]\npassword", "[service_user]\npassword", "[cinder]\nusername",
                             "[service_user]\nuser_name"}) {
    CAPTURE(option);
    auto config = Load(std::string(option) + " = Cin" + std::string(1, '\0') + "S3cr3t\n");
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().message().ends_with(": contains a NUL character (Keystone's default bcrypt hashing refuses it)"));
    CHECK(config.error().message().find("S3cr3t") == std::string::npos);
  }
}
