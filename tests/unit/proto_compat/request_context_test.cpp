// Unit tests of proto_compat/request_context: the `_context_*` keys of the
// golden call vectors (tests/vectors), Nova's admin context, from_dict's
// leniency and strptime's timestamp rules (expected values from Python 3.11).
// GCC 12 at -O2 reports a false -Wmaybe-uninitialized when a disengaged
// std::optional<std::string> member is assigned (GCC bug 107138).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "proto_compat/request_context.h"

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "rpc/rpc_codec.h"
#include "rpc/uuid4.h"

#include "tests/unit/golden_vectors.h"

namespace {

using proto_compat::Timestamp;
using namespace std::chrono_literals;

constexpr Timestamp kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 26} + 10h + 15min + 30s + 123456us;

std::string String(const rapidjson::Value& value) { return {value.GetString(), value.GetStringLength()}; }

}  // namespace

TEST_CASE("proto_compat::ParseContextJson reads every golden context and writes it back byte for byte") {
  for (const std::string& text : rpc_test::GoldenEvents("-call.json")) {
    rapidjson::Document event;
    event.Parse(text.c_str());
    REQUIRE_FALSE(event.HasParseError());
    const rapidjson::Value& message = event["oslo_message"];
    CAPTURE(String(event["vector"]));
    auto request = rpc::DecodeRequest(String(event["body_raw"]));
    REQUIRE(request.ok());

    std::mt19937_64 rng(1);
    auto context = proto_compat::ParseContextJson(request->context_json, kNow, rng);
    REQUIRE_MESSAGE(context.ok(), context.error().ToString());
    CHECK(context->is_admin);
    CHECK(context->is_admin_project);
    CHECK_FALSE(context->read_only);
    CHECK_FALSE(context->user_id.has_value());
    CHECK_FALSE(context->project_id.has_value());
    CHECK_FALSE(context->auth_token.has_value());
    CHECK(context->roles.empty());
    CHECK(context->read_deleted == proto_compat::ReadDeleted::kNo);
    CHECK(context->service_catalog_json == "[]");
    CHECK(context->request_id == String(message["_context_request_id"]));
    CHECK(proto_compat::FormatContextTimestamp(context->timestamp) == String(message["_context_timestamp"]));
    CHECK(context->UserIdentity() == String(message["_context_user_identity"]));

    // The same from the decoded request, whose context text is not checked again.
    auto from_request = proto_compat::ParseRequestContext(*request, kNow, rng);
    REQUIRE(from_request.ok());
    CHECK(proto_compat::ToContextJson(*from_request).value() == proto_compat::ToContextJson(*context).value());

    auto json = proto_compat::ToContextJson(*context);
    REQUIRE(json.ok());
    CHECK(*json == request->context_json);

    // The same keys, prefixed, appear verbatim in the inner message Nova sent.
    auto members = rpc::SplitJsonObject(*json);
    REQUIRE(members.ok());
    std::string prefixed;
    for (const rpc::JsonMember& member : *members) {
      if (!prefixed.empty()) prefixed += ", ";
      prefixed += "\"_context_" + member.key + "\": " + member.value.json;
    }
    CHECK(members->size() == 25);
    CHECK(String(event["body_json"]["oslo.message"]).find(prefixed + "}") != std::string::npos);
  }
}

TEST_CASE("proto_compat::MakeAdminContext") {
  std::mt19937_64 rng(2026);
  std::mt19937_64 same(2026);
  const proto_compat::RequestContext context = proto_compat::MakeAdminContext(kNow, rng);
  const std::string request_id = "req-" + rpc::NewUuid4(same);
  CHECK(context.request_id == request_id);
  CHECK(context.request_id.size() == 40);
  CHECK(context.request_id[18] == '4');
  auto json = proto_compat::ToContextJson(context);
  REQUIRE(json.ok());
  CHECK(*json == R"({"user": null, "project_id": null, "system_scope": null, "project": null, "domain": null, )"
                 R"("user_domain": null, "project_domain": null, "is_admin": true, "read_only": false, )"
                 R"("show_deleted": false, "auth_token": null, "request_id": ")" +
                     request_id +
                     R"(", "global_request_id": null, "resource_uuid": null, "roles": [], )"
                     R"("user_identity": "- - - - -", "is_admin_project": true, "user_id": null, "read_deleted": "no", )"
                     R"("remote_address": null, "timestamp": "2026-11-26T10:15:30.123456", "quota_class": null, )"
                     R"("user_name": null, "service_catalog": [], "project_name": null})");
  CHECK(proto_compat::MakeAdminContext(kNow, rng).request_id != context.request_id);
}

TEST_CASE("proto_compat::ToContextJson") {
  proto_compat::RequestContext context;
  context.user_id.emplace("u1");
  context.project_id.emplace("p\xc3\xa9");
  context.user_domain_id.emplace();
  context.roles = {"member", "reader"};
  context.read_deleted = proto_compat::ReadDeleted::kOnly;
  context.service_catalog_json = R"([{"type":"volumev3","endpoints":[]}])";
  context.request_id = "req-1";
  auto json = proto_compat::ToContextJson(context);
  REQUIRE(json.ok());
  CHECK(json->rfind(R"({"user": "u1", "project_id": "p\u00e9", "system_scope": null, "project": "p\u00e9", )", 0) == 0);
  CHECK(json->find(R"("roles": ["member", "reader"], "user_identity": "u1 p\u00e9 - - -", )") != std::string::npos);
  CHECK(json->find(R"("user_id": "u1", "read_deleted": "only", )") != std::string::npos);
  CHECK(json->find(R"("timestamp": "1970-01-01T00:00:00.000000", )") != std::string::npos);
  CHECK(json->find(R"("service_catalog": [{"type": "volumev3", "endpoints": []}], )") != std::string::npos);
  SUBCASE("refusals") {
    context.service_catalog_json = "{}";
    CHECK(proto_compat::ToContextJson(context).error().message() ==
          "request context: service_catalog_json is not a JSON array");
    context.service_catalog_json = "[]";
    context.auth_token = "\xff";
    CHECK(proto_compat::ToContextJson(context).error().message() == "request context: 'auth_token' is not UTF-8");
  }
}

TEST_CASE("proto_compat::ParseContextJson is lenient like Nova's from_dict") {
  std::mt19937_64 rng(5);
  SUBCASE("an empty context takes Nova's defaults, a request id and `now`") {
    std::mt19937_64 same(5);
    auto context = proto_compat::ParseContextJson("{}", kNow, rng);
    REQUIRE(context.ok());
    CHECK(context->request_id == "req-" + rpc::NewUuid4(same));
    CHECK(context->timestamp == kNow);
    CHECK_FALSE(context->is_admin);
    CHECK(context->is_admin_project);
    CHECK(context->read_deleted == proto_compat::ReadDeleted::kNo);
    CHECK(context->service_catalog_json == "[]");
  }
  SUBCASE("unknown keys are ignored; user_id, not user, names the user") {
    auto context = proto_compat::ParseContextJson(
        R"({"user": "ignored", "user_id": "u", "project": "ignored", "project_id": "", "user_identity": "x",
            "trace_info": {"a": 1}, "client_timeout": null, "request_id": "", "timestamp": "",
            "is_admin": null, "is_admin_project": false, "roles": null, "read_deleted": "yes",
            "user_name": "admin", "quota_class": null})",
        kNow, rng);
    REQUIRE(context.ok());
    CHECK(context->user_id == "u");
    CHECK_FALSE(context->project_id.has_value());
    CHECK(context->request_id.rfind("req-", 0) == 0);
    CHECK(context->timestamp == kNow);
    CHECK_FALSE(context->is_admin);
    CHECK_FALSE(context->is_admin_project);
    CHECK(context->read_deleted == proto_compat::ReadDeleted::kYes);
    CHECK(context->user_name == "admin");
  }
  SUBCASE("the service catalog keeps only the types Nova keeps") {
    auto context = proto_compat::ParseContextJson(
        R"({"service_catalog": [{"type": "identity"}, {"type": "volumev3", "name": "cinder"}, {"name": "x"},
            {"type": "placement"}, {"type": 7}]})",
        kNow, rng);
    REQUIRE(context.ok());
    CHECK(context->service_catalog_json == R"([{"type": "volumev3", "name": "cinder"}, {"type": "placement"}])");
  }
  SUBCASE("a full timestamp") {
    auto context = proto_compat::ParseContextJson(R"({"timestamp": "2026-11-26T11:49:25.527461"})", kNow, rng);
    REQUIRE(context.ok());
    CHECK(proto_compat::FormatContextTimestamp(context->timestamp) == "2026-11-26T11:49:25.527461");
  }
}

TEST_CASE("proto_compat::ParseContextJson refuses what from_dict would not take") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"nope", "request context is not JSON: Invalid value (offset 1)"},
      {"[]", "request context is not a JSON object"},
      {R"({"timestamp": "2026-11-26T11:49:25.527461Z"})",
       R"(request context: timestamp "2026-11-26T11:49:25.527461Z" has unconverted data after %Y-%m-%dT%H:%M:%S.%f)"},
      {R"({"timestamp": "2026-11-26 11:49:25"})",
       R"(request context: timestamp "2026-11-26 11:49:25" does not match %Y-%m-%dT%H:%M:%S.%f)"},
      {R"({"timestamp": 1795693765})", "request context: 'timestamp' is not a string"},
      {R"({"read_deleted": "maybe"})",
       R"(request context: read_deleted can only be one of 'no', 'yes' or 'only', not "maybe")"},
      {R"({"read_deleted": null})", "request context: read_deleted can only be one of 'no', 'yes' or 'only', not null"},
      {R"({"roles": "admin"})", "request context: 'roles' is not an array of strings"},
      {R"({"roles": ["admin", 1]})", "request context: 'roles' is not an array of strings"},
      {R"({"is_admin": "yes"})", "request context: 'is_admin' is not a bool"},
      {R"({"user_id": 5})", "request context: 'user_id' is not a string"},
      {R"({"service_catalog": {"type": "image"}})", "request context: 'service_catalog' is not an array"},
      {R"({"service_catalog": ["image"]})", "request context: 'service_catalog' is not an array of objects"},
  };
  for (const auto& [json, message] : cases) {
    CAPTURE(json);
    std::mt19937_64 rng(5);
    auto context = proto_compat::ParseContextJson(json, kNow, rng);
    REQUIRE_FALSE(context.ok());
    CHECK(context.error().code() == base::Code::kCorrupt);
    CHECK(context.error().message() == message);
  }
}

TEST_CASE("proto_compat::ParseContextTimestamp follows strptime") {
  const std::vector<std::pair<std::string, std::string>> accepted = {
      {"2026-11-26T11:49:25.527461", "2026-11-26T11:49:25.527461"},
      {"2026-1-2T3:4:5.6", "2026-01-02T03:04:05.600000"},
      {"2026-11-26t11:49:25.5", "2026-11-26T11:49:25.500000"},
      {"2026-11- 6T11:49:25.5", "2026-11-06T11:49:25.500000"},
      {"2024-02-29T23:59:59.000001", "2024-02-29T23:59:59.000001"},
      {"0001-01-01T00:00:00.0", "1-01-01T00:00:00.000000"},
  };
  for (const auto& [text, formatted] : accepted) {
    CAPTURE(text);
    auto timestamp = proto_compat::ParseContextTimestamp(text);
    REQUIRE_MESSAGE(timestamp.ok(), timestamp.error().ToString());
    CHECK(proto_compat::FormatContextTimestamp(*timestamp) == formatted);
  }
  for (const std::string text : {"2026-02-30T11:49:25.5", "2026-11-26T11:49:60.5", "2026-11-26T11:49:25",
                                 "2026-11-26T11:49:25.1234567", "0000-11-26T11:49:25.1", "2026-11-26T24:49:25.1",
                                 "2026-11-26T11:49:25.1Z", "+026-11-26T11:49:25.1", "2026-13-01T00:00:00.0",
                                 "2026-11-32T00:00:00.0", "2026-11-26T11:60:25.1", "", " 2026-11-26T11:49:25.1"}) {
    CAPTURE(text);
    auto timestamp = proto_compat::ParseContextTimestamp(text);
    REQUIRE_FALSE(timestamp.ok());
    CHECK(timestamp.error().code() == base::Code::kInvalidInput);
  }
  CHECK(proto_compat::FormatContextTimestamp(kNow) == "2026-11-26T10:15:30.123456");
  CHECK(proto_compat::FormatContextTimestamp(Timestamp{}) == "1970-01-01T00:00:00.000000");
}
