// libFuzzer target: `trace decode`'s view of one message (agent/trace/):
// any body, exchange and routing key must decode to an entry, never a crash,
// a sanitizer report or an exception; the entry must be JSON that parses
// again, its kind one of the documented ones, and the text form must render.
// Masked and shown decodings must agree on everything but the secrets: the
// same kind. Seed corpus: tests/corpus/trace_decode/ (the golden vectors'
// bodies). The first input byte picks the exchange (a topic or a fanout
// exchange), the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string>

#include <rapidjson/document.h>

#include "agent/rapidjson_strings.h"
#include "agent/trace/decode_text.h"
#include "agent/trace/trace_decoder.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rpc::TraceRecord record;
  if (size > 0) {
    record.exchange = (data[0] & 1) ? "compute_fanout" : "nova";
    record.event = (data[0] & 2) ? rpc::TraceEvent::kDeliver : rpc::TraceEvent::kPublish;
    ++data;
    --size;
  }
  record.routing_key = "compute.c1";
  record.body.assign(reinterpret_cast<const char*>(data), size);
  agent::trace::TraceDecoder masked(agent::trace::Secrets::kMask, {});
  agent::trace::TraceDecoder shown(agent::trace::Secrets::kShow, {});
  for (int round = 0; round < 2; ++round) {  // twice: the second pairs a reply with itself as a call would
    auto a = masked.Next(record);
    auto b = shown.Next(record);
    Check(a.has_value() && b.has_value());
    Check(a->kind == b->kind);
    Check(a->kind == "call" || a->kind == "cast" || a->kind == "fanout" || a->kind == "reply" ||
          a->kind == "notification" || a->kind == "raw");
    const std::string json = agent::CompactJsonText(a->entry);
    rapidjson::Document again;
    again.Parse<rapidjson::kParseNanAndInfFlag>(json.data(), json.size());
    Check(!again.HasParseError() && again.IsObject());
    (void)agent::trace::DecodeText(a->entry);
  }
  return 0;
}
