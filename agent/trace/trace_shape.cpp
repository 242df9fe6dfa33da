#include "agent/trace/trace_shape.h"

#include <algorithm>
#include <iterator>

#include "agent/rapidjson_strings.h"
#include "agent/terminal_text.h"

namespace agent::trace {
namespace {

bool IsNovaObject(const rapidjson::Value& value) {
  return value.IsObject() && value.HasMember("object") && value["object"].IsString() && value.HasMember("version") &&
         value["version"].IsString() && value.HasMember("fields");
}

std::string ObjectName(const rapidjson::Value& object) {
  return EscapeControls(JsonStringView(object["object"])) + " " + EscapeControls(JsonStringView(object["version"]));
}

// Every Nova object in `value`, nested ones too, as "Name version".
void CollectObjects(const rapidjson::Value& value, std::set<std::string>& out) {
  if (value.IsArray()) {
    for (const auto& element : value.GetArray()) CollectObjects(element, out);
  } else if (value.IsObject()) {
    if (IsNovaObject(value)) out.insert(ObjectName(value));
    for (const auto& member : value.GetObject()) CollectObjects(member.value, out);
  }
}

std::string Joined(const std::set<std::string>& values) {
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

std::string StringMember(const rapidjson::Value& entry, const char* key) {
  const auto found = entry.FindMember(key);
  return found != entry.MemberEnd() && found->value.IsString() ? EscapeControls(JsonStringView(found->value)) : "";
}

}  // namespace

std::string JsonShape(const rapidjson::Value& value) {
  if (value.IsNull()) return "null";
  if (value.IsBool()) return "bool";
  if (value.IsNumber()) return "number";
  if (value.IsString()) return "string";
  if (value.IsArray()) {
    std::set<std::string> elements;
    for (const auto& element : value.GetArray()) elements.insert(JsonShape(element));
    std::string out = "[";
    for (const std::string& e : elements) out += (out.size() == 1 ? "" : "|") + e;
    return out + "]";
  }
  if (IsNovaObject(value)) return ObjectName(value);
  std::map<std::string, std::string> members;
  for (const auto& member : value.GetObject()) {
    members[EscapeControls(JsonStringView(member.name))] = JsonShape(member.value);
  }
  std::string out = "{";
  for (const auto& [key, shape] : members) out += (out.size() == 1 ? "" : ", ") + key + ": " + shape;
  return out + "}";
}

MessageShape ShapeOf(const rpc::TraceRecord& record, const DecodedMessage& decoded) {
  MessageShape shape;
  const rapidjson::Value& entry = decoded.entry;
  const std::string& kind = decoded.kind;
  if (kind == "call" || kind == "cast" || kind == "fanout") {
    shape.kind = kind + " " + EscapeControls(RequestTopic(record)) + " " + StringMember(entry, "method");
    shape.facets["version"].insert(entry.HasMember("version") ? StringMember(entry, "version") : "(none: 1.0)");
    if (entry.HasMember("namespace")) shape.facets["namespace"].insert(StringMember(entry, "namespace"));
    if (entry.HasMember("args") && entry["args"].IsObject()) {
      auto& keys = shape.facets["argument keys"];
      for (const auto& member : entry["args"].GetObject()) keys.insert(EscapeControls(JsonStringView(member.name)));
    }
  } else if (kind == "notification") {
    shape.kind = "notification " + StringMember(entry, "event_type");
  } else if (kind == "reply") {
    const bool paired = entry.HasMember("call") && entry["call"].IsObject();
    shape.kind = "reply " + (paired ? StringMember(entry["call"], "method") : std::string("(unpaired)"));
    if (entry.HasMember("failure") && entry["failure"].IsObject()) {
      const rapidjson::Value& failure = entry["failure"];
      const std::string module = StringMember(failure, "module");
      shape.facets["reply"].insert("failure " + (module.empty() ? "" : module + ".") + StringMember(failure, "class"));
    } else {
      shape.facets["reply"].insert(entry.HasMember("result") ? JsonShape(entry["result"]) : "null");
    }
  } else {
    return shape;  // raw: left out
  }
  if (kind != "reply") {
    auto& keys = shape.facets["context keys"];
    for (const std::string_view key : decoded.context_keys) keys.insert(EscapeControls(key));
  }
  std::set<std::string> objects;
  for (const char* key : {"args", "result", "payload"}) {
    if (entry.HasMember(key)) CollectObjects(entry[key], objects);
  }
  if (!objects.empty()) shape.facets["objects"] = std::move(objects);
  return shape;
}

void TraceShape::Add(const rpc::TraceRecord& record) {
  std::optional<DecodedMessage> decoded = decoder_.Next(record);
  if (!decoded) return;
  MessageShape shape = ShapeOf(record, *decoded);
  if (shape.kind.empty()) return;
  Facets& facets = kinds_[shape.kind];
  for (auto& [facet, values] : shape.facets) facets[facet].merge(values);
}

std::vector<std::string> DiffShapes(const TraceShape& a, const TraceShape& b) {
  std::set<std::string> kinds;
  for (const auto& [kind, _] : a.kinds()) kinds.insert(kind);
  for (const auto& [kind, _] : b.kinds()) kinds.insert(kind);
  std::vector<std::string> lines;
  for (const std::string& kind : kinds) {
    const auto in_a = a.kinds().find(kind), in_b = b.kinds().find(kind);
    if (in_a == a.kinds().end() || in_b == b.kinds().end()) {
      lines.push_back(kind + ": only in " + (in_a == a.kinds().end() ? "B" : "A"));
      continue;
    }
    std::set<std::string> facets;
    for (const auto& [facet, _] : in_a->second) facets.insert(facet);
    for (const auto& [facet, _] : in_b->second) facets.insert(facet);
    for (const std::string& facet : facets) {
      static const std::set<std::string> kNone;
      const auto fa = in_a->second.find(facet), fb = in_b->second.find(facet);
      const std::set<std::string>& va = fa == in_a->second.end() ? kNone : fa->second;
      const std::set<std::string>& vb = fb == in_b->second.end() ? kNone : fb->second;
      if (va == vb) continue;
      std::set<std::string> only_a, only_b;
      std::set_difference(va.begin(), va.end(), vb.begin(), vb.end(), std::inserter(only_a, only_a.end()));
      std::set_difference(vb.begin(), vb.end(), va.begin(), va.end(), std::inserter(only_b, only_b.end()));
      std::string line = kind + ": " + facet + ":";
      if (!only_a.empty()) line += " only in A: " + Joined(only_a) + (only_b.empty() ? "" : ";");
      if (!only_b.empty()) line += " only in B: " + Joined(only_b);
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

}  // namespace agent::trace
