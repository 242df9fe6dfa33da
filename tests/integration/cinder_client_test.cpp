// agent::cinder::ConnectCinder against the stack's real Cinder (21.3.1), with
// the stack's nova.conf ($BDM_NOVA_CONF, the file nova-manage uses): the
// refresh sequence on a volume made for the test and the errors Cinder really
// returns. Faults the real Cinder cannot show on demand are in
// cinder_fault_test.cpp.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <rapidjson/document.h>

#include "agent/cinder/cinder_client.h"
#include "tests/integration/cinder_test_support.h"
#include "tests/integration/stack_fixture.h"

using agent::cinder::AttachmentApi;
using agent::cinder::CinderSession;
using agent::cinder::ConnectCinder;
using Clock = std::chrono::steady_clock;

namespace {

std::unique_ptr<AttachmentApi> Connect(const agent::config::NovaConfig& conf, CinderSession session = {}) {
  auto api = ConnectCinder(conf, session);
  REQUIRE_MESSAGE(api.ok(), api.error().ToString());
  return std::move(api).value();
}

std::string Connector() {
  const char* path = std::getenv("BDM_CONNECTOR_FILE");
  std::ifstream in(path ? path : "/var/tmp/bdm-agent-stack/connector.json");
  std::stringstream text;
  text << in.rdbuf();
  REQUIRE_MESSAGE(!text.str().empty(), "no connector.json");
  return text.str();
}

// cinder-api.log lines containing every one of `needles`.
int LogCount(std::initializer_list<std::string> needles) {
  const char* path = std::getenv("BDM_CINDER_API_LOG");
  std::ifstream in(path ? path : "/var/tmp/bdm-agent-stack/log/cinder-api.log");
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    bool all = true;
    for (const std::string& needle : needles) all = all && line.find(needle) != std::string::npos;
    count += all ? 1 : 0;
  }
  return count;
}

// LogCount once it reaches `expected` or after 3 s: cinder-api writes its
// access line after the answer has gone out.
int AwaitLogCount(std::initializer_list<std::string> needles, int expected) {
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  int count = LogCount(needles);
  while (count < expected && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    count = LogCount(needles);
  }
  return count;
}

}  // namespace

TEST_CASE("agent::cinder attachments against the stack's Cinder: the refresh sequence") {
  testing::ScratchVolume volume("bdm-agent-cinder-it");
  const std::string instance = testing::RandomUuid();
  const std::string request_id = "req-" + testing::RandomUuid();
  CinderSession session;
  session.global_request_id = request_id;
  auto api = Connect(testing::StackNovaConf(), session);

  auto reserved = api->Create(volume.id(), instance);
  REQUIRE_MESSAGE(reserved.ok(), reserved.error().ToString());
  CHECK(reserved->status == "reserved");
  CHECK(reserved->instance == instance);
  CHECK(reserved->volume_id == volume.id());
  CHECK(reserved->connection_info == "{}");
  CHECK(volume.Status() == "reserved");
  auto vol = api->GetVolume(volume.id());
  REQUIRE(vol.ok());
  CHECK(vol->status == "reserved");
  CHECK_FALSE(vol->multiattach);
  CHECK(vol->attach_status == "detached");
  CHECK(vol->attachment_ids.empty());  // Cinder lists attached attachments only

  auto updated = api->Update(reserved->id, Connector(), "/dev/vdb");
  REQUIRE_MESSAGE(updated.ok(), updated.error().ToString());
  REQUIRE(updated->connection_info.has_value());
  rapidjson::Document ci;
  ci.Parse(updated->connection_info->c_str());
  REQUIRE(ci.IsObject());
  CHECK(std::string(ci["driver_volume_type"].GetString()) == "iscsi");
  CHECK(std::string(ci["attachment_id"].GetString()) == reserved->id);
  CHECK(std::string(ci["access_mode"].GetString()) == "rw");
  auto info = agent::cinder::NovaConnectionInfo(*updated, volume.id());
  REQUIRE(info.ok());
  CHECK(*info == R"({"driver_volume_type":"iscsi","data":{"access_mode":"rw","qos_specs":null,"encrypted":false,)"
                 R"("cacheable":false},"status":"reserved","instance":")" +
                     instance + R"(","attached_at":"","detached_at":"","volume_id":")" + volume.id() +
                     R"(","serial":")" + volume.id() + R"("})");
  CHECK(volume.Status() == "attaching");

  auto got = api->Get(reserved->id);
  REQUIRE(got.ok());
  CHECK(got->status == "attaching");
  CHECK(got->connection_info == updated->connection_info);

  REQUIRE(api->Complete(reserved->id).ok());
  CHECK(volume.Status() == "in-use");
  vol = api->GetVolume(volume.id());
  REQUIRE(vol.ok());
  CHECK(vol->attach_status == "attached");
  CHECK(vol->attachment_ids == std::vector<std::string>{reserved->id});
  // The mountpoint went to Cinder inside the connector, as Nova sends it.
  auto raw = testing::CinderAdmin::FromEnvironment().Call("GET", "/volumes/" + volume.id());
  rapidjson::Document shown;
  shown.Parse(raw.body.c_str());
  REQUIRE(shown.IsObject());
  CHECK(std::string(shown["volume"]["attachments"][0]["device"].GetString()) == "/dev/vdb");
  got = api->Get(reserved->id);
  REQUIRE(got.ok());
  CHECK(got->status == "attached");
  CHECK(got->attach_mode == "rw");
  CHECK_FALSE(got->attached_at.empty());

  // Has connection_info: allowed only to a service caller (X-Service-Token).
  base::Status deleted = api->Delete(reserved->id);
  REQUIRE_MESSAGE(deleted.ok(), deleted.ToString());
  auto gone = api->Get(reserved->id);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code() == base::Code::kNotFound);
  CHECK(gone.error().message().find("HTTP 404") != std::string::npos);
  CHECK(api->Delete(reserved->id).code() == base::Code::kNotFound);
  CHECK(volume.Status() == "available");

  // X-OpenStack-Request-ID reached Cinder (its log line starts with it).
  CHECK(AwaitLogCount({"[" + request_id + " ", "\"DELETE /v3/", "/attachments/" + reserved->id + " HTTP"}, 2) == 2);
}

TEST_CASE("agent::cinder errors from the stack's Cinder") {
  auto api = Connect(testing::StackNovaConf());
  const std::string unknown = testing::RandomUuid();
  SUBCASE("unknown ids: kNotFound with Cinder's message") {
    auto got = api->Get(unknown);
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().code() == base::Code::kNotFound);
    CHECK(got.error().message() == "Cinder GET /attachments/" + unknown +
                                       ": HTTP 404: Volume attachment could not be found with filter: attachment_id = " +
                                       unknown + ".");
    CHECK(api->Delete(unknown).code() == base::Code::kNotFound);
    CHECK(api->Complete(unknown).code() == base::Code::kNotFound);
    CHECK(api->GetVolume(unknown).error().code() == base::Code::kNotFound);
    auto created = api->Create(unknown, testing::RandomUuid());
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().code() == base::Code::kNotFound);
    CHECK(created.error().message().find("Volume " + unknown + " could not be found.") != std::string::npos);
  }
  SUBCASE("a connector Cinder's schema refuses: kInvalidInput (HTTP 400)") {
    auto updated = api->Update(unknown, "{}", std::nullopt);
    REQUIRE_FALSE(updated.ok());
    CHECK(updated.error().code() == base::Code::kInvalidInput);
    CHECK(updated.error().message().starts_with("Cinder PUT /attachments/" + unknown + ": HTTP 400: "));
  }
  SUBCASE("arguments refused before sending") {
    CHECK(api->Get("").error().code() == base::Code::kInvalidInput);
    CHECK(api->Update(unknown, "[1]", "/dev/vdb").error().code() == base::Code::kInvalidInput);
  }
}

TEST_CASE("agent::cinder Delete without a service token: Cinder refuses (bug #2004555 guard)") {
  testing::ScratchVolume volume("bdm-agent-cinder-it-nosvc");
  auto api = Connect(testing::StackNovaConf());
  auto reserved = api->Create(volume.id(), testing::RandomUuid());
  REQUIRE(reserved.ok());
  REQUIRE(api->Update(reserved->id, Connector(), std::nullopt).ok());

  agent::config::NovaConfig conf = testing::StackNovaConf();
  conf.service_user.send_service_user_token = false;
  CinderSession session;
  session.global_request_id = "req-" + testing::RandomUuid();
  auto user_only = Connect(conf, session);
  const auto start = Clock::now();
  base::Status refused = user_only->Delete(reserved->id);
  MESSAGE("5 DELETE attempts answered 500 in " << std::chrono::duration<double>(Clock::now() - start).count() << " s");
  CHECK(refused.code() == base::Code::kRemoteError);
  CHECK(refused.message().starts_with("Cinder DELETE /attachments/" + reserved->id + ": HTTP 500: "));
  CHECK(refused.message().ends_with(" (no service token was sent: Cinder deletes an attachment that has "
                                    "connection_info only for a service caller; set [service_user] "
                                    "send_service_user_token = True, for a user with the service role)"));
  CHECK(AwaitLogCount({"[" + *session.global_request_id + " ", "\"DELETE /v3/",
                       "/attachments/" + reserved->id + " HTTP", "status: 500"}, 5) == 5);  // Nova's 5 attempts
  CHECK(api->Get(reserved->id).ok());          // still there
  CHECK(api->Delete(reserved->id).ok());       // with the service token it goes
}
