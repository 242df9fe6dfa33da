// The Status for an HTTP error answer from Cinder or Keystone, and what of its
// body an error line may quote.
//
// A server can put anything into an error body, including what it was sent:
// a Keystone that echoes the token request returns [cinder] password, a
// proxy that echoes headers returns the token. So a body is quoted only
// after masking, in this order:
// * a JSON body of Cinder's fault shape ({"<fault>": {"message": M, ...}})
//   gives M; any other JSON body is re-written with the value of every
//   secret key masked, by the rule `show` applies to connection_info
//   (agent/secret_mask.h); other text is taken as it is;
// * every secret the request carried or could have carried (`secrets`: the
//   configured passwords, the tokens) is replaced by "***" wherever it
//   appears: as is, JSON-escaped (as RapidJSON and as Python's json.dumps
//   write it) or percent-encoded;
// * the result is squeezed to one line of at most kMaxQuotedBody bytes (cut
//   on a UTF-8 boundary, "..." appended).
// A body larger than kMaxMaskedBody, or JSON nested deeper than
// kMaxBodyDepth, is not quoted at all (only its size is). The request's own
// body is never quoted. A secret the server cut short (echoed in part) cannot
// be recognised; the bound on the quoted length is all that limits it.
//
// Pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace agent::cinder {

inline constexpr size_t kMaxQuotedBody = 300;
inline constexpr size_t kMaxMaskedBody = 1 << 20;
inline constexpr int kMaxBodyDepth = 64;

// The part of `body` an error line may quote (see above); "(no message)"
// when nothing is left.
std::string QuotedErrorBody(std::string_view body, std::span<const std::string> secrets);

// 404 kNotFound, 400 kInvalidInput, 401/403 kPermissionDenied, 409
// kFailedPrecondition, else kRemoteError, with the message
// "<context>: HTTP <status>: <QuotedErrorBody(body, secrets)>", context being
// e.g. "Cinder PUT /attachments/<id>".
base::Status HttpAnswerError(std::string_view context, long status, std::string_view body,
                             std::span<const std::string> secrets);

}  // namespace agent::cinder
