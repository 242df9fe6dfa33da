// The DB adapter against the stack's real MariaDB and Nova schema.
#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include "agent/config/database_url.h"
#include "agent/db/bdm_locator.h"
#include "agent/db/mysql_connection.h"
#include "agent/db/mysql_nova_database.h"
#include "tests/integration/stack_fixture.h"

using agent::db::MysqlConnection;
using agent::db::SqlParam;

namespace {

agent::config::DatabaseUrl ApiUrl() {
  auto url = agent::config::ParseDatabaseUrl(testing::LocalStack().nova_conf.api_database_connection.value_or(""),
                                             "[api_database] connection");
  REQUIRE(url.ok());
  return *url;
}

agent::db::MysqlNovaDatabase StackDatabase(const agent::Log& log) {
  const auto& conf = testing::LocalStack().nova_conf;
  return agent::db::MysqlNovaDatabase(
      {conf.api_database_connection.value_or(""), conf.database_connection.value_or(""), {}}, log);
}

}  // namespace

TEST_CASE("agent::db::MysqlConnection against MariaDB") {
  auto connection = MysqlConnection::Connect(ApiUrl(), {}, "API database");
  REQUIRE(connection.ok());

  SUBCASE("parameters of every kind round-trip") {
    const SqlParam params[] = {nullptr, std::int64_t{41}, std::string("a'b\"c")};
    auto rows = connection->Query("SELECT ? IS NULL AS n, ? + 1 AS i, CONCAT(?, 'x') AS s, NULL AS z", params);
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    CHECK(rows->columns() == std::vector<std::string>{"n", "i", "s", "z"});
    CHECK(rows->rows()[0][0] == "1");
    CHECK(rows->rows()[0][1] == "42");
    CHECK(rows->rows()[0][2] == "a'b\"cx");
    CHECK_FALSE(rows->rows()[0][3].has_value());
  }
  SUBCASE("long values are read whole") {
    const SqlParam params[] = {std::int64_t{100000}};
    auto rows = connection->Query("SELECT REPEAT('x', ?) AS big", params);
    REQUIRE(rows.ok());
    CHECK(rows->rows()[0][0]->size() == 100000);
  }
  SUBCASE("statements report affected rows") {
    REQUIRE(connection->Execute("CREATE TEMPORARY TABLE t (v INT)").ok());
    auto inserted = connection->Execute("INSERT INTO t VALUES (1), (2), (3)");
    REQUIRE(inserted.ok());
    CHECK(*inserted == 3);
  }
  SUBCASE("a bad statement is an error, not a crash") {
    auto rows = connection->Query("SELECT * FROM no_such_table");
    REQUIRE_FALSE(rows.ok());
    CHECK(rows.error().code() == base::Code::kFailedPrecondition);
    CHECK(rows.error().message().find("no_such_table") != std::string::npos);
  }
}

TEST_CASE("agent::db::MysqlConnection connection failures") {
  agent::config::DatabaseUrl url = ApiUrl();
  SUBCASE("wrong password: permission denied, password never in the message") {
    url.password = "wrong-password-7";
    auto connection = MysqlConnection::Connect(url, {}, "API database");
    REQUIRE_FALSE(connection.ok());
    CHECK(connection.error().code() == base::Code::kPermissionDenied);
    CHECK(connection.error().message().find("Access denied for user 'nova'") != std::string::npos);
    CHECK(connection.error().message().find("wrong-password-7") == std::string::npos);
  }
  SUBCASE("nothing listening: unavailable") {
    url.unix_socket.clear();
    url.host = "127.0.0.1";
    url.port = 1;
    auto connection = MysqlConnection::Connect(url, {}, "API database");
    REQUIRE_FALSE(connection.ok());
    CHECK(connection.error().code() == base::Code::kUnavailable);
    CHECK(connection.error().message().rfind("API database at 127.0.0.1:1: ", 0) == 0);
  }
  SUBCASE("TLS options are honoured: TLS becomes mandatory") {
    // The stack's MariaDB has no TLS, so a URL asking for it must fail
    // rather than silently fall back to plain text.
    url.ssl_ca = "/nonexistent/ca.pem";
    auto connection = MysqlConnection::Connect(url, {}, "API database");
    REQUIRE_FALSE(connection.ok());
    CHECK(connection.error().code() == base::Code::kUnavailable);
  }
  SUBCASE("a database the user has no grant on: permission denied") {
    url.database = "no_such_database";
    auto connection = MysqlConnection::Connect(url, {}, "API database");
    REQUIRE_FALSE(connection.ok());
    CHECK(connection.error().code() == base::Code::kPermissionDenied);
    CHECK(connection.error().message().find("no_such_database") != std::string::npos);
  }
}

TEST_CASE("agent::db::MysqlNovaDatabase finds seeded BDMs") {
  agent::Log log;
  auto db = StackDatabase(log);
  const testing::SeededBdm& seeded = testing::LocalStack().seeded.front();

  auto by_pair = agent::db::LocateVolumeBdm(db, seeded.instance_uuid, seeded.volume_id, log);
  REQUIRE(by_pair.ok());
  const agent::db::BlockDeviceMapping& bdm = by_pair.value().bdm;
  CHECK(bdm.uuid == seeded.bdm_uuid);
  CHECK(bdm.attachment_id == seeded.attachment_id);
  CHECK(bdm.IsVolume());
  REQUIRE(bdm.connection_info.has_value());
  rapidjson::Document info;
  info.Parse(bdm.connection_info->c_str());
  CHECK_FALSE(info.HasParseError());
  CHECK(by_pair.value().cell->name == "cell1");

  auto by_uuid = agent::db::LocateBdmByUuid(db, seeded.bdm_uuid, log);
  REQUIRE(by_uuid.ok());
  CHECK(by_uuid.value().bdm.id == bdm.id);

  auto instance = by_pair.value().cell_db->FindInstance(seeded.instance_uuid);
  REQUIRE(instance.ok());
  REQUIRE(instance->has_value());
  CHECK((*instance)->vm_state == "stopped");
  CHECK((*instance)->host == seeded.host);

  auto cells = db.ListCellMappings();
  REQUIRE(cells.ok());
  CHECK(cells->size() >= 2);  // cell0 and cell1
}
