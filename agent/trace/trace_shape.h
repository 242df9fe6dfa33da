// The shape of a trace, for `bdm-agent trace diff`: what a developer
// compares between two recordings of Nova's RPC, with what always differs
// (ids, times, tokens, uuids, hosts, values) and how many times a message
// of one shape was seen left out.
//
// Each decoded message (trace_decoder.h) falls under a kind of message:
// "<kind> <topic> <method>" for requests ("call compute
// remove_volume_connection"; the topic without the host, so that other
// hosts compare equal), "notification <event_type>", "reply
// <method of its call>" ("reply (unpaired)" when the call is not in the
// trace). Bodies that are not oslo messages are left out. Each kind
// collects, over all its messages, the sets of:
//   version, namespace          requests
//   argument keys               requests (the top-level keyword names)
//   context keys                requests, notifications (_context_* keys)
//   objects                     "Name version" of every Nova object in the
//                               arguments, payload or result, nested ones too
//   reply                       replies: "failure <module.Class>", or the
//                               result's type shape: null, bool, number,
//                               string, [elements], {key: shape, ...} with
//                               keys sorted, a Nova object as "Name version"
// Pure; not thread-safe (one TraceShape per thread).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "agent/trace/trace_decoder.h"

namespace agent::trace {

// facet ("version", "argument keys", ...) -> the values seen.
using Facets = std::map<std::string, std::set<std::string>>;

// The kind of message (above) and facets of `decoded`, the decoded
// `record`; the kind is empty for a message left out.
struct MessageShape {
  std::string kind;
  Facets facets;
};

MessageShape ShapeOf(const rpc::TraceRecord& record, const DecodedMessage& decoded);

// The type shape of a JSON value with Nova objects expanded (object_view.h).
std::string JsonShape(const rapidjson::Value& value);

class TraceShape {
 public:
  // Only the messages `selection` keeps (trace_decoder.h).
  explicit TraceShape(DecodeSelection selection = {}) : decoder_(Secrets::kMask, std::move(selection)) {}

  void Add(const rpc::TraceRecord& record);
  const std::map<std::string, Facets>& kinds() const { return kinds_; }

 private:
  TraceDecoder decoder_;
  std::map<std::string, Facets> kinds_;
};

// What differs between `a` and `b`, one line each, in the order of the
// kinds of message: "<kind>: only in A", "<kind>: <facet>: A {..} B {..}"
// (the values each side has that the other has not). Empty: nothing that
// matters differs.
std::vector<std::string> DiffShapes(const TraceShape& a, const TraceShape& b);

}  // namespace agent::trace
