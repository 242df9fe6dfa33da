#include "agent/trace/decode_text.h"

#include <cstdio>
#include <string_view>

#include "agent/rapidjson_strings.h"
#include "agent/terminal_text.h"
#include "agent/trace/ascii_json.h"

namespace agent::trace {
namespace {

// `value` as AsciiJson(CompactJsonText(value)).
std::string CompactAscii(const rapidjson::Value& value) {
  JsonOutput out;
  AppendAsciiJson(value, out);
  return std::string(out.text());
}

std::string Text(const rapidjson::Value& entry, const char* key) {
  auto found = entry.FindMember(key);
  if (found == entry.MemberEnd()) return {};
  if (found->value.IsString()) return EscapeControls(JsonStringView(found->value));
  return CompactAscii(found->value);
}

// `value` as indented JSON in ASCII, each line after the first indented by `indent`.
std::string Pretty(const rapidjson::Value& value, std::string_view indent) {
  JsonOutput out;
  AppendAsciiPrettyJson(value, indent, out);
  return std::string(out.text());
}

void Line(std::string& out, std::string_view label, const std::string& value) {
  if (value.empty()) return;
  out += "  ";
  out += label;
  out += ": ";
  out += value;
  out += '\n';
}

}  // namespace

std::string DecodeText(const rapidjson::Value& entry) {
  std::string out = "#" + Text(entry, "n") + " " + Text(entry, "time") + " " + Text(entry, "event") + " exchange '" +
                    Text(entry, "exchange") + "' key '" + Text(entry, "routing_key") + "' " + Text(entry, "kind");
  const std::string kind = Text(entry, "kind");
  if (kind == "call" || kind == "cast" || kind == "fanout") {
    out += " " + Text(entry, "method");
    if (entry.HasMember("version")) out += " version " + Text(entry, "version");
  } else if (kind == "notification") {
    out += " " + Text(entry, "event_type");
  }
  out += '\n';
  Line(out, "delivered to queue", Text(entry, "queue"));
  Line(out, "namespace", Text(entry, "namespace"));
  Line(out, "msg_id", Text(entry, "msg_id"));
  Line(out, "reply_q", Text(entry, "reply_q"));
  Line(out, "publisher_id", Text(entry, "publisher_id"));
  if (entry.HasMember("call")) {
    const rapidjson::Value& call = entry["call"];
    char latency[64];
    std::snprintf(latency, sizeof latency, "%.3f ms", call["latency_ms"].GetDouble());
    Line(out, "reply to", "#" + Text(call, "n") + " " + Text(call, "method") + " after " + latency);
  }
  if (entry.HasMember("ending")) Line(out, "ending", Text(entry, "ending"));
  if (entry.HasMember("context")) {
    std::string context;
    for (const auto& member : entry["context"].GetObject()) {
      if (!context.empty()) context += ' ';
      context += EscapeControls(JsonStringView(member.name)) + "=" +
                 (member.value.IsString() ? EscapeControls(JsonStringView(member.value))
                                            : CompactAscii(member.value));
    }
    Line(out, "context", context);
  }
  if (entry.HasMember("failure")) {
    const rapidjson::Value& failure = entry["failure"];
    if (failure.HasMember("class")) {
      Line(out, "failure", Text(failure, "module") + "." + Text(failure, "class") + ": " + Text(failure, "message"));
    } else {
      Line(out, "failure (undecodable)", Text(failure, "undecodable"));
    }
  }
  for (const char* key : {"args", "result", "payload"}) {
    if (entry.HasMember(key)) Line(out, key, Pretty(entry[key], "  "));
  }
  if (kind == "raw") {
    Line(out, "not an oslo message", Text(entry, "why"));
    Line(out, "body", CompactAscii(entry["body"]));
  }
  return out;
}

}  // namespace agent::trace
