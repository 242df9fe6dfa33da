// Decoding of one traced message (rpc::TraceRecord) for `bdm-agent trace
// decode`: what an oslo.messaging body says, as a JSON entry a person or a
// script reads. Knows oslo's envelope, requests, replies and notifications
// and Nova's versioned objects; nothing here reads a file or a broker.
//
// The entry (an object, keys in this order, absent when not applicable):
//   time (UTC, ISO 8601 with nanoseconds), t_ns, event, exchange,
//   routing_key, queue (deliver events whose queue is known), kind: "call" | "cast" | "fanout" | "reply" |
//   "notification" | "raw",
//   requests: method, version, namespace, msg_id, reply_q, timeout,
//     context {request_id, user, project, roles, auth_token?}, args;
//   replies: msg_id, ending, result, failure {class, module, message};
//   notifications: event_type, publisher_id, priority, message_id,
//     context, payload;
//   raw: why (why it is not an oslo message), body (the body as text,
//     invalid UTF-8 bytes as \ufffd).
// args, result and payload have Nova versioned objects expanded
// (object_view.h). Unless secrets are shown, every key the `show` masking
// rule names (agent/secret_mask.h) is masked, at any depth and inside JSON
// held in strings; the context's auth_token is such a key.
//
// A body that is not an oslo message is never an error: it is kind "raw".
// Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "rpc/trace_file.h"

namespace agent::trace {

enum class Secrets { kMask, kShow };

struct DecodedMessage {
  rapidjson::Document entry;       // as above
  std::string kind;                // entry's kind
  std::optional<std::string> method;
  std::optional<std::string> msg_id;
  // Requests, notifications: every _context_* key (prefix off), in order;
  // views of the names the entry's allocator holds, valid while `entry` lives.
  std::vector<std::string_view> context_keys;
};

DecodedMessage DecodeMessage(const rpc::TraceRecord& record, Secrets secrets);

// "2026-12-03T13:40:01.123456789Z" for nanoseconds since the Unix epoch.
std::string FormatTime(std::int64_t t_ns);

}  // namespace agent::trace
