#include "agent/serve/refresh_args.h"

#include <doctest/doctest.h>

#include "rpc/python_json.h"

namespace agent::serve {
namespace {

// Reads `args_json` (a refresh call's keyword arguments) as serve does.
struct Read {
  commands::RefreshRequest request;
  std::optional<rpc::RemoteFailure> failure;
};

Read ReadArgs(std::string_view args_json, bool redelivered = false) {
  auto members = rpc::SplitJsonObject(args_json);
  REQUIRE(members.ok());
  rpc::RpcRequest request;
  request.redelivered = redelivered;
  const std::string context = "{}";
  const rpc::CallInput input{context, *members, request};
  Read read;
  read.failure = ReadRefreshArgs(CallArgs("refresh", input), input.request.redelivered, read.request);
  return read;
}

constexpr std::string_view kIds = R"("request_ids": {"lock": "req-l", "action": "req-a", "unlock": "req-u"})";

TEST_CASE("ReadRefreshArgs") {
  SUBCASE("a 1.0 call: none of them") {
    const Read r = ReadArgs(R"({"bdm_uuid": "b"})");
    CHECK_FALSE(r.failure);
    CHECK_FALSE(r.request.expect);
    CHECK_FALSE(r.request.request_ids);
    CHECK_FALSE(r.request.takeover);
  }
  SUBCASE("what --via-rpc casts, on a redelivered message") {
    const Read r = ReadArgs(std::string(R"({"expect": {"attachment_id": "a-1"}, )") + std::string(kIds) +
                                R"(, "takeover_after": 30})",
                            true);
    REQUIRE_FALSE(r.failure);
    REQUIRE(r.request.expect);
    CHECK(r.request.expect->attachment_id == "a-1");
    REQUIRE(r.request.request_ids);
    CHECK(r.request.request_ids->lock == "req-l");
    CHECK(r.request.request_ids->action == "req-a");
    CHECK(r.request.request_ids->unlock == "req-u");
    REQUIRE(r.request.takeover);
    CHECK(r.request.takeover->redelivered);
    CHECK(r.request.takeover->min_lock_age == std::chrono::seconds(30));
  }
  SUBCASE("expect of a BDM without attachment: null") {
    const Read r = ReadArgs(R"({"expect": {"attachment_id": null}})");
    REQUIRE(r.request.expect);
    CHECK_FALSE(r.request.expect->attachment_id);
  }
  SUBCASE("wrong shapes are InvalidArguments naming the argument") {
    for (std::string_view bad : {
             R"({"expect": {}})",
             R"({"expect": {"attachment_id": 3}})",
             R"({"expect": {"attachment_id": "a", "other": "b"}})",
             R"({"expect": "a-1"})",
             R"({"request_ids": {"lock": "l", "action": "a"}})",
             R"({"request_ids": {"lock": "l", "action": "a", "unlock": null}})",
             R"({"request_ids": {"lock": "", "action": "a", "unlock": "u"}})",
             R"({"expect": {"attachment_id": "a"}, "request_ids": {"lock": "l", "action": "a", "unlock": "u"}, "takeover_after": -1})",
             R"({"expect": {"attachment_id": "a"}, "request_ids": {"lock": "l", "action": "a", "unlock": "u"}, "takeover_after": 1.5})",
             R"({"expect": {"attachment_id": "a"}, "request_ids": {"lock": "l", "action": "a", "unlock": "u"}, "takeover_after": 86401})",
             R"({"takeover_after": 30})",  // without expect and request_ids
         }) {
      const Read r = ReadArgs(bad);
      REQUIRE_MESSAGE(r.failure.has_value(), bad);
      CHECK_MESSAGE(r.failure->Summary().find("InvalidArguments") != std::string::npos, bad);
    }
  }
}

}  // namespace
}  // namespace agent::serve
