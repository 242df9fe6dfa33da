#include "agent/trace/decode_text.h"

#include <cstdio>
#include <string_view>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "agent/rapidjson_strings.h"
#include "agent/terminal_text.h"

namespace agent::trace {
namespace {

std::string Text(const rapidjson::Value& entry, const char* key) {
  auto found = entry.FindMember(key);
  if (found == entry.MemberEnd()) return {};
  if (found->value.IsString()) return EscapeControls(JsonStringView(found->value));
  return AsciiJson(CompactJsonText(found->value));
}

// `value` as indented JSON, each line after the first indented by `indent`.
std::string Pretty(const rapidjson::Value& value, std::string_view indent) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  std::string out;
  for (const char c : std::string_view(buffer.GetString(), buffer.GetSize())) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
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
                                            : AsciiJson(CompactJsonText(member.value)));
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
    if (entry.HasMember(key)) Line(out, key, AsciiJson(Pretty(entry[key], "  ")));
  }
  if (kind == "raw") {
    Line(out, "not an oslo message", Text(entry, "why"));
    Line(out, "body", AsciiJson(CompactJsonText(entry["body"])));
  }
  return out;
}

}  // namespace agent::trace
