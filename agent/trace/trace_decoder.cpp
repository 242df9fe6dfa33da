#include "agent/trace/trace_decoder.h"

#include <string_view>

#include "agent/rapidjson_strings.h"

namespace agent::trace {

std::string RequestTopic(const rpc::TraceRecord& record) {
  constexpr std::string_view kFanout = "_fanout";
  if (record.exchange.ends_with(kFanout)) return record.exchange.substr(0, record.exchange.size() - kFanout.size());
  return record.routing_key.substr(0, record.routing_key.find('.'));
}

bool TraceDecoder::Selected(const rpc::TraceRecord& record, const DecodedMessage& decoded) const {
  if (!selection_.method && !selection_.topic) return true;
  if (decoded.kind == "reply" || decoded.kind == "raw") return false;  // replies: by their call, below
  if (selection_.method && decoded.method != selection_.method) return false;
  if (selection_.topic) {
    if (decoded.kind == "notification") return record.routing_key.starts_with(*selection_.topic);
    return RequestTopic(record) == *selection_.topic;
  }
  return true;
}

std::optional<DecodedMessage> TraceDecoder::Next(const rpc::TraceRecord& record) {
  ++n_;
  DecodedMessage decoded = DecodeMessage(record, secrets_);
  auto& allocator = decoded.entry.GetAllocator();
  decoded.entry.AddMember("n", rapidjson::Value(static_cast<std::uint64_t>(n_)), allocator);
  bool selected = Selected(record, decoded);
  if (decoded.kind == "call" && decoded.msg_id) {
    calls_.try_emplace(*decoded.msg_id, Call{n_, record.t_ns, decoded.method.value_or(""), selected});
  } else if (decoded.kind == "reply" && decoded.msg_id) {
    const auto found = calls_.find(*decoded.msg_id);
    if (found != calls_.end()) {
      const Call& call = found->second;
      selected = selected || call.selected;
      rapidjson::Value paired(rapidjson::kObjectType);
      paired.AddMember("n", rapidjson::Value(static_cast<std::uint64_t>(call.n)), allocator);
      paired.AddMember("method", rapidjson::Value(call.method.data(), JsonLength(call.method), allocator), allocator);
      paired.AddMember("latency_ms", rapidjson::Value(static_cast<double>(record.t_ns - call.t_ns) / 1e6), allocator);
      decoded.entry.AddMember("call", paired, allocator);
    }
  }
  if (!selected) return std::nullopt;
  return decoded;
}

}  // namespace agent::trace
