#include "agent/db/row_mapping.h"

#include <algorithm>

#include <doctest/doctest.h>

using agent::db::BdmFromRow;
using agent::db::SqlField;
using agent::db::SqlRows;
using agent::db::SqlRowView;

namespace {

// A block_device_mapping row as MariaDB returns it for Nova 26's schema.
SqlRows BdmRows(std::vector<std::pair<std::string, SqlField>> overrides = {},
                std::vector<std::string> drop = {}) {
  std::vector<std::pair<std::string, SqlField>> columns = {
      {"created_at", "2026-11-20 08:59:40"}, {"updated_at", std::nullopt}, {"deleted_at", std::nullopt},
      {"id", "42"}, {"device_name", "/dev/vdb"}, {"delete_on_termination", "0"},
      {"snapshot_id", std::nullopt}, {"volume_id", "8b9b3491-f083-4485-8374-258372f3db35"},
      {"volume_size", "1"}, {"no_device", "0"}, {"connection_info", "{\"driver_volume_type\": \"rbd\"}"},
      {"instance_uuid", "216f9481-4c9d-4530-b865-51cedfa4b8e7"}, {"deleted", "0"},
      {"source_type", "volume"}, {"destination_type", "volume"}, {"guest_format", std::nullopt},
      {"device_type", "disk"}, {"disk_bus", "virtio"}, {"boot_index", std::nullopt},
      {"image_id", std::nullopt}, {"tag", std::nullopt}, {"attachment_id", "d338fb38-cfd5-461f-8753-145dcbdb6c78"},
      {"uuid", "4e957e6d-52f2-44da-8cf8-3f1ab755e26d"}, {"volume_type", std::nullopt},
      {"encrypted", "0"}, {"encryption_secret_uuid", std::nullopt}, {"encryption_format", std::nullopt},
      {"encryption_options", std::nullopt}};
  for (auto& [name, value] : overrides) {
    for (auto& column : columns) {
      if (column.first == name) column.second = value;
    }
  }
  std::vector<std::string> names;
  std::vector<SqlField> row;
  for (auto& [name, value] : columns) {
    if (std::find(drop.begin(), drop.end(), name) != drop.end()) continue;
    names.push_back(name);
    row.push_back(value);
  }
  return SqlRows(names, {row});
}

}  // namespace

TEST_CASE("agent::db::BdmFromRow") {
  SUBCASE("maps every column of a Nova 26 row") {
    SqlRows rows = BdmRows();
    auto bdm = BdmFromRow(SqlRowView(rows, 0));
    REQUIRE(bdm.ok());
    CHECK(bdm->id == 42);
    CHECK(bdm->uuid == "4e957e6d-52f2-44da-8cf8-3f1ab755e26d");
    CHECK(bdm->volume_size == 1);
    CHECK_FALSE(bdm->boot_index.has_value());
    CHECK(bdm->encrypted == false);
    CHECK(bdm->IsVolume());
    CHECK(bdm->created_at == "2026-11-20 08:59:40");
    CHECK_FALSE(bdm->updated_at.has_value());
  }
  SUBCASE("an older schema without the encryption columns still maps") {
    SqlRows rows = BdmRows({}, {"encrypted", "encryption_secret_uuid", "encryption_format", "encryption_options"});
    auto bdm = BdmFromRow(SqlRowView(rows, 0));
    REQUIRE(bdm.ok());
    CHECK_FALSE(bdm->encrypted.has_value());
  }
  SUBCASE("a non-numeric integer column is reported as corrupt, naming row and column") {
    SqlRows rows = BdmRows({{"boot_index", "first"}});
    auto bdm = BdmFromRow(SqlRowView(rows, 0));
    REQUIRE_FALSE(bdm.ok());
    CHECK(bdm.error().code() == base::Code::kCorrupt);
    CHECK(bdm.error().message() == "block_device_mapping row id 42: column boot_index 'first' is not an integer");
  }
  SUBCASE("a required column missing from the schema is reported") {
    SqlRows rows = BdmRows({}, {"attachment_id"});
    auto bdm = BdmFromRow(SqlRowView(rows, 0));
    REQUIRE_FALSE(bdm.ok());
    CHECK(bdm.error().message().find("attachment_id is missing from the schema") != std::string::npos);
    CHECK(bdm.error().code() == base::Code::kFailedPrecondition);
  }
  SUBCASE("a NULL instance_uuid is reported") {
    SqlRows rows = BdmRows({{"instance_uuid", std::nullopt}});
    CHECK_FALSE(BdmFromRow(SqlRowView(rows, 0)).ok());
  }
  SUBCASE("a NULL uuid (legacy row) is kept as absent") {
    SqlRows rows = BdmRows({{"uuid", std::nullopt}});
    auto bdm = BdmFromRow(SqlRowView(rows, 0));
    REQUIRE(bdm.ok());
    CHECK_FALSE(bdm->uuid.has_value());
  }
}

TEST_CASE("agent::db::CellMappingFromRow and InstanceSummaryFromRow") {
  SqlRows cells({"id", "uuid", "name", "database_connection", "transport_url", "disabled"},
                {{"2", "c1", "cell1", "mysql+pymysql://{username}@h/nova", "rabbit://", "0"}});
  auto cell = agent::db::CellMappingFromRow(SqlRowView(cells, 0));
  REQUIRE(cell.ok());
  CHECK(cell->name == "cell1");
  CHECK(cell->database_connection == "mysql+pymysql://{username}@h/nova");

  SqlRows instances({"id", "uuid", "deleted", "host", "node", "vm_state", "task_state", "locked", "locked_by"},
                    {{"7", "i1", "7", "cmp1", "cmp1.example", "stopped", std::nullopt, "1", "admin"}});
  auto instance = agent::db::InstanceSummaryFromRow(SqlRowView(instances, 0));
  REQUIRE(instance.ok());
  CHECK(instance->deleted);  // soft delete stores the row id in `deleted`
  CHECK(instance->locked);
  CHECK(instance->vm_state == "stopped");
  CHECK_FALSE(instance->task_state.has_value());
}
