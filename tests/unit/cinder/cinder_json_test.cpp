// Tests of agent/cinder/cinder_json.h on bodies the stack's real Cinder
// (21.3.1) sent (the HTTP error mapping: http_answer_error_test.cpp).
#include <doctest/doctest.h>

#include <string>

#include "agent/cinder/cinder_json.h"

using namespace agent::cinder;

namespace {

// The PUT /attachments/{id} answer of the stack's Cinder (fake driver).
constexpr const char* kPutAnswer =
    R"({"attachment": {"id": "1d00b88d-0da6-4dc8-858b-607e0b16c658", "status": "reserved", )"
    R"("instance": "d253a60e-6d87-4211-a6a6-1254a5078b80", "volume_id": "374fbdbb-b4d3-483b-88f4-24ad4077640c", )"
    R"("attached_at": "", "detached_at": "", "attach_mode": "null", "connection_info": {"access_mode": "rw", )"
    R"("qos_specs": null, "encrypted": false, "cacheable": false, "driver_volume_type": "iscsi", )"
    R"("attachment_id": "1d00b88d-0da6-4dc8-858b-607e0b16c658"}}})";

// GET / of the stack's cinder-api (HTTP 300).
constexpr const char* kVersions =
    R"({"versions": [{"id": "v3.0", "status": "CURRENT", "version": "3.70", "min_version": "3.0", )"
    R"("updated": "2022-08-31T00:00:00Z", "links": [{"rel": "describedby", "type": "text/html", )"
    R"("href": "https://docs.openstack.org/"}, {"rel": "self", "href": "http://127.0.0.1:38776/v3/"}], )"
    R"("media-types": [{"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}]}]})";

}  // namespace

TEST_CASE("agent::cinder::ParseAttachmentResponse") {
  SUBCASE("PUT answer") {
    auto a = ParseAttachmentResponse(kPutAnswer);
    REQUIRE(a.ok());
    CHECK(a->id == "1d00b88d-0da6-4dc8-858b-607e0b16c658");
    CHECK(a->status == "reserved");
    CHECK(a->instance == "d253a60e-6d87-4211-a6a6-1254a5078b80");
    CHECK(a->volume_id == "374fbdbb-b4d3-483b-88f4-24ad4077640c");
    CHECK(a->attached_at.empty());
    CHECK(a->attach_mode == "null");
    CHECK(a->connection_info ==
          R"({"access_mode":"rw","qos_specs":null,"encrypted":false,"cacheable":false,"driver_volume_type":"iscsi",)"
          R"("attachment_id":"1d00b88d-0da6-4dc8-858b-607e0b16c658"})");
  }
  SUBCASE("POST answer of a reservation: connection_info {}; null instance") {
    auto a = ParseAttachmentResponse(
        R"({"attachment": {"id": "x", "status": "reserved", "instance": null, "volume_id": "v", "attached_at": "",)"
        R"( "detached_at": "", "attach_mode": "null", "connection_info": {}}})");
    REQUIRE(a.ok());
    CHECK(a->connection_info == "{}");
    CHECK(a->instance.empty());
  }
  SUBCASE("connection_info null or absent") {
    auto a = ParseAttachmentResponse(R"({"attachment": {"id": "x", "connection_info": null}})");
    REQUIRE(a.ok());
    CHECK_FALSE(a->connection_info.has_value());
    a = ParseAttachmentResponse(R"({"attachment": {"id": "x"}})");
    REQUIRE(a.ok());
    CHECK_FALSE(a->connection_info.has_value());
  }
  SUBCASE("not an attachment: kRemoteError") {
    for (const char* body : {"", "<html>", "[]", R"({"attachments": []})", R"({"attachment": {"status": "x"}})",
                             R"({"attachment": {"id": 5}})", R"({"attachment": {"id": "x", "status": 1}})"}) {
      CAPTURE(body);
      auto a = ParseAttachmentResponse(body);
      REQUIRE_FALSE(a.ok());
      CHECK(a.error().code() == base::Code::kRemoteError);
    }
  }
}

TEST_CASE("agent::cinder::ParseAttachmentListResponse reads the detail view") {
  // GET /attachments/detail?all_tenants=1&volume_id=... of the stack's Cinder,
  // plus a bare reservation as POST /attachments leaves it.
  auto listed = ParseAttachmentListResponse(
      R"({"attachments": [{"id": "7ede51b4-b267-4432-80f3-5e8d96e476a5", "status": "attached", )"
      R"("instance": "3693a0ea-3f5e-4b40-b22e-23bc006119d6", "volume_id": "d1bafac4-7c88-46d0-a377-bfafd8a685cb", )"
      R"("attached_at": "2026-12-03T08:30:38.000000", "detached_at": "", "attach_mode": "rw", "connection_info": )"
      R"({"access_mode": "rw", "qos_specs": null, "encrypted": false, "cacheable": false, "driver_volume_type": )"
      R"("iscsi", "attachment_id": "7ede51b4-b267-4432-80f3-5e8d96e476a5"}}, {"id": "r", "status": "reserved", )"
      R"("instance": "3693a0ea-3f5e-4b40-b22e-23bc006119d6", "volume_id": "d1bafac4-7c88-46d0-a377-bfafd8a685cb", )"
      R"("attached_at": "", "detached_at": "", "attach_mode": "null", "connection_info": {}}]})");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].attached_at == "2026-12-03T08:30:38.000000");
  CHECK((*listed)[0].connection_info->find("\"driver_volume_type\":\"iscsi\"") != std::string::npos);
  CHECK((*listed)[1].status == "reserved");
  CHECK((*listed)[1].connection_info == "{}");
  for (const char* body : {R"({"attachments": {}})", R"({"attachments": [5]})", R"({"attachments": [{"id": ""}]})"}) {
    CAPTURE(body);
    CHECK(ParseAttachmentListResponse(body).error().code() == base::Code::kRemoteError);
  }
}

TEST_CASE("agent::cinder::ParseVolumeResponse") {
  auto v = ParseVolumeResponse(
      R"({"volume": {"id": "v1", "status": "in-use", "multiattach": true,)"
      R"( "attachments": [{"id": "v1", "attachment_id": "a1", "server_id": "s"}, {"attachment_id": "a2"}]}})");
  REQUIRE(v.ok());
  CHECK(v->id == "v1");
  CHECK(v->status == "in-use");
  CHECK(v->attach_status == "attached");
  CHECK(v->multiattach);
  CHECK(v->attachment_ids == std::vector<std::string>{"a1", "a2"});
  auto free = ParseVolumeResponse(R"({"volume": {"id": "v2", "status": "reserved", "attachments": []}})");
  REQUIRE(free.ok());
  CHECK(free->attach_status == "detached");
  CHECK_FALSE(free->multiattach);
  CHECK_FALSE(ParseVolumeResponse(R"({"volume": {"id": "v", "multiattach": "yes"}})").ok());
  CHECK_FALSE(ParseVolumeResponse(R"({"volume": {"id": "v", "attachments": {}}})").ok());
}

TEST_CASE("agent::cinder::ParseMaxVolumeApiVersion") {
  auto v = ParseMaxVolumeApiVersion(kVersions);
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  CHECK(**v == ApiVersion{3, 70});
  CHECK(**v >= ApiVersion{3, 44});
  CHECK(ApiVersion{3, 9} < ApiVersion{3, 44});
  auto none = ParseMaxVolumeApiVersion(R"({"versions": [{"version": "", "id": "v2.0"}]})");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  CHECK_FALSE(ParseMaxVolumeApiVersion(R"({"choices": []})").ok());
  CHECK_FALSE(ParseApiVersion("3").has_value());
  CHECK_FALSE(ParseApiVersion("3.x").has_value());
  CHECK_FALSE(ParseApiVersion("3.44.1").has_value());
  CHECK(ParseApiVersion("3.44") == ApiVersion{3, 44});
}

TEST_CASE("agent::cinder request bodies") {
  CHECK(CreateAttachmentBody("v\"1", "i") ==
        R"({"attachment":{"volume_uuid":"v\"1","connector":null,"instance_uuid":"i"}})");
  const std::string connector = R"({"host": "compute1", "multipath": false})";
  SUBCASE("mountpoint added when given and absent") {
    auto body = UpdateAttachmentBody(connector, "/dev/vdb");
    REQUIRE(body.ok());
    CHECK(*body == R"({"attachment": {"connector": {"host": "compute1", "multipath": false, "mountpoint": "/dev/vdb"}}})");
  }
  SUBCASE("the connector's own mountpoint wins; empty or no mountpoint adds nothing") {
    auto body = UpdateAttachmentBody(R"({"mountpoint": "/dev/vdc"})", "/dev/vdb");
    REQUIRE(body.ok());
    CHECK(*body == R"({"attachment": {"connector": {"mountpoint": "/dev/vdc"}}})");
    body = UpdateAttachmentBody(connector, "");
    REQUIRE(body.ok());
    CHECK(body->find("mountpoint") == std::string::npos);
    body = UpdateAttachmentBody(" {}\n", std::nullopt);
    REQUIRE(body.ok());
    CHECK(*body == R"({"attachment": {"connector": {}}})");
    body = UpdateAttachmentBody("{ }", "/dev/vdb");
    REQUIRE(body.ok());
    CHECK(*body == R"({"attachment": {"connector": { "mountpoint": "/dev/vdb"}}})");
  }
  SUBCASE("not an object: kInvalidInput before anything is sent") {
    for (const char* bad : {"", "[]", "null", "{\"a\":", "{} {}"}) {
      CAPTURE(bad);
      auto body = UpdateAttachmentBody(bad, "/dev/vdb");
      REQUIRE_FALSE(body.ok());
      CHECK(body.error().code() == base::Code::kInvalidInput);
    }
  }
}

TEST_CASE("agent::cinder JSON from Cinder and the connector sent to it: limits (issue 9)") {
  const std::string deep = "{\"attachment\": " + std::string(200000, '[');
  SUBCASE("a deep answer is a remote error, not a stack overflow") {
    auto parsed = ParseAttachmentResponse(deep);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code() == base::Code::kRemoteError);
    CHECK(parsed.error().message() == "response is not JSON (nested deeper than 64 levels at offset 78)");
    CHECK(ParseVolumeResponse(deep).error().code() == base::Code::kRemoteError);
    CHECK(ParseMaxVolumeApiVersion(deep).error().code() == base::Code::kRemoteError);
    CHECK(ParseAttachmentListResponse(deep).error().code() == base::Code::kRemoteError);
  }
  SUBCASE("a connector holding a key twice is not sent") {
    auto body = UpdateAttachmentBody(R"({"host": "compute1", "host": "other"})", "/dev/vdb");
    REQUIRE_FALSE(body.ok());
    CHECK(body.error().code() == base::Code::kInvalidInput);
    CHECK(body.error().message() == "connector is not JSON (key \"host\" appears twice in the top-level object)");
  }
}

