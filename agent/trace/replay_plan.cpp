#include "agent/trace/replay_plan.h"

#include <algorithm>
#include <cmath>

#include "rpc/rpc_codec.h"

namespace agent::trace {

base::Result<RoutingKeyRewrite> ParseRoutingKeyRewrite(std::string_view text) {
  const std::size_t equals = text.find('=');
  if (equals == std::string_view::npos) {
    return base::Status::InvalidInput("--rewrite-routing-key wants OLD=NEW (no '=' in it)");
  }
  RoutingKeyRewrite rewrite{std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
  if (rewrite.from.empty() || rewrite.to.empty()) {
    return base::Status::InvalidInput("--rewrite-routing-key wants OLD=NEW, both not empty");
  }
  return rewrite;
}

std::optional<ReplayRequest> RequestToReplay(const rpc::TraceRecord& record, std::uint64_t n,
                                             const ReplaySelection& selection) {
  if (record.event != rpc::TraceEvent::kPublish) return std::nullopt;
  auto decoded = rpc::DecodeRequest(record.body);
  if (!decoded.ok()) return std::nullopt;
  if (!selection.methods.empty() &&
      std::find(selection.methods.begin(), selection.methods.end(), decoded->method) == selection.methods.end()) {
    return std::nullopt;
  }
  ReplayRequest out;
  out.n = n;
  out.t_ns = record.t_ns;
  out.to.exchange = record.exchange;
  out.to.routing_key = record.routing_key;
  for (const RoutingKeyRewrite& rewrite : selection.rewrites) {
    if (rewrite.from == record.routing_key) {
      out.to.routing_key = rewrite.to;
      break;
    }
  }
  out.properties = record.properties;
  out.recorded_msg_id = decoded->msg_id;
  auto again = rpc::EncodeRequest(*decoded);
  out.exact = again.ok() && *again == record.body;
  out.request = std::move(decoded).value();
  return out;
}

std::chrono::nanoseconds GapBefore(std::int64_t previous_t_ns, std::int64_t t_ns, std::optional<double> rate) {
  constexpr auto kMax = std::chrono::duration_cast<std::chrono::nanoseconds>(kMaxReplayGap);
  if (rate) {
    const double ns = 1e9 / *rate;
    return ns >= static_cast<double>(kMax.count()) ? kMax : std::chrono::nanoseconds(std::llround(ns));
  }
  if (t_ns <= previous_t_ns) return std::chrono::nanoseconds(0);
  // The difference of two int64 values fits in uint64 (modular arithmetic is defined there).
  const std::uint64_t gap = static_cast<std::uint64_t>(t_ns) - static_cast<std::uint64_t>(previous_t_ns);
  return gap >= static_cast<std::uint64_t>(kMax.count()) ? kMax : std::chrono::nanoseconds(static_cast<std::int64_t>(gap));
}

}  // namespace agent::trace
