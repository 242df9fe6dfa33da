// What `bdm-agent trace replay` sends again, chosen from a trace's records,
// and when.
//
// Replayed: the requests (calls, casts, fanout casts: a body DecodeRequest
// takes) as they were published: never replies, notifications, bodies that
// are not oslo requests, or the firehose's deliver events (a request the
// firehose saw published and then delivered is sent once). --method keeps
// the requests of the methods named; --rewrite-routing-key OLD=NEW sends a
// request recorded with routing key OLD (the whole key, compared exactly)
// with NEW instead; the first rewrite that matches applies.
//
// Each request keeps its recorded exchange, properties (expiration
// included) and body; only its ids change when it is sent (rpc::RpcClient::
// Send). `exact` says whether that holds byte for byte: the decoded
// request, encoded again, gives the recorded body (true for anything oslo
// wrote; otherwise the body is sent re-serialised, equivalent but not
// identical, and the command says so).
//
// Pure functions; safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rpc/rpc_client.h"
#include "rpc/trace_file.h"

namespace agent::trace {

struct RoutingKeyRewrite {
  std::string from, to;
};

// "OLD=NEW", split at the first '='. kInvalidInput when there is no '=' or
// OLD is empty (NEW may not be empty either: a request needs a routing key
// unless it was recorded without one).
base::Result<RoutingKeyRewrite> ParseRoutingKeyRewrite(std::string_view text);

struct ReplaySelection {
  std::vector<std::string> methods;  // empty: every method
  std::vector<RoutingKeyRewrite> rewrites;
};

struct ReplayRequest {
  std::uint64_t n = 0;  // the record's number in the file, from 1 (as `decode` numbers it)
  std::int64_t t_ns = 0;
  rpc::WireDestination to;  // the recorded exchange; the routing key after rewrites
  rpc::MessageProperties properties;
  rpc::RpcRequest request;                     // as decoded; Send replaces its ids
  std::optional<std::string> recorded_msg_id;  // set: a call
  bool exact = true;                           // see above
};

// The request to send again for `record` (number `n` in the file), or
// nullopt when it is not one the selection keeps.
std::optional<ReplayRequest> RequestToReplay(const rpc::TraceRecord& record, std::uint64_t n,
                                             const ReplaySelection& selection);

// The longest wait between two requests at the recorded pace (a trace that
// idled for hours is not replayed over hours).
inline constexpr std::chrono::seconds kMaxReplayGap{60};

// How long after the previous request (recorded at `previous_t_ns`) the one
// recorded at `t_ns` is due: at the recorded pace (no `rate`), the recorded
// gap, 0 when the clock went back, at most kMaxReplayGap; at `rate`
// requests a second (> 0), 1/rate seconds (also at most kMaxReplayGap).
std::chrono::nanoseconds GapBefore(std::int64_t previous_t_ns, std::int64_t t_ns, std::optional<double> rate);

}  // namespace agent::trace
