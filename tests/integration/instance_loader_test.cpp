// The instance loader and the service-version query against the stack's
// real MariaDB and Nova (Zed) schema. Byte-for-byte equality with Nova's own
// primitive is tests/wire/test_instance_primitive.py's job; this checks the
// C++ path end to end and the "auto" cap the stack's computes give.
#include <doctest/doctest.h>

#include "agent/db/bdm_locator.h"
#include "agent/db/mysql_nova_database.h"
#include "proto_compat/compute_rpc_version.h"
#include "proto_compat/instance.h"
#include "proto_compat/nova_object.h"
#include "proto_compat/remove_volume_connection.h"
#include "tests/integration/stack_fixture.h"

namespace {

agent::db::MysqlNovaDatabase StackDatabase(const agent::Log& log) {
  const auto& conf = testing::LocalStack().nova_conf;
  return agent::db::MysqlNovaDatabase(
      {conf.api_database_connection.value_or(""), conf.database_connection.value_or(""), {}}, log);
}

}  // namespace

TEST_CASE("agent::db::CellDatabase::LoadInstance reads seeded instances") {
  agent::Log log;
  auto db = StackDatabase(log);
  for (const testing::SeededBdm& seeded : testing::LocalStack().seeded) {
    CAPTURE(seeded.instance_uuid);
    auto located = agent::db::LocateVolumeBdm(db, seeded.instance_uuid, seeded.volume_id, log);
    REQUIRE(located.ok());
    agent::db::CellDatabase* cell = located.value().cell_db;

    auto record = cell->LoadInstance(seeded.instance_uuid);
    REQUIRE_MESSAGE(record.ok(), record.error().ToString());
    REQUIRE(record->has_value());
    const proto_compat::InstanceRecord& instance = **record;
    CHECK(instance.uuid == seeded.instance_uuid);
    CHECK(instance.host == seeded.host);
    CHECK(instance.vm_state == "stopped");
    CHECK(instance.deleted == 0);
    CHECK_FALSE(instance.has_compute_id);  // Zed's schema
    REQUIRE(instance.info_cache.has_value());
    CHECK(instance.info_cache->instance_uuid == seeded.instance_uuid);
    CHECK_FALSE(instance.system_metadata.empty());

    auto primitive = proto_compat::EncodeInstancePrimitive(instance, proto_compat::InstanceVersion::k2_7);
    REQUIRE_MESSAGE(primitive.ok(), primitive.error().ToString());
    auto object = proto_compat::ReadNovaObject(*primitive);
    REQUIRE(object.ok());
    CHECK(object->name == "Instance");
    CHECK(object->version == "2.7");
    CHECK(**proto_compat::ReadStringField(*object, "uuid") == std::optional(seeded.instance_uuid));

    auto newer = proto_compat::EncodeInstancePrimitive(instance, proto_compat::InstanceVersion::k2_8);
    REQUIRE_FALSE(newer.ok());
    CHECK(newer.error().code() == base::Code::kCorrupt);
  }
}

TEST_CASE("agent::db::CellDatabase::LoadInstance finds no instance for an unknown uuid") {
  agent::Log log;
  auto db = StackDatabase(log);
  auto mapping = db.FindInstanceMapping(testing::LocalStack().seeded.front().instance_uuid);
  REQUIRE(mapping.ok());
  REQUIRE(mapping->has_value());
  auto cell = db.Cell(*(*mapping)->cell);
  REQUIRE(cell.ok());
  auto record = (*cell)->LoadInstance("00000000-1111-2222-3333-444444444444");
  REQUIRE(record.ok());
  CHECK_FALSE(record->has_value());
}

TEST_CASE("agent::db::CellDatabase::MinimumComputeServiceVersion drives the auto cap") {
  agent::Log log;
  auto db = StackDatabase(log);
  auto cells = db.ListCellMappings();
  REQUIRE(cells.ok());
  std::vector<std::optional<std::int64_t>> versions;
  for (const agent::db::CellMapping& mapping : *cells) {
    auto cell = db.Cell(mapping);
    REQUIRE_MESSAGE(cell.ok(), cell.error().ToString());
    auto version = (*cell)->MinimumComputeServiceVersion();
    REQUIRE_MESSAGE(version.ok(), version.error().ToString());
    if (mapping.name == "cell0") CHECK_FALSE(version->has_value());
    versions.push_back(*version);
  }
  const std::int64_t minimum = proto_compat::MinimumServiceVersionAcrossCells(versions);
  CHECK(minimum == 64);  // the stack runs Nova 26 (Zed) computes

  auto cap = proto_compat::ResolveComputeRpcCap(std::string("auto"), minimum);
  REQUIRE(cap.ok());
  auto call = proto_compat::PlanRemoveVolumeConnection(*cap);
  REQUIRE(call.ok());
  CHECK(call->version == "6.0");
  CHECK(call->topic == "compute");
  CHECK_FALSE(call->delete_attachment);
  CHECK(call->instance_version == proto_compat::InstanceVersion::k2_7);
}
