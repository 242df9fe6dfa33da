#include "agent/fleet/audit_file.h"

#include <doctest/doctest.h>

#include "tests/support/temp_dir.h"

namespace {

using agent::fleet::AuditClass;
using agent::fleet::ParseAuditPlan;

constexpr const char* kAudit =
    R"({"class":"stale","bdm_uuid":"b0a1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d","instance_uuid":"0f3c8a52-51d5-4b8e-9d1c-3b1f9c1f6e01","volume_id":"v1","host":"compute1","cell":"cell1","attachment_id":"a1","reason":"hosts differ"})"
    "\n"
    R"({"class":"no-attachment","bdm_uuid":"","instance_uuid":"0f3c8a52-51d5-4b8e-9d1c-3b1f9c1f6e02","volume_id":"v2","host":"compute2","cell":"cell1","attachment_id":null,"reason":"no attachment"})"
    "\n"
    R"({"class":"dangling","attachment_id":"a9","instance_uuid":"0f3c8a52-51d5-4b8e-9d1c-3b1f9c1f6e01","volume_id":"v9","host":"compute1","cell":"cell1","status":"reserved"})"
    "\n"
    R"({"summary":{"ok":3,"stale":1,"no-attachment":1,"dangling":1,"bdms":5}})"
    "\n";

TEST_CASE("--from-audit: the audit's BDMs in the classes asked for, with the attachment it saw") {
  auto plan = ParseAuditPlan(kAudit, {AuditClass::kStale, AuditClass::kNoAttachment});
  REQUIRE(plan.ok());
  REQUIRE(plan->size() == 2);
  CHECK((*plan)[0].bdm_uuid == std::optional<std::string>("b0a1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"));
  CHECK((*plan)[0].attachment_id == std::optional<std::string>("a1"));
  CHECK((*plan)[0].reason == "stale");
  CHECK((*plan)[0].host == "compute1");
  CHECK_FALSE((*plan)[1].bdm_uuid.has_value());  // a legacy row: selected by instance and volume
  CHECK_FALSE((*plan)[1].attachment_id.has_value());
  auto stale_only = ParseAuditPlan(kAudit, {AuditClass::kStale});
  REQUIRE(stale_only.ok());
  CHECK(stale_only->size() == 1);
}

TEST_CASE("--from-audit refuses what is not an audit's whole --json output") {
  const std::set<AuditClass> stale{AuditClass::kStale};
  const std::string text = kAudit;
  for (const auto& [bad, why] : std::vector<std::pair<std::string, std::string>>{
           {text.substr(0, text.rfind("{\"summary\"")), "no summary line"},
           {"not json\n" + text, "line 1"},
           {R"({"class":"stale","instance_uuid":"../../x","volume_id":"v","host":"h"})" "\n" + text, "not a uuid"},
           {R"({"class":"stale","bdm_uuid":"x y","instance_uuid":"0f3c8a52-51d5-4b8e-9d1c-3b1f9c1f6e01","volume_id":"v","host":"h"})" "\n" + text, "bdm_uuid"},
           {R"({"class":"weird"})" "\n" + text, "unknown class"},
           {R"({"class":"stale","class":"ok"})" "\n" + text, "twice"},
           {"[1]\n" + text, "not a JSON object"},
       }) {
    auto plan = ParseAuditPlan(bad, stale);
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().code() == base::Code::kCorrupt);
    CHECK_MESSAGE(plan.error().message().find(why) != std::string::npos, plan.error().message());
  }
}

TEST_CASE("--from-audit reads only a regular file") {
  test::TempDir dir;
  CHECK(agent::fleet::ReadAuditPlan(dir.path() + "/missing", {AuditClass::kStale}).error().IsNotFound());
  CHECK(agent::fleet::ReadAuditPlan(dir.path(), {AuditClass::kStale}).error().code() == base::Code::kInvalidInput);
  const std::string file = dir.Write("audit.json", kAudit);
  auto plan = agent::fleet::ReadAuditPlan(file, {AuditClass::kStale});
  REQUIRE(plan.ok());
  CHECK(plan->size() == 1);
}

}  // namespace
