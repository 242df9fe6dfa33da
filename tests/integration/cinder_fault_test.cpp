// agent::cinder under faults the stack's real Cinder cannot be made to show
// on demand (the stack must not be stopped): nothing listening, a peer that
// never answers, an API older than 3.44, 500/504 answers to PUT and POST, a
// 401 (a token expired or revoked: the real Keystone gives the new token), and
// an answer larger than bdm-agent accepts.
// These peers are tests/integration/canned_http_server.h; the configuration
// is still the stack's nova.conf with only endpoint_template (and the named
// [cinder] options) changed.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "agent/cinder/cinder_client.h"
#include "agent/cinder/http_transport.h"
#include "agent/input/limits.h"
#include "tests/integration/canned_http_server.h"
#include "tests/integration/cinder_test_support.h"

using agent::cinder::AttachmentApi;
using testing::CannedHttpServer;
using Clock = std::chrono::steady_clock;

namespace {

std::unique_ptr<AttachmentApi> ConnectTo(int port, agent::config::NovaConfig conf = testing::StackNovaConf()) {
  conf.cinder.endpoint_template = "http://127.0.0.1:" + std::to_string(port) + "/v3";
  auto api = agent::cinder::ConnectCinder(conf, {});
  REQUIRE_MESSAGE(api.ok(), api.error().ToString());
  return std::move(api).value();
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

const std::string kId = "6b0f4e9e-0c57-4a43-8f7f-0d1a5c1f6a01";

std::string AttachmentAnswer() {
  return CannedHttpServer::Answer(
      200, R"({"attachment": {"id": ")" + kId + R"(", "status": "reserved", "instance": "i", "volume_id": "v",)"
               R"( "attached_at": "", "detached_at": "", "attach_mode": "null", "connection_info": {}}})");
}

}  // namespace

TEST_CASE("agent::cinder transport failures") {
  agent::config::NovaConfig conf = testing::StackNovaConf();
  SUBCASE("closed port: kUnavailable at once without retries, after 0.5+1+2 s with [cinder] http_retries = 3") {
    const int port = testing::ClosedPort();
    conf.cinder.http_retries = 0;
    auto api = ConnectTo(port, conf);
    auto start = Clock::now();
    auto got = api->Get(kId);
    auto elapsed = Clock::now() - start;
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().code() == base::Code::kUnavailable);
    CHECK(got.error().message().starts_with("Cinder GET /attachments/" + kId + ": "));
    MESSAGE("refused GET, no retries: " << Seconds(elapsed) << " s");
    CHECK(elapsed < std::chrono::milliseconds(500));

    conf.cinder.http_retries = 3;
    api = ConnectTo(port, conf);
    start = Clock::now();
    CHECK(api->Delete(kId).code() == base::Code::kUnavailable);
    elapsed = Clock::now() - start;
    MESSAGE("refused DELETE with 3 retries: " << Seconds(elapsed) << " s");
    CHECK(elapsed >= std::chrono::milliseconds(3500));
    CHECK(elapsed < std::chrono::milliseconds(5000));
  }
  SUBCASE("a peer that accepts and never answers: kTimeout after [cinder] timeout") {
    CannedHttpServer silent({});  // listens, never accepts: connections sit in the backlog
    conf.cinder.timeout = 1;
    auto api = ConnectTo(silent.port(), conf);
    auto start = Clock::now();
    auto got = api->Get(kId);
    auto elapsed = Clock::now() - start;
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().code() == base::Code::kTimeout);
    CHECK(elapsed >= std::chrono::milliseconds(900));
    CHECK(elapsed < std::chrono::milliseconds(3000));
  }
}

TEST_CASE("agent::cinder Create checks the API version first") {
  SUBCASE("Cinder older than 3.44: kFailedPrecondition, nothing created") {
    CannedHttpServer old({CannedHttpServer::Answer(
        300, R"({"versions": [{"id": "v3.0", "status": "CURRENT", "version": "3.27", "min_version": "3.0"}]})")});
    auto api = ConnectTo(old.port());
    auto created = api->Create("v", "i");
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().code() == base::Code::kFailedPrecondition);
    CHECK(created.error().message().find("3.27") != std::string::npos);
    CHECK(old.requests() == std::vector<std::string>{"GET / HTTP/1.1"});
  }
  SUBCASE("once per connection; a 500 from POST is not resent") {
    CannedHttpServer peer({CannedHttpServer::Answer(300, R"({"versions": [{"version": "3.70"}]})"),
                           CannedHttpServer::Answer(500, R"({"computeFault": {"message": "boom", "code": 500}})"),
                           AttachmentAnswer()});
    auto api = ConnectTo(peer.port());
    auto first = api->Create("v", "i");
    REQUIRE_FALSE(first.ok());
    CHECK(first.error().message() == "Cinder POST /attachments: HTTP 500: boom");
    auto second = api->Create("v", "i");
    REQUIRE(second.ok());
    CHECK(peer.requests() ==
          std::vector<std::string>{"GET / HTTP/1.1", "POST /v3/attachments HTTP/1.1", "POST /v3/attachments HTTP/1.1"});
  }
  SUBCASE("once per CinderAccess: the clients made from it after the first check skip it (a batch's refreshes)") {
    CannedHttpServer peer({CannedHttpServer::Answer(300, R"({"versions": [{"version": "3.70"}]})"),
                           AttachmentAnswer()});
    agent::config::NovaConfig conf = testing::StackNovaConf();
    conf.cinder.endpoint_template = "http://127.0.0.1:" + std::to_string(peer.port()) + "/v3";
    auto access = agent::cinder::CinderAccess::Open(conf, {});
    REQUIRE_MESSAGE(access.ok(), access.error().ToString());
    for (int i = 0; i < 2; ++i) {
      auto api = (*access)->NewClient({});
      REQUIRE(api.ok());
      REQUIRE((*api)->Create("v", "i").ok());
    }
    CHECK(peer.requests() ==
          std::vector<std::string>{"GET / HTTP/1.1", "POST /v3/attachments HTTP/1.1", "POST /v3/attachments HTTP/1.1"});
  }
  SUBCASE("a version refused is asked for again by the next client") {
    CannedHttpServer old({CannedHttpServer::Answer(300, R"({"versions": [{"version": "3.27"}]})")});
    agent::config::NovaConfig conf = testing::StackNovaConf();
    conf.cinder.endpoint_template = "http://127.0.0.1:" + std::to_string(old.port()) + "/v3";
    auto access = agent::cinder::CinderAccess::Open(conf, {});
    REQUIRE(access.ok());
    for (int i = 0; i < 2; ++i) {
      auto api = (*access)->NewClient({});
      REQUIRE(api.ok());
      CHECK((*api)->Create("v", "i").error().code() == base::Code::kFailedPrecondition);
    }
    CHECK(old.requests() == std::vector<std::string>{"GET / HTTP/1.1", "GET / HTTP/1.1"});
  }
}

TEST_CASE("agent::cinder Update is resent on 500 and 504, up to 5 times") {
  const std::string fault = CannedHttpServer::Answer(500, R"({"computeFault": {"message": "Unable to update"}})");
  const std::string gateway = CannedHttpServer::Answer(504, "<html>Gateway Timeout</html>");
  SUBCASE("succeeds on the third send") {
    CannedHttpServer peer({fault, gateway, AttachmentAnswer()});
    auto updated = ConnectTo(peer.port())->Update(kId, R"({"host": "compute1"})", "/dev/vdb");
    REQUIRE_MESSAGE(updated.ok(), updated.error().ToString());
    CHECK(peer.requests().size() == 3);
  }
  SUBCASE("gives up after 5 with the last answer") {
    CannedHttpServer peer({fault});
    auto updated = ConnectTo(peer.port())->Update(kId, R"({"host": "compute1"})", std::nullopt);
    REQUIRE_FALSE(updated.ok());
    CHECK(updated.error().code() == base::Code::kRemoteError);
    CHECK(updated.error().message() == "Cinder PUT /attachments/" + kId + ": HTTP 500: Unable to update");
    CHECK(peer.requests().size() == 5);
  }
  SUBCASE("other errors are not resent") {
    CannedHttpServer peer({CannedHttpServer::Answer(409, R"({"conflict": {"message": "duplicate connectors"}})")});
    auto updated = ConnectTo(peer.port())->Update(kId, R"({"host": "compute1"})", std::nullopt);
    CHECK(updated.error().code() == base::Code::kFailedPrecondition);
    CHECK(peer.requests().size() == 1);
  }
}

// POST /v3/auth/tokens lines in the stack's Keystone (uwsgi) log.
int KeystoneTokenRequests() {
  const char* path = std::getenv("BDM_KEYSTONE_LOG");
  REQUIRE_MESSAGE(path != nullptr, "BDM_KEYSTONE_LOG is not set: a stack with Keystone is needed");
  std::ifstream in(path);
  std::string line;
  int count = 0;
  while (std::getline(in, line)) count += line.find("POST /v3/auth/tokens =>") != std::string::npos ? 1 : 0;
  return count;
}

// KeystoneTokenRequests once it reaches `expected` or after 3 s, then 0.3 s
// more for a late extra one (uwsgi logs after answering).
int AwaitKeystoneTokenRequests(int expected) {
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  int count = KeystoneTokenRequests();
  while (count < expected && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    count = KeystoneTokenRequests();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  return KeystoneTokenRequests();
}

TEST_CASE("agent::cinder renews its token once when Cinder answers 401") {
  const std::string expired = CannedHttpServer::Answer(401, R"({"error": {"message": "The request you have made )"
                                                             R"(requires authentication.", "code": 401}})");
  SUBCASE("the call is sent again with a new token from Keystone") {
    CannedHttpServer peer({expired, AttachmentAnswer()});
    const int before = KeystoneTokenRequests();
    auto api = ConnectTo(peer.port());  // one token request (the [service_user] one is the same)
    auto got = api->Get(kId);
    REQUIRE_MESSAGE(got.ok(), got.error().ToString());
    CHECK(peer.requests() == std::vector<std::string>(2, "GET /v3/attachments/" + kId + " HTTP/1.1"));
    CHECK(AwaitKeystoneTokenRequests(before + 2) == before + 2);
  }
  SUBCASE("a second 401 is final, and a 401 is not counted as a 5xx attempt") {
    CannedHttpServer peer({expired});
    const int before = KeystoneTokenRequests();
    auto api = ConnectTo(peer.port());
    base::Status deleted = api->Delete(kId);
    CHECK(deleted.code() == base::Code::kPermissionDenied);
    CHECK(deleted.message() == "Cinder DELETE /attachments/" + kId +
                                   ": HTTP 401: The request you have made requires authentication.");
    CHECK(peer.requests().size() == 2);
    CHECK(AwaitKeystoneTokenRequests(before + 2) == before + 2);
  }
}

TEST_CASE("agent::cinder::HttpTransport refuses an answer over input::kMaxHttpAnswerBytes (issue 9)") {
  using agent::cinder::HttpResponse;
  using agent::cinder::TransportError;
  constexpr std::size_t kMax = agent::input::kMaxHttpAnswerBytes;
  CannedHttpServer peer({CannedHttpServer::Answer(200, std::string(kMax - 200, ' ') + "{}"),
                         CannedHttpServer::Answer(500, std::string(kMax, ' ') + "{}")});
  auto transport = agent::cinder::HttpTransport::Create({});
  REQUIRE(transport.ok());
  const agent::cinder::HttpRequest get{"GET", "http://127.0.0.1:" + std::to_string(peer.port()) + "/v3", {}, {}};
  auto within = transport->Send(get, "Cinder GET /");
  REQUIRE(std::holds_alternative<HttpResponse>(within));
  CHECK(std::get<HttpResponse>(within).body.size() == kMax - 198);
  auto over = transport->Send(get, "Cinder GET /");
  REQUIRE(std::holds_alternative<TransportError>(over));
  const base::Status& status = std::get<TransportError>(over).status;
  CHECK(status.code() == base::Code::kRemoteError);
  CHECK(status.message() == "Cinder GET /: the answer is larger than " + std::to_string(kMax) + " bytes");
}
