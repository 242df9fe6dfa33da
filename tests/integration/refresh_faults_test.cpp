// The refresh workflow (agent/refresh) against the stack's real MariaDB,
// real Cinder and real nova-compute, with one failure injected at a chosen
// step. The injection is a decorator we wrote around the REAL Cinder client
// and the REAL cell database: neither peer can be made to fail exactly one
// chosen call, and the point is what refresh does next. Every case ends in a
// state refresh promises: BDM, attachments and lock consistent.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>

#include <rapidjson/document.h>

#include "agent/cinder/cinder_client.h"
#include "agent/db/bdm_locator.h"
#include "agent/db/mysql_nova_database.h"
#include "agent/refresh/compute_link.h"
#include "agent/refresh/reconcile.h"
#include "agent/refresh/refresh_begin.h"
#include "tests/integration/fault_injection.h"
#include "tests/integration/stack_fixture.h"
#include "tests/support/temp_dir.h"

namespace {

using agent::refresh::Outcome;

struct SeededVolume {
  std::string instance_uuid, volume_id, attachment_id;
};

// Fresh instances from tools/seed (one volume each), in their own seed file.
std::vector<SeededVolume> SeedInstances(int count) {
  const test::TempDir dir;
  const std::string seed_file = dir.path() + "/seed.json";
  const std::string command = "BDM_SEED_FILE=" + seed_file + " " BDM_SOURCE_ROOT "/tools/seed --instances " +
                              std::to_string(count) + " --volumes 1 --prefix faults >/dev/null 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
  std::ifstream file(seed_file);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  REQUIRE(doc.IsArray());
  std::vector<SeededVolume> seeded;
  for (const auto& entry : doc.GetArray()) {
    seeded.push_back({entry["instance_uuid"].GetString(), entry["volume_id"].GetString(),
                      entry["attachment_id"].GetString()});
  }
  return seeded;
}

// One refresh run with the workflow's real peers, through the decorators.
struct Harness {
  agent::Log log;
  const agent::config::NovaConfig& conf = testing::LocalStack().nova_conf;
  agent::db::MysqlNovaDatabase nova_db{
      {conf.api_database_connection.value_or(""), conf.database_connection.value_or(""), {}}, log};
  std::unique_ptr<agent::cinder::AttachmentApi> real_cinder;
  const test::TempDir state;
  const std::string& state_dir = state.path();

  Harness() {
    auto cinder = agent::cinder::ConnectCinder(conf, {});
    REQUIRE(cinder.ok());
    real_cinder = std::move(*cinder);
  }

  agent::db::LocatedBdm Locate(const SeededVolume& seeded) {
    auto found = agent::db::LocateVolumeBdm(nova_db, seeded.instance_uuid, seeded.volume_id, log);
    REQUIRE(found.ok());
    return found.value();
  }

  // Runs refresh with `cinder_faults` and `db_faults` injected.
  agent::refresh::RefreshReport Refresh(const SeededVolume& seeded, const testing::Faults& cinder_faults,
                                        const testing::Faults& db_faults) {
    agent::db::LocatedBdm located = Locate(seeded);
    auto instance = located.cell_db->FindInstance(seeded.instance_uuid);
    REQUIRE(instance.ok());
    auto record = located.cell_db->LoadInstance(seeded.instance_uuid);
    REQUIRE(record.ok());
    auto plan = agent::refresh::PlanComputeCall(nova_db, conf, log);
    REQUIRE(plan.ok());
    auto compute = agent::refresh::RpcComputeLink::Connect(conf, *plan, log);
    REQUIRE(compute.ok());
    std::ifstream connector_file(std::string(testing::LocalStack().dir) + "/connector.json");
    const std::string connector_text((std::istreambuf_iterator<char>(connector_file)),
                                     std::istreambuf_iterator<char>());
    auto connector = agent::refresh::ParseConnector(connector_text, "connector.json");
    REQUIRE(std::holds_alternative<agent::refresh::Connector>(connector));
    std::mt19937_64 rng(std::random_device{}());
    const agent::refresh::JournalBegin begin = agent::refresh::MakeJournalBegin(
        located, **instance, std::get<agent::refresh::Connector>(connector), *plan, conf.host, "req-faults", rng);
    auto journal = agent::refresh::RefreshJournal::Create(state_dir, begin);
    REQUIRE(journal.ok());
    testing::FaultyCinder cinder(*real_cinder, cinder_faults);
    testing::FaultyCell cell(*located.cell_db, db_faults);
    return agent::refresh::RunRefresh(*journal, std::move(**record), *compute, {cell, cinder, log});
  }

  // Runs `recover` on the instance's journal with healthy peers.
  agent::refresh::RefreshReport Recover(const SeededVolume& seeded) {
    auto journal = agent::refresh::RefreshJournal::Open(state_dir, seeded.instance_uuid);
    REQUIRE(journal.ok());
    REQUIRE(journal->has_value());
    return agent::refresh::Reconcile(**journal, {*Locate(seeded).cell_db, *real_cinder, log});
  }

  bool JournalLeft(const SeededVolume& seeded) {
    auto listed = agent::refresh::RefreshJournal::List(state_dir);
    REQUIRE(listed.ok());
    return std::find(listed->begin(), listed->end(), seeded.instance_uuid) != listed->end();
  }

  // The promises: unlocked, the BDM's attachment exists in Cinder and is the
  // instance's only one on the volume, connection_info present; returns the
  // BDM.
  agent::db::BlockDeviceMapping CheckConsistent(const SeededVolume& seeded) {
    agent::db::LocatedBdm located = Locate(seeded);
    auto instance = located.cell_db->FindInstance(seeded.instance_uuid);
    REQUIRE(instance.ok());
    CHECK(!(*instance)->locked);
    auto reason = located.cell_db->LockedReason(seeded.instance_uuid);
    CHECK(!*reason);
    const auto& bdm = located.bdm;
    REQUIRE(bdm.attachment_id);
    CHECK(bdm.connection_info);
    CHECK(real_cinder->Get(*bdm.attachment_id).ok());
    auto listed = real_cinder->ListAttachments(seeded.volume_id);
    REQUIRE(listed.ok());
    std::vector<std::string> ours;
    for (const auto& attachment : *listed) {
      if (attachment.instance == seeded.instance_uuid) ours.push_back(attachment.id);
    }
    CHECK(ours == std::vector<std::string>{*bdm.attachment_id});
    return bdm;
  }
};

}  // namespace

TEST_CASE("refresh with a failure injected at each step ends consistent") {
  static const std::vector<SeededVolume> seeded = SeedInstances(9);  // doctest reruns the case per SUBCASE
  Harness h;
  using testing::Faults;
  const Faults none;

  SUBCASE("Cinder refuses to reserve: rolled back, nothing left") {
    auto report = h.Refresh(seeded[0], Faults{{"Create", 1}}, none);
    CHECK(report.outcome == Outcome::kRolledBack);
    CHECK(report.failed_peer == agent::refresh::Peer::kCinder);
    CHECK(h.CheckConsistent(seeded[0]).attachment_id == seeded[0].attachment_id);
  }
  SUBCASE("deleting the old attachment fails: the new one is deleted, the old one kept") {
    auto report = h.Refresh(seeded[1], Faults{{"Delete", 1}}, none);
    CHECK(report.outcome == Outcome::kRolledBack);
    CHECK(h.CheckConsistent(seeded[1]).attachment_id == seeded[1].attachment_id);
  }
  SUBCASE("the update fails once after the old attachment is gone: rolled forward, not NULL as in Nova") {
    auto report = h.Refresh(seeded[2], Faults{{"Update", 1}}, none);
    CHECK(report.outcome == Outcome::kRefreshed);
    CHECK(h.CheckConsistent(seeded[2]).attachment_id != seeded[2].attachment_id);
  }
  SUBCASE("the update keeps failing: the volume stays reserved, the BDM keeps its connection_info") {
    const std::string old_info = *h.Locate(seeded[3]).bdm.connection_info;
    auto report = h.Refresh(seeded[3], Faults{{"Update", 99}}, none);
    CHECK(report.outcome == Outcome::kKeptReserved);
    const auto bdm = h.CheckConsistent(seeded[3]);
    CHECK(bdm.connection_info == old_info);
    CHECK(bdm.attachment_id != seeded[3].attachment_id);
  }
  SUBCASE("completing fails once: completed by reconciliation") {
    auto report = h.Refresh(seeded[4], Faults{{"Complete", 1}}, none);
    CHECK(report.outcome == Outcome::kRefreshed);
    auto bdm = h.CheckConsistent(seeded[4]);
    CHECK(h.real_cinder->Get(*bdm.attachment_id)->status == "attached");
  }
  SUBCASE("Cinder down from the completion on: journal kept, recover finishes it") {
    auto report = h.Refresh(seeded[5], Faults{{"Complete", 99}, {"Get", 99}}, none);
    CHECK(report.outcome == Outcome::kNeedsRecovery);
    CHECK(h.JournalLeft(seeded[5]));
    auto recovered = h.Recover(seeded[5]);
    CHECK(recovered.outcome == Outcome::kRefreshed);
    CHECK(!h.JournalLeft(seeded[5]));
    auto bdm = h.CheckConsistent(seeded[5]);
    CHECK(h.real_cinder->Get(*bdm.attachment_id)->status == "attached");
  }
  SUBCASE("the database connection is lost saving the BDM: journal kept, recover finishes it") {
    auto report = h.Refresh(seeded[6], none, Faults{{"SaveBdmAttachment", 99}, {"FindBdmById", 99}});
    CHECK(report.outcome == Outcome::kNeedsRecovery);
    CHECK(report.failed_peer == agent::refresh::Peer::kDatabase);
    auto recovered = h.Recover(seeded[6]);
    CHECK(recovered.outcome == Outcome::kRefreshed);
    CHECK(h.CheckConsistent(seeded[6]).attachment_id != seeded[6].attachment_id);
  }
  SUBCASE("the database is lost before the unlock: recover unlocks") {
    auto report = h.Refresh(seeded[7], none,
                            Faults{{"UnlockInstance", 99}, {"FindInstanceAction", 99}, {"FindBdmById", 99}});
    CHECK(report.outcome == Outcome::kNeedsRecovery);
    auto recovered = h.Recover(seeded[7]);
    CHECK(recovered.outcome == Outcome::kRefreshed);
    h.CheckConsistent(seeded[7]);
  }
  SUBCASE("the lock itself fails: nothing changed") {
    auto report = h.Refresh(seeded[8], none, Faults{{"LockInstance", 1}});
    CHECK(report.outcome == Outcome::kRolledBack);
    CHECK(h.CheckConsistent(seeded[8]).attachment_id == seeded[8].attachment_id);
    CHECK(!h.JournalLeft(seeded[8]));
  }
}
