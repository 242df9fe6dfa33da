// Tests of agent::config::NovaConfig: Nova's defaults, oslo.config's
// deprecated names, "$" substitution and typed values.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "agent/config/nova_config.h"
#include "tests/support/temp_dir.h"

using namespace agent::config;

namespace {

IniValues Files(std::initializer_list<std::pair<const char*, const char*>> files) {
  IniValues values;
  for (const auto& [name, text] : files) {
    auto entries = ParseIni(text, name);
    REQUIRE_MESSAGE(entries.ok(), entries.error().message());
    values.AddFile(name, *entries);
  }
  return values;
}

NovaConfig Build(const char* text) {
  auto config = BuildNovaConfig(Files({{"nova.conf", text}}), "compute-1");
  REQUIRE_MESSAGE(config.ok(), config.error().message());
  return std::move(config).value();
}

std::string BuildError(const char* text) {
  auto config = BuildNovaConfig(Files({{"nova.conf", text}}), "compute-1");
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code() == base::Code::kInvalidInput);
  return config.error().message();
}

}  // namespace

TEST_CASE("agent::config::BuildNovaConfig defaults") {
  NovaConfig c = Build("[DEFAULT]\n");
  CHECK_FALSE(c.transport_url.has_value());
  CHECK(c.control_exchange == "nova");
  CHECK(c.host == "compute-1");
  CHECK_FALSE(c.my_ip.has_value());
  CHECK_FALSE(c.my_block_storage_ip.has_value());
  CHECK(c.rpc_response_timeout == 60);
  CHECK_FALSE(c.database_connection.has_value());
  CHECK_FALSE(c.api_database_connection.has_value());
  CHECK(c.cinder.catalog_info == "volumev3::publicURL");
  CHECK_FALSE(c.cinder.endpoint_template.has_value());
  CHECK(c.cinder.http_retries == 3);
  CHECK_FALSE(c.cinder.timeout.has_value());
  CHECK_FALSE(c.cinder.insecure);
  CHECK_FALSE(c.cinder.auth.auth_type.has_value());
  CHECK_FALSE(c.service_user.send_service_user_token);
  CHECK_FALSE(c.upgrade_levels_compute.has_value());  // unset: bdm-agent resolves it as auto
  CHECK_FALSE(c.rabbit.ssl);
  CHECK(c.rabbit.ssl_ca_file.empty());
  CHECK(c.rabbit.heartbeat_timeout_threshold == 60);
  CHECK(c.rabbit.rabbit_transient_queues_ttl == 1800);
  CHECK_FALSE(c.rabbit.rabbit_quorum_queue);
  CHECK_FALSE(c.libvirt_volume_use_multipath);
}

TEST_CASE("agent::config::BuildNovaConfig reads every option") {
  NovaConfig c = Build(R"([DEFAULT]
transport_url = rabbit://nova:pa#ss@mq1:5672,nova:pa#ss@mq2:5672/
control_exchange = nova2
host = compute-7
my_ip = 192.0.2.7
my_block_storage_ip = 198.51.100.7
rpc_response_timeout = 180
[database]
connection = mysql+pymysql://nova:pw@db/nova
[api_database]
connection = mysql+pymysql://nova:pw@db/nova_api
[Cinder]
catalog_info = volumev3:cinderv3:internalURL
endpoint_template = http://cinder/v3/%(project_id)s
os_region_name = RegionTwo
http_retries = 0
timeout = 30
cafile = /etc/ssl/ca.pem
insecure = True
auth_type = password
auth_url = http://keystone/v3
username = nova
password = cinder-secret
user_domain_name = Default
project_name = service
project_domain_id = default
system_scope = all
[service_user]
send_service_user_token = yes
auth_type = password
username = nova-svc
[upgrade_levels]
compute = auto
[oslo_messaging_rabbit]
ssl = on
ssl_ca_file = /ca
ssl_cert_file = /cert
ssl_key_file = /key
heartbeat_timeout_threshold = 0
rabbit_transient_queues_ttl = 60
amqp_durable_queues = 1
amqp_auto_delete = TRUE
rabbit_quorum_queue = true
rabbit_ha_queues = false
[libvirt]
volume_use_multipath = True
)");
  CHECK(c.transport_url == "rabbit://nova:pa#ss@mq1:5672,nova:pa#ss@mq2:5672/");
  CHECK(c.control_exchange == "nova2");
  CHECK(c.host == "compute-7");
  CHECK(c.my_ip == "192.0.2.7");
  CHECK(c.my_block_storage_ip == "198.51.100.7");
  CHECK(c.rpc_response_timeout == 180);
  CHECK(c.database_connection == "mysql+pymysql://nova:pw@db/nova");
  CHECK(c.api_database_connection == "mysql+pymysql://nova:pw@db/nova_api");
  CHECK(c.cinder.catalog_info == "volumev3:cinderv3:internalURL");
  CHECK(c.cinder.endpoint_template == "http://cinder/v3/%(project_id)s");
  CHECK(c.cinder.os_region_name == "RegionTwo");
  CHECK(c.cinder.http_retries == 0);
  CHECK(c.cinder.timeout == 30);
  CHECK(c.cinder.cafile == "/etc/ssl/ca.pem");
  CHECK(c.cinder.insecure);
  CHECK(c.cinder.auth.auth_type == "password");
  CHECK(c.cinder.auth.auth_url == "http://keystone/v3");
  CHECK(c.cinder.auth.username == "nova");
  CHECK(c.cinder.auth.password == "cinder-secret");
  CHECK(c.cinder.auth.user_domain_name == "Default");
  CHECK(c.cinder.auth.project_name == "service");
  CHECK(c.cinder.auth.project_domain_id == "default");
  CHECK(c.cinder.auth.system_scope == "all");
  CHECK(c.service_user.send_service_user_token);
  CHECK(c.service_user.auth.username == "nova-svc");
  CHECK(c.upgrade_levels_compute == "auto");
  CHECK(c.rabbit.ssl);
  CHECK(c.rabbit.ssl_ca_file == "/ca");
  CHECK(c.rabbit.ssl_cert_file == "/cert");
  CHECK(c.rabbit.ssl_key_file == "/key");
  CHECK(c.rabbit.heartbeat_timeout_threshold == 0);
  CHECK(c.rabbit.rabbit_transient_queues_ttl == 60);
  CHECK(c.rabbit.amqp_durable_queues);
  CHECK(c.rabbit.amqp_auto_delete);
  CHECK(c.rabbit.rabbit_quorum_queue);
  CHECK_FALSE(c.rabbit.rabbit_ha_queues);
  CHECK(c.libvirt_volume_use_multipath);
}

TEST_CASE("agent::config::BuildNovaConfig deprecated names") {
  SUBCASE("[DEFAULT] sql_connection feeds both database connections") {
    NovaConfig c = Build("[DEFAULT]\nsql_connection = mysql://old@db/nova\n");
    CHECK(c.database_connection == "mysql://old@db/nova");
    CHECK(c.api_database_connection == "mysql://old@db/nova");
  }
  SUBCASE("the new name wins within one file") {
    NovaConfig c = Build("[database]\nconnection = mysql://new@db/nova\n[sql]\nconnection = mysql://old@db/nova\n");
    CHECK(c.database_connection == "mysql://new@db/nova");
  }
  SUBCASE("a later file with the old name wins over an earlier one with the new name") {
    auto c = BuildNovaConfig(Files({{"a.conf", "[database]\nconnection = mysql://new@db/nova\n"},
                                    {"b.conf", "[database]\nsql_connection = mysql://old@db/nova\n"}}),
                             "h");
    REQUIRE(c.ok());
    CHECK(c->database_connection == "mysql://old@db/nova");
  }
  SUBCASE("rabbit, libvirt and keystoneauth names") {
    NovaConfig c = Build(
        "[DEFAULT]\nrabbit_ha_queues = true\namqp_auto_delete = true\n"
        "[oslo_messaging_rabbit]\nrabbit_use_ssl = true\nkombu_ssl_ca_certs = /ca\nkombu_ssl_certfile = /c\n"
        "kombu_ssl_keyfile = /k\n[libvirt]\niscsi_use_multipath = true\n"
        "[cinder]\nauth_plugin = v3password\ntenant_name = svc\ntenant_id = 42\nuser_name = nova\n");
    CHECK(c.rabbit.rabbit_ha_queues);
    CHECK(c.rabbit.amqp_auto_delete);
    CHECK(c.rabbit.ssl);
    CHECK(c.rabbit.ssl_ca_file == "/ca");
    CHECK(c.rabbit.ssl_cert_file == "/c");
    CHECK(c.rabbit.ssl_key_file == "/k");
    CHECK(c.libvirt_volume_use_multipath);
    CHECK(c.cinder.auth.auth_type == "v3password");
    CHECK(c.cinder.auth.project_name == "svc");
    CHECK(c.cinder.auth.project_id == "42");
    CHECK(c.cinder.auth.username == "nova");
  }
  SUBCASE("section names are case-insensitive, but [default] is not DEFAULT") {
    NovaConfig c = Build("[DataBase]\nconnection = mysql://a@db/n\n[default]\nhost = ignored\n");
    CHECK(c.database_connection == "mysql://a@db/n");
    CHECK(c.host == "compute-1");
  }
}

TEST_CASE("agent::config::BuildNovaConfig substitution") {
  SUBCASE("my_block_storage_ip follows my_ip") {
    CHECK(Build("[DEFAULT]\nmy_ip = 192.0.2.1\n").my_block_storage_ip == "192.0.2.1");
  }
  SUBCASE("$name, ${name} and ${group.name}") {
    NovaConfig c = Build(
        "[DEFAULT]\nmy_ip = 192.0.2.1\nhost = node-$my_ip\n"
        "[database]\nconnection = mysql://n:p@${my_ip}/nova\n"
        "[api_database]\nconnection = ${database.connection}_api\n"
        "[cinder]\nendpoint_template = http://$host:8776\n");
    CHECK(c.host == "node-192.0.2.1");
    CHECK(c.database_connection == "mysql://n:p@192.0.2.1/nova");
    CHECK(c.api_database_connection == "mysql://n:p@192.0.2.1/nova_api");
    CHECK(c.cinder.endpoint_template == "http://node-192.0.2.1:8776");
  }
  SUBCASE("a name in the option's own section comes first, then DEFAULT (any option in the files counts)") {
    NovaConfig c = Build("[DEFAULT]\nregion = d\n[cinder]\nregion = c\nos_region_name = $region\n");
    CHECK(c.cinder.os_region_name == "c");
    CHECK(Build("[DEFAULT]\nregion = d\n[cinder]\nos_region_name = $region\n").cinder.os_region_name == "d");
  }
  SUBCASE("defaults can be referenced; an unset option gives ''") {
    NovaConfig c = Build("[cinder]\nos_region_name = $control_exchange-${host}-[$transport_url]\n");
    CHECK(c.cinder.os_region_name == "nova-compute-1-[]");
  }
  SUBCASE("$$ and \\$ are a literal $") {
    CHECK(Build("[database]\nconnection = mysql://n:pa$$w\\$rd@db/nova\n").database_connection ==
          "mysql://n:pa$w$rd@db/nova");
  }
  SUBCASE("an unknown name is an error that does not quote the value") {
    std::string m = BuildError("[DEFAULT]\n\n[database]\nconnection = mysql://n:pa$wOrd@db/nova\n");
    CHECK(m == "[database] connection (nova.conf:4): a '$' names an option that does not exist; "
               "write '$$' for a literal '$'");
  }
  SUBCASE("my_ip is computed by Nova, so $my_ip needs it set") {
    std::string m = BuildError("[DEFAULT]\nhost = x-$my_ip\n");
    CHECK(m == "[DEFAULT] host (nova.conf:2): refers to [DEFAULT] my_ip, which is not set "
               "(Nova would compute it; set it in the config)");
  }
  SUBCASE("recursion is an error") {
    std::string m = BuildError("[DEFAULT]\nhost = $host\n");
    CHECK(m.find("substitution is recursive") != std::string::npos);
  }
  SUBCASE("values naming others many times are expanded once each, and what they put in is capped (found by "
          "tests/fuzz/config_fuzz: 15 levels of ten references was 10^15 expansions, a hang)") {
    auto laughs = [](const char* leaf) {
      std::string text = std::string("[DEFAULT]\na0 = ") + leaf + "\n";
      for (int i = 1; i < 16; ++i) {
        text += "a" + std::to_string(i) + " =";
        for (int j = 0; j < 10; ++j) text += (j == 0 ? " $a" : "$a") + std::to_string(i - 1);
        text += "\n";
      }
      return text + "host = $a15\n";
    };
    CHECK(Build(laughs("").c_str()).host.empty());  // without the cache, this never returns
    const std::string m = BuildError(laughs("xxxxxxxxxx").c_str());
    CHECK(m == "[DEFAULT] a6 (nova.conf:8): longer than 1048576 bytes after substitution");
  }
}

TEST_CASE("agent::config::BuildNovaConfig bad values name the option and place") {
  struct Row {
    const char* text;
    const char* message;
  };
  const Row rows[] = {
      {"[cinder]\ninsecure = maybe\n",
       "[cinder] insecure: 'maybe' is not a boolean (true/false, yes/no, on/off, 1/0) (nova.conf:2)"},
      {"[oslo_messaging_rabbit]\nssl = t\n",
       "[oslo_messaging_rabbit] ssl: 't' is not a boolean (true/false, yes/no, on/off, 1/0) (nova.conf:2)"},
      {"[DEFAULT]\n\nrpc_response_timeout = 1.5\n", "[DEFAULT] rpc_response_timeout: '1.5' is not an integer (nova.conf:3)"},
      {"[DEFAULT]\nrpc_response_timeout =\n", "[DEFAULT] rpc_response_timeout: '' is not an integer (nova.conf:2)"},
      {"[DEFAULT]\nrpc_response_timeout = 99999999999\n",
       "[DEFAULT] rpc_response_timeout: '99999999999' is not an integer (nova.conf:2)"},
      {"[cinder]\nhttp_retries = -1\n", "[cinder] http_retries: '-1' is less than the minimum 0 (nova.conf:2)"},
      {"[oslo_messaging_rabbit]\nrabbit_transient_queues_ttl = 0\n",
       "[oslo_messaging_rabbit] rabbit_transient_queues_ttl: '0' is less than the minimum 1 (nova.conf:2)"},
      {"[libvirt]\niscsi_use_multipath = sure\n",
       "[libvirt] volume_use_multipath: 'sure' is not a boolean (true/false, yes/no, on/off, 1/0) (nova.conf:2)"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    CHECK(BuildError(row.text) == row.message);
  }
  SUBCASE("integers may be signed and padded, as Python's int() allows") {
    CHECK(Build("[DEFAULT]\nrpc_response_timeout = +090\n").rpc_response_timeout == 90);
    CHECK(Build("[DEFAULT]\nrpc_response_timeout = -5\n").rpc_response_timeout == -5);
  }
}

TEST_CASE("agent::config::NovaConfig::Get") {
  NovaConfig c = Build("[DEFAULT]\nstate_path = /var/lib/nova\nlock_path = $state_path/tmp\n[Glance]\nnum_retries = 3\n");
  CHECK(*c.Get("DEFAULT", "lock_path") == "/var/lib/nova/tmp");
  CHECK(*c.Get("glance", "num_retries") == "3");
  CHECK(*c.Get("GLANCE", "num_retries") == "3");
  CHECK(*c.Get("DEFAULT", "control_exchange") == "nova");
  CHECK(*c.Get("DEFAULT", "host") == "compute-1");
  CHECK(*c.Get("cinder", "catalog_info") == "volumev3::publicURL");
  CHECK_FALSE(c.Get("DEFAULT", "nothing")->has_value());
  CHECK_FALSE(c.Get("DEFAULT", "my_ip")->has_value());
  NovaConfig old = Build("[DEFAULT]\nsql_connection = mysql://a@b/c\n");
  CHECK(*old.Get("database", "connection") == "mysql://a@b/c");
}

TEST_CASE("agent::config::LoadNovaConfig") {
  const test::TempDir temp;
  const std::string& dir = temp.path();
  std::ofstream(dir + "/nova.conf") << "[DEFAULT]\ntransport_url = rabbit://a@mq/\n[database]\nconnection = x\n";
  std::filesystem::create_directories(dir + "/nova.conf.d");
  std::ofstream(dir + "/nova.conf.d/50-db.conf") << "[database]\nconnection = mysql://from-dir@db/nova\n";
  SUBCASE("files and directories in order") {
    auto c = LoadNovaConfig({{SourceKind::kFile, dir + "/nova.conf"}, {SourceKind::kDir, dir + "/nova.conf.d"}});
    REQUIRE_MESSAGE(c.ok(), c.error().message());
    CHECK(c->transport_url == "rabbit://a@mq/");
    CHECK(c->database_connection == "mysql://from-dir@db/nova");
    CHECK_FALSE(c->host.empty());  // gethostname()
    CHECK(c->files.Files().size() == 2);
  }
  SUBCASE("a missing file is NotFound naming it") {
    auto c = LoadNovaConfig({{SourceKind::kFile, dir + "/missing.conf"}});
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().IsNotFound());
    CHECK(c.error().message().find(dir + "/missing.conf") != std::string::npos);
  }
}

TEST_CASE("agent::config::BuildNovaConfig [upgrade_levels] compute: unset, empty and set are told apart") {
  // Unset means auto to proto_compat::ResolveComputeRpcCap; an empty value is
  // not unset (oslo gives ''), so it reaches the resolver and is refused there.
  CHECK_FALSE(Build("[upgrade_levels]\n").upgrade_levels_compute.has_value());
  CHECK(Build("[upgrade_levels]\ncompute =\n").upgrade_levels_compute == "");
  CHECK(Build("[upgrade_levels]\ncompute = gazpacho\n").upgrade_levels_compute == "gazpacho");
  CHECK(Build("[upgrade_levels]\ncompute = 6.5\n").upgrade_levels_compute == "6.5");
}
