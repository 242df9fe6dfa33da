#include "agent/cinder/cinder_auth.h"

#include <ctime>
#include <utility>

namespace agent::cinder {
namespace {

using base::Result;
using base::Status;

std::string UtcText(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

CinderAuth::CinderAuth(Fetch fetch, CinderAuthPolicy policy, Clock clock)
    : fetch_(std::move(fetch)), policy_(std::move(policy)), clock_(std::move(clock)) {}

Result<HeldAuth> CinderAuth::FetchLocked(PeerTime* keystone_time) {
  ++fetches_;
  BASE_TRY_ASSIGN(AuthGrant grant, fetch_(keystone_time));
  for (const std::string& secret : grant.secrets) secrets_.push_back(secret);
  if (generation_ == 0) first_token_body_ = grant.token_body;
  grant.token_body.clear();  // only the first one is read
  grant_ = std::move(grant);
  ++generation_;
  return HeldLocked();
}

Result<HeldAuth> CinderAuth::Current(PeerTime* keystone_time) {
  std::lock_guard lock(mutex_);
  if (!grant_) return FetchLocked(keystone_time);
  if (!grant_->expires_at) return HeldLocked();
  const auto now = clock_();
  if (policy_.cannot_renew) {
    if (now < *grant_->expires_at) return HeldLocked();
    return Status::PermissionDenied("the token expired at " + UtcText(*grant_->expires_at) + "; " +
                                    *policy_.cannot_renew);
  }
  if (*grant_->expires_at - policy_.margin > now) return HeldLocked();
  return FetchLocked(keystone_time);
}

Result<HeldAuth> CinderAuth::RenewAfterRejection(std::uint64_t generation, PeerTime* keystone_time) {
  std::lock_guard lock(mutex_);
  if (policy_.cannot_renew) {
    return Status::PermissionDenied("Cinder refused the token (HTTP 401: revoked or expired); " +
                                    *policy_.cannot_renew);
  }
  if (grant_ && generation != generation_) return HeldLocked();  // another thread renewed them already
  return FetchLocked(keystone_time);
}

std::vector<std::string> CinderAuth::Secrets() const {
  std::lock_guard lock(mutex_);
  return secrets_;
}

std::string CinderAuth::FirstTokenBody() const {
  std::lock_guard lock(mutex_);
  return first_token_body_;
}

bool CinderAuth::SendsServiceToken() const {
  std::lock_guard lock(mutex_);
  if (!grant_) return false;
  for (const std::string& header : grant_->headers) {
    if (header.starts_with("X-Service-Token:")) return true;
  }
  return false;
}

int CinderAuth::fetches() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

}  // namespace agent::cinder
