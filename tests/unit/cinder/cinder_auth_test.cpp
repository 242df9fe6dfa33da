// Tests of agent/cinder/cinder_auth.h: when tokens are fetched, renewed, and
// refused. The fetch is a counter standing in for Keystone (whose real
// requests tests/cli/test_keystone*.py cover): Keystone cannot be asked for a
// token that expires in a chosen number of seconds, and the clock is
// injected, so nothing here waits for a token to expire.
#include <doctest/doctest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "agent/cinder/cinder_auth.h"

using namespace agent::cinder;
using std::chrono::seconds;
using Time = std::chrono::system_clock::time_point;

namespace {

const Time kStart = std::chrono::sys_days(std::chrono::year(2026) / 12 / 3);

// Keystone stand-in: token N ("tok-N") expires `lifetime` after the clock's
// time of the fetch.
struct FakeKeystone {
  std::atomic<int> fetches{0};
  std::atomic<bool> fail{false};
  Time now = kStart;  // read and moved only while no other thread runs
  seconds lifetime{3600};
  std::chrono::milliseconds fetch_time{0};  // a fetch this slow widens races

  CinderAuth::Fetch Fetch() {
    return [this](agent::PeerTime*) -> base::Result<AuthGrant> {
      const int n = ++fetches;
      if (fetch_time.count() > 0) std::this_thread::sleep_for(fetch_time);
      if (fail) return base::Status::PermissionDenied("Keystone POST ...: HTTP 401");
      AuthGrant grant;
      grant.headers = {"X-Auth-Token: tok-" + std::to_string(n)};
      grant.secrets = {"tok-" + std::to_string(n)};
      grant.expires_at = now + lifetime;
      grant.token_body = "body-" + std::to_string(n);
      return grant;
    };
  }
  CinderAuth::Clock Clock() {
    return [this] { return now; };
  }
};

std::string Token(const base::Result<HeldAuth>& held) {
  REQUIRE_MESSAGE(held.ok(), held.error().message());
  return held->headers.at(0);
}

}  // namespace

TEST_CASE("agent::cinder::CinderAuth renews ahead of expiry") {
  FakeKeystone keystone;
  CinderAuth auth(keystone.Fetch(), CinderAuthPolicy{}, keystone.Clock());
  CHECK(keystone.fetches == 0);  // nothing before the first use
  CHECK(Token(auth.Current()) == "X-Auth-Token: tok-1");
  CHECK(auth.FirstTokenBody() == "body-1");

  SUBCASE("kept while it expires later than the margin (120 s, keystoneauth's)") {
    keystone.now = kStart + seconds(3600 - 121);
    CHECK(Token(auth.Current()) == "X-Auth-Token: tok-1");
    CHECK(keystone.fetches == 1);
  }
  SUBCASE("renewed once it expires within the margin, then kept") {
    keystone.now = kStart + seconds(3600 - 120);
    CHECK(Token(auth.Current()) == "X-Auth-Token: tok-2");
    keystone.now += seconds(30);
    CHECK(Token(auth.Current()) == "X-Auth-Token: tok-2");
    CHECK(keystone.fetches == 2);
    CHECK(auth.FirstTokenBody() == "body-1");
    CHECK(auth.Secrets() == std::vector<std::string>{"tok-1", "tok-2"});
  }
  SUBCASE("renewed after it expired") {
    keystone.now = kStart + seconds(7200);
    CHECK(Token(auth.Current()) == "X-Auth-Token: tok-2");
  }
  SUBCASE("a token shorter-lived than the margin is still used for the call that fetched it") {
    keystone.lifetime = seconds(60);
    keystone.now = kStart + seconds(3600);
    CHECK(Token(auth.Current()) == "X-Auth-Token: tok-2");
    CHECK(keystone.fetches == 2);
  }
  SUBCASE("a failed renewal is returned and not kept: the next call tries again") {
    keystone.now = kStart + seconds(3590);
    keystone.fail = true;
    auto failed = auth.Current();
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().code() == base::Code::kPermissionDenied);
    keystone.fail = false;
    CHECK(Token(auth.Current()) == "X-Auth-Token: tok-3");
  }
}

TEST_CASE("agent::cinder::CinderAuth without an expiry keeps the token until a 401") {
  int fetches = 0;
  CinderAuth auth(
      [&fetches](agent::PeerTime*) -> base::Result<AuthGrant> {
        ++fetches;
        return AuthGrant{{"X-Auth-Token: notused"}, {"notused"}, std::nullopt, ""};
      },
      CinderAuthPolicy{}, [] { return kStart + seconds(1'000'000'000); });
  for (int i = 0; i < 3; ++i) CHECK(Token(auth.Current()) == "X-Auth-Token: notused");
  CHECK(fetches == 1);
  CHECK_FALSE(auth.SendsServiceToken());
}

TEST_CASE("agent::cinder::CinderAuth::RenewAfterRejection renews a generation once") {
  FakeKeystone keystone;
  CinderAuth auth(keystone.Fetch(), CinderAuthPolicy{}, keystone.Clock());
  auto first = auth.Current();
  REQUIRE(first.ok());
  auto renewed = auth.RenewAfterRejection(first->generation);
  CHECK(Token(renewed) == "X-Auth-Token: tok-2");
  // A second thread that was refused the same (first) tokens gets the new
  // ones without another Keystone request.
  CHECK(Token(auth.RenewAfterRejection(first->generation)) == "X-Auth-Token: tok-2");
  CHECK(keystone.fetches == 2);
  // The new tokens refused in turn: renewed again.
  CHECK(Token(auth.RenewAfterRejection(renewed->generation)) == "X-Auth-Token: tok-3");
}

namespace {

// What `how` the threads call: Current() once the tokens are stale, or
// RenewAfterRejection() of the generation they were all refused.
void RaceThreads(CinderAuth& auth, FakeKeystone& keystone, const std::string& how) {
  CAPTURE(how);
  constexpr int kThreads = 8;
  const std::uint64_t generation = auth.Current()->generation;
  const int before = keystone.fetches;
  if (how == "stale") keystone.now += seconds(3500);
  std::latch start(kThreads);
  std::vector<std::string> seen(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto held = how == "stale" ? auth.Current() : auth.RenewAfterRejection(generation);
      seen[i] = held.ok() ? held->headers.at(0) : held.error().message();
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(keystone.fetches == before + 1);
  for (const std::string& s : seen) CHECK(s == "X-Auth-Token: tok-" + std::to_string(before + 1));
}

}  // namespace

TEST_CASE("agent::cinder::CinderAuth: N threads that need new tokens at once make one request") {
  FakeKeystone keystone;
  keystone.fetch_time = std::chrono::milliseconds(20);  // the others arrive while it runs
  CinderAuth auth(keystone.Fetch(), CinderAuthPolicy{}, keystone.Clock());
  REQUIRE(auth.Current().ok());
  RaceThreads(auth, keystone, "stale");
  RaceThreads(auth, keystone, "401");
}

TEST_CASE("agent::cinder::CinderAuth: a fixed token is never renewed") {
  FakeKeystone keystone;
  CinderAuthPolicy policy;
  policy.cannot_renew = "[cinder] auth_type = token: a fixed token cannot be renewed";
  CinderAuth auth(keystone.Fetch(), policy, keystone.Clock());
  auto first = auth.Current();
  REQUIRE(first.ok());
  SUBCASE("used within the margin, refused once expired") {
    keystone.now = kStart + seconds(3599);
    CHECK(Token(auth.Current()) == "X-Auth-Token: tok-1");
    keystone.now = kStart + seconds(3600);
    auto expired = auth.Current();
    REQUIRE_FALSE(expired.ok());
    CHECK(expired.error().code() == base::Code::kPermissionDenied);
    CHECK(expired.error().message() ==
          "the token expired at 2026-12-03T01:00:00Z; [cinder] auth_type = token: a fixed token cannot be renewed");
  }
  SUBCASE("a 401 is final") {
    auto refused = auth.RenewAfterRejection(first->generation);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code() == base::Code::kPermissionDenied);
    CHECK(refused.error().message() ==
          "Cinder refused the token (HTTP 401: revoked or expired); [cinder] auth_type = token: a fixed token "
          "cannot be renewed");
  }
  CHECK(keystone.fetches == 1);
}
