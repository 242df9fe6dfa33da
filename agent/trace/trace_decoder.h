// TraceDecoder: the messages of a trace in order, decoded (message_decode.h),
// selected by method and topic, each reply paired with its call.
//
// Each entry gains "n" (the record's number in the file, from 1). A reply
// whose call is earlier in the trace gains "call": {n, method, latency_ms}
// (the reply's time minus the call's first sighting). Selection: --method
// keeps requests of that method, notifications of that event type, and the
// replies to selected calls; --topic keeps requests whose routing key's
// topic (the key up to its first '.', or the fanout exchange's name without
// "_fanout") is that topic, notifications whose routing key starts with it,
// and the replies to selected calls. Without a selection everything is kept.
//
// Holds one small entry per call seen (its msg_id, number, time and
// method), so memory grows with the number of calls, not with their size.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "agent/trace/message_decode.h"

namespace agent::trace {

struct DecodeSelection {
  std::optional<std::string> method;
  std::optional<std::string> topic;
};

class TraceDecoder {
 public:
  TraceDecoder(Secrets secrets, DecodeSelection selection) : secrets_(secrets), selection_(std::move(selection)) {}

  // The entry for the next record of the file, or nullopt when the
  // selection leaves it out.
  std::optional<DecodedMessage> Next(const rpc::TraceRecord& record);

 private:
  struct Call {
    std::uint64_t n = 0;
    std::int64_t t_ns = 0;
    std::string method;
    bool selected = false;
  };

  bool Selected(const rpc::TraceRecord& record, const DecodedMessage& decoded) const;

  Secrets secrets_;
  DecodeSelection selection_;
  std::unordered_map<std::string, Call> calls_;  // by msg_id
  std::uint64_t n_ = 0;
};

// The topic a request was sent to (see above); empty when none.
std::string RequestTopic(const rpc::TraceRecord& record);

}  // namespace agent::trace
