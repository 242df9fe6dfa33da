// CinderAuth: the auth headers bdm-agent sends to Cinder (X-Auth-Token and,
// when configured, X-Service-Token), held while they are valid and shared by
// every Cinder client of a process: one per `refresh` or `recover` run, one
// per configuration snapshot of `serve`, whose worker threads all use it.
//
// The headers are fetched (one Keystone token request, or two when
// [service_user] has other credentials than [cinder]) on first use, then
// again:
// - before a call, when the held tokens expire within the margin (120 s:
//   keystoneauth's identity plugins re-authenticate when the token expires
//   within BaseIdentityPlugin.MIN_TOKEN_LIFE_SECONDS = 120; AccessInfo's own
//   will_expire_soon default, STALE_TOKEN_DURATION, is 30 s but the plugins
//   pass 120). A token whose expires_at is absent or does not parse is kept
//   until Cinder refuses it;
// - when Cinder answered 401 to them (revoked, or expired early), once per
//   rejected generation: when several threads see the same tokens refused,
//   the first renews and the others use its tokens.
// A fetch runs under the lock, so the threads that need the headers while
// it runs wait for it and use its result: N workers that find the tokens
// stale at once make one Keystone request, not N.
// Tokens that cannot be renewed (auth_type token: a fixed token; see
// CinderAuthPolicy::cannot_renew) are used until they expire; after that,
// or on a 401, the call fails with kPermissionDenied, one line naming the
// cause and the remedy. auth_type none ("notused") never expires.
//
// Thread safety: every member may be called from any thread at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/peer_time.h"
#include "base/result.h"

namespace agent::cinder {

// What one fetch gives.
struct AuthGrant {
  std::vector<std::string> headers;  // "X-Auth-Token: ...", "X-Service-Token: ..."
  std::vector<std::string> secrets;  // the tokens, masked in quoted error bodies
  // The earliest expiry of the tokens; nullopt: unknown (kept until a 401).
  std::optional<std::chrono::system_clock::time_point> expires_at;
  std::string token_body;            // the [cinder] token's response (its catalog); "" for none
};

struct CinderAuthPolicy {
  std::chrono::seconds margin{120};
  // When set, the tokens are never fetched again, and this text ends the
  // error given once they expired or Cinder refused them.
  std::optional<std::string> cannot_renew;
};

// The headers of a call and the generation they belong to (for
// RenewAfterRejection).
struct HeldAuth {
  std::vector<std::string> headers;
  std::uint64_t generation = 0;
};

class CinderAuth {
 public:
  // One token request (or two); `keystone_time` (may be nullptr) is the
  // caller's accumulator for Keystone's time. Errors as the Keystone
  // requests give them (agent/cinder/keystone_auth.h).
  using Fetch = std::function<base::Result<AuthGrant>(PeerTime* keystone_time)>;
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `fetch` and `clock` are called under the lock, from the calling thread.
  CinderAuth(Fetch fetch, CinderAuthPolicy policy, Clock clock = std::chrono::system_clock::now);

  CinderAuth(const CinderAuth&) = delete;
  CinderAuth& operator=(const CinderAuth&) = delete;

  // Headers valid for at least the margin (fetched when there are none yet
  // or the held ones expire within it). Fetch's errors; kPermissionDenied
  // for an expired token that cannot be renewed.
  base::Result<HeldAuth> Current(PeerTime* keystone_time = nullptr);

  // After Cinder answered 401 to the headers of `generation`: new ones
  // (fetched only when `generation` is still the current one). Fetch's
  // errors; kPermissionDenied when the tokens cannot be renewed.
  base::Result<HeldAuth> RenewAfterRejection(std::uint64_t generation, PeerTime* keystone_time = nullptr);

  // Every token held so far (to mask them in messages).
  std::vector<std::string> Secrets() const;
  // The first fetch's token body (the catalog is read from it); "" before.
  std::string FirstTokenBody() const;
  // Whether the headers include X-Service-Token (false before the first fetch).
  bool SendsServiceToken() const;
  // How many fetches ran (each one or two Keystone token requests).
  int fetches() const;

 private:
  base::Result<HeldAuth> FetchLocked(PeerTime* keystone_time);
  HeldAuth HeldLocked() const { return {grant_->headers, generation_}; }

  const Fetch fetch_;
  const CinderAuthPolicy policy_;
  const Clock clock_;
  mutable std::mutex mutex_;
  std::optional<AuthGrant> grant_;
  std::uint64_t generation_ = 0;  // counts the fetches that succeeded
  int fetches_ = 0;
  std::vector<std::string> secrets_;
  std::string first_token_body_;
};

}  // namespace agent::cinder
