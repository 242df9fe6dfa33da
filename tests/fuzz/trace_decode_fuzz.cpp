// libFuzzer target: `trace decode`'s view of one message (agent/trace/):
// any body, exchange and routing key must decode to an entry, never a crash,
// a sanitizer report or an exception; the entry must be JSON that parses
// again, its kind one of the documented ones, and the text form must render.
// Masked and shown decodings must agree on everything but the secrets: the
// same kind. The one-pass writer (ascii_json.h) must write what RapidJSON's
// writer and AsciiJson write, and the in-place parse (json_depth.h) must give
// the copying parse's answer and document for the body. Seed corpus: tests/corpus/trace_decode/ (the golden vectors'
// bodies). The first input byte picks the exchange (a topic or a fanout
// exchange), the rest is the body.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include <rapidjson/document.h>

#include "agent/json_depth.h"
#include "agent/rapidjson_strings.h"
#include "agent/terminal_text.h"
#include "agent/trace/ascii_json.h"
#include "agent/trace/decode_text.h"
#include "agent/trace/trace_decoder.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// Whether two values are the same: the same types, members in the same
// order, numbers bit for bit (RapidJSON's == calls a NaN unequal to itself).
bool Same(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.GetType() != b.GetType()) return false;
  if (a.IsString()) return agent::JsonStringView(a) == agent::JsonStringView(b);
  if (a.IsNumber()) {
    if (a.IsDouble() != b.IsDouble()) return false;
    if (!a.IsDouble()) return a.IsInt64() ? b.IsInt64() && a.GetInt64() == b.GetInt64() : a.GetUint64() == b.GetUint64();
    const double x = a.GetDouble(), y = b.GetDouble();
    return std::memcmp(&x, &y, sizeof x) == 0;
  }
  if (a.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (!Same(a[i], b[i])) return false;
    }
  }
  if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount()) return false;
    for (auto x = a.MemberBegin(), y = b.MemberBegin(); x != a.MemberEnd(); ++x, ++y) {
      if (agent::JsonStringView(x->name) != agent::JsonStringView(y->name) || !Same(x->value, y->value)) return false;
    }
  }
  return true;
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
  {
    constexpr unsigned kFlags = rapidjson::kParseNanAndInfFlag | rapidjson::kParseFullPrecisionFlag;
    rapidjson::Document copied;
    rapidjson::Document in_place;
    const agent::JsonParse expected = agent::ParseJsonWithin<kFlags>(copied, record.body, 64);
    Check(agent::ParseJsonInsituWithin<kFlags>(in_place, record.body, 64) == expected);
    Check(expected != agent::JsonParse::kParsed || Same(in_place, copied));
  }
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
    agent::trace::JsonOutput ascii;
    agent::trace::AppendAsciiJson(a->entry, ascii);
    Check(ascii.text() == agent::AsciiJson(json));
    rapidjson::Document again;
    again.Parse<rapidjson::kParseNanAndInfFlag>(json.data(), json.size());
    Check(!again.HasParseError() && again.IsObject());
    (void)agent::trace::DecodeText(a->entry);
  }
  return 0;
}
