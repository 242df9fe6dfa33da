#include "agent/fleet/audit.h"

#include <algorithm>

#include <doctest/doctest.h>

#include "agent/fleet/audit_format.h"

namespace {

using agent::cinder::Attachment;
using agent::cinder::Volume;
using agent::fleet::AuditBdm;
using agent::fleet::AuditClass;
using agent::fleet::AuditInput;
using agent::fleet::ClassifyAudit;

constexpr const char* kInstance = "11111111-1111-4111-8111-111111111111";

const std::string kCurrentIscsi =
    R"({"access_mode":"rw","driver_volume_type":"iscsi","target_portal":"10.1.0.5:3260",)"
    R"("target_iqn":"iqn.x:vol","target_lun":1,"attachment_id":"ATT"})";
const std::string kStoredIscsi =
    R"({"driver_volume_type":"iscsi","data":{"access_mode":"ro","target_portal":"10.1.0.5:3260",)"
    R"("target_iqn":"iqn.x:vol","target_lun":1,"auth_password":"s3cret-pw"},"serial":"VOL"})";

// One instance on compute1 with one BDM (volume VOL, attachment ATT) that is
// ok; each case changes one thing.
struct World {
  AuditInput input;
  World() {
    input.instances.push_back({"cell1", kInstance, "compute1", {}, {}});
    input.bdms.push_back({"cell1", "bdm-1", 7, kInstance, "compute1", "VOL", std::string("ATT"), kStoredIscsi});
    input.attachments.push_back({"ATT", "attached", kInstance, "VOL", "", "", "rw", kCurrentIscsi});
    Volume v;
    v.id = "VOL";
    v.status = "in-use";
    v.attachment_ids = {"ATT"};
    v.attached_to = {{"ATT", kInstance, "compute1"}};
    input.volumes.push_back(v);
  }
  AuditClass Class() const {
    auto report = ClassifyAudit(input);
    REQUIRE(report.bdms.size() == 1);
    return report.bdms[0].klass;
  }
};

}  // namespace

TEST_CASE("fleet::ClassifyAudit gives each BDM the first class that applies") {
  World w;
  SUBCASE("ok") { CHECK(w.Class() == AuditClass::kOk); }
  SUBCASE("volume-gone wins over everything") {
    w.input.volumes.clear();
    w.input.bdms[0].connection_info = "{not json";
    w.input.bdms[0].attachment_id.reset();
    CHECK(w.Class() == AuditClass::kVolumeGone);
  }
  SUBCASE("corrupt before connection-info-null and the attachment checks") {
    w.input.bdms[0].connection_info = "{\"driver_volume_type\": \"rbd\", \"data\": {\"auth_password\": \"x\"";
    w.input.bdms[0].attachment_id.reset();
    CHECK(w.Class() == AuditClass::kCorrupt);
    w.input.bdms[0].connection_info = "[1, 2]";  // JSON, not an object
    CHECK(w.Class() == AuditClass::kCorrupt);
  }
  SUBCASE("connection-info-null before no-attachment") {
    w.input.bdms[0].connection_info.reset();
    w.input.bdms[0].attachment_id.reset();
    CHECK(w.Class() == AuditClass::kConnectionInfoNull);
  }
  SUBCASE("no-attachment") {
    w.input.bdms[0].attachment_id.reset();
    CHECK(w.Class() == AuditClass::kNoAttachment);
  }
  SUBCASE("missing-attachment before wrong-host") {
    w.input.attachments.clear();
    w.input.volumes[0].attached_to[0].host_name = "compute2";
    CHECK(w.Class() == AuditClass::kMissingAttachment);
  }
  SUBCASE("wrong-host before stale") {
    w.input.volumes[0].attached_to[0].host_name = "compute2";
    w.input.attachments[0].connection_info = R"({"driver_volume_type":"rbd"})";
    CHECK(w.Class() == AuditClass::kWrongHost);
  }
  SUBCASE("wrong-host from another attachment of the same instance when the BDM's is not attached") {
    w.input.volumes[0].attached_to = {{"OTHER", kInstance, "compute9"}};
    CHECK(w.Class() == AuditClass::kWrongHost);
  }
  SUBCASE("a host_name Cinder hides (not admin) is not wrong-host") {
    w.input.volumes[0].attached_to[0].host_name = "";
    CHECK(w.Class() == AuditClass::kOk);
  }
  SUBCASE("stale: a field that matters differs") {
    for (const char* field : {"target_portal", "target_iqn", "driver_volume_type"}) {
      CAPTURE(field);
      World v;
      std::string current = v.input.attachments[0].connection_info.value();
      const auto at = current.find(std::string("\"") + field + "\":\"");
      REQUIRE(at != std::string::npos);
      current.insert(at + std::string(field).size() + 4, "X");
      v.input.attachments[0].connection_info = current;
      auto report = ClassifyAudit(v.input);
      CHECK(report.bdms[0].klass == AuditClass::kStale);
      CHECK(report.bdms[0].reason.find(field) != std::string::npos);
    }
  }
  SUBCASE("stale: a LUN differs, or a field only one side has") {
    w.input.bdms[0].connection_info =
        R"({"driver_volume_type":"iscsi","data":{"target_portal":"10.1.0.5:3260","target_iqn":"iqn.x:vol","target_lun":2}})";
    CHECK(w.Class() == AuditClass::kStale);
    w.input.bdms[0].connection_info =
        R"({"driver_volume_type":"iscsi","data":{"target_portal":"10.1.0.5:3260","target_iqn":"iqn.x:vol"}})";
    CHECK(w.Class() == AuditClass::kStale);
  }
  SUBCASE("fields that do not matter (access_mode, secrets) do not make it stale") {
    w.input.attachments[0].connection_info =
        R"({"access_mode":"rw","driver_volume_type":"iscsi","target_portal":"10.1.0.5:3260","target_iqn":"iqn.x:vol",)"
        R"("target_lun":1,"auth_password":"other","qos_specs":{"a":1}})";
    CHECK(w.Class() == AuditClass::kOk);
  }
  SUBCASE("Cinder's attachment without connection_info is stale") {
    w.input.attachments[0].connection_info.reset();
    CHECK(w.Class() == AuditClass::kStale);
  }
}

TEST_CASE("fleet::ClassifyAudit compares rbd monitors as sets and with --expect-monitors") {
  World w;
  w.input.bdms[0].connection_info =
      R"({"driver_volume_type":"rbd","data":{"name":"volumes/v","hosts":["10.0.0.2","10.0.0.1"],"ports":["6789","6789"],)"
      R"("auth_username":"cinder","keyring":"AQB-secret"}})";
  w.input.attachments[0].connection_info =
      R"({"driver_volume_type":"rbd","name":"volumes/v","hosts":["10.0.0.1","10.0.0.2"],"ports":["6789","6789"],)"
      R"("auth_username":"cinder"})";
  CHECK(w.Class() == AuditClass::kOk);
  SUBCASE("expected monitors match in any order") {
    w.input.expect_monitors = std::vector<std::string>{"10.0.0.2", "10.0.0.1"};
    CHECK(w.Class() == AuditClass::kOk);
  }
  SUBCASE("other expected monitors: stale, and the reason names the hosts, not the keyring") {
    w.input.expect_monitors = std::vector<std::string>{"10.9.0.1", "10.9.0.2"};
    auto report = ClassifyAudit(w.input);
    CHECK(report.bdms[0].klass == AuditClass::kStale);
    CHECK(report.bdms[0].reason.find("10.9.0.1") != std::string::npos);
    CHECK(report.bdms[0].reason.find("AQB") == std::string::npos);
  }
  SUBCASE("a monitor moved in Cinder") {
    w.input.attachments[0].connection_info =
        R"({"driver_volume_type":"rbd","name":"volumes/v","hosts":["10.0.0.1","10.0.0.3"],"ports":["6789","6789"],)"
        R"("auth_username":"cinder"})";
    CHECK(w.Class() == AuditClass::kStale);
  }
}

TEST_CASE("fleet::ClassifyAudit finds dangling attachments the other way round") {
  World w;
  // Another attachment of the instance, named by no BDM.
  w.input.attachments.push_back({"EXTRA", "attached", kInstance, "VOL2", "", "", "rw", std::nullopt});
  // An attachment of an instance outside the scope: not ours to judge.
  w.input.attachments.push_back({"ELSE", "attached", "22222222-2222-4222-8222-222222222222", "VOL3", "", "", "rw",
                                 std::nullopt});
  // A legacy BDM (attachment_id NULL) owns the attachment of its instance and volume.
  w.input.bdms.push_back({"cell1", "bdm-2", 8, kInstance, "compute1", "VOL4", std::nullopt, kStoredIscsi});
  w.input.attachments.push_back({"LEGACY", "attached", kInstance, "VOL4", "", "", "rw", std::nullopt});
  auto report = ClassifyAudit(w.input);
  REQUIRE(report.dangling.size() == 1);
  CHECK(report.dangling[0].attachment_id == "EXTRA");
  CHECK(report.Count(AuditClass::kDangling) == 1);
  CHECK(report.Count(AuditClass::kOk) == 1);
  CHECK(report.Count(AuditClass::kVolumeGone) == 1);  // VOL4 is not in Cinder's volumes
  CHECK_FALSE(report.AllOk());

  SUBCASE("a BDM left out by --driver-volume-type still owns its attachment") {
    World filtered;
    filtered.input.bdms.clear();
    filtered.input.instances[0].unlisted_attachment_ids = {"ATT"};
    CHECK(ClassifyAudit(filtered.input).dangling.empty());
    filtered.input.instances[0].unlisted_attachment_ids.clear();
    filtered.input.instances[0].unlisted_legacy_volume_ids = {"VOL"};
    CHECK(ClassifyAudit(filtered.input).dangling.empty());
  }
  SUBCASE("an instance in scope without any BDM still has its attachments judged") {
    World bare;
    bare.input.bdms.clear();
    auto r = ClassifyAudit(bare.input);
    REQUIRE(r.dangling.size() == 1);
    CHECK(r.dangling[0].attachment_id == "ATT");
  }
}

TEST_CASE("fleet::FormatAuditJsonLines: one line per finding and a summary, never connection_info") {
  World w;
  w.input.bdms[0].attachment_id = std::string("GONE");
  auto report = ClassifyAudit(w.input);
  const std::string json = agent::fleet::FormatAuditJsonLines(report);
  CHECK(json.find(R"("class":"missing-attachment")") != std::string::npos);
  CHECK(json.find(R"("class":"dangling")") != std::string::npos);  // ATT is now named by no BDM
  CHECK(json.find(R"({"summary":{"volume-gone":0,"corrupt":0,)") != std::string::npos);
  CHECK(json.find("s3cret-pw") == std::string::npos);
  CHECK(std::count(json.begin(), json.end(), '\n') == 3);
  const std::string table = agent::fleet::FormatAuditTable(report);
  CHECK(table.find("missing-attachment") != std::string::npos);
  CHECK(table.find("s3cret-pw") == std::string::npos);
}
