// The RPC codec: the requests and replies of Nova's RPC as oslo.messaging writes
// them inside the envelope (rpc/envelope.h): RPCClient._make_message plus
// AMQPDriverBase._send for requests, AMQPIncomingMessage._send_reply for
// replies, amqp.py pack_context/unpack_context for the request context.
//
// Encoding writes exactly what Python writes: keys in the order oslo builds
// its dicts, json.dumps separators ", " and ": ", and ensure_ascii escaping
// (non-ASCII as lowercase \uXXXX, UTF-16 surrogate pairs above the BMP,
// DEL as \u007f). Decoding a 2.0 body that oslo.messaging wrote and encoding
// the result again gives the same bytes (the golden vectors do). Bodies
// Python would not write may come back different but equivalent: unknown
// keys and null namespace/_msg_id/_reply_q/_unique_id are dropped, a call
// without _timeout gains "_timeout": null, a float _timeout with no fraction
// loses its ".0", a legacy 1.0 body comes back enveloped.
//
// Decoding follows Python's json.loads: an object that repeats a key keeps
// the last value at the first key's position; NaN/Infinity are accepted;
// integers keep every digit. It refuses a few texts Python's json module
// takes: a lone high surrogate escape ("\ud800"), a number whose magnitude
// is beyond 1e308 as written (Python: inf, or an exact int), nesting deeper
// than kMaxJsonDepth; and, like kombu's strict decode, invalid UTF-8 and
// encoded surrogates in the raw text. The JSON dialect itself, and what
// "trusted" text is, are in rpc/python_json.h.
//
// A decoded request also carries what its readers would otherwise parse
// again (RpcRequest::args_index, context_members), made in the pass that
// checked the message.
//
// A body from the wire is data: every problem is a kCorrupt Status with a
// one-line message, never an exception. Nothing here keeps state between
// calls; all functions are safe to call from several threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rpc/python_json.h"
#include "rpc/python_json_index.h"
#include "rpc/remote_error.h"

namespace rpc {

// A request (a call when msg_id is set, a cast otherwise), as
// RPCClient._make_message plus AMQPDriverBase._send builds it.
struct RpcRequest {
  std::string method;
  std::optional<std::string> namespace_;  // Target.namespace; Nova's compute API: none
  std::optional<std::string> version;     // absent means "1.0" to a server
  std::string args_json = "{}";           // JSON object of keyword arguments
  std::string context_json = "{}";        // JSON object: the _context_* keys without the prefix
  // Set when args_json and context_json are trusted (rpc/python_json.h):
  // the output of that family's writers or checks (ToPythonJson), or of
  // DecodeRequest, which sets it. EncodeRequest then writes them as they are
  // instead of checking them again (a pass over every byte of both).
  bool json_trusted = false;
  // DecodeRequest, for readers that would otherwise parse again: the index
  // of args_json (rpc/python_json_index.h) and the members of context_json
  // (empty when the message had to be re-rendered), both made in the pass
  // that checked the message. Their views point into decoded_text (the
  // decoded message, kept alive here), not into args_json/context_json.
  // Not read by EncodeRequest.
  JsonIndex args_index;
  std::vector<JsonMemberView> context_members;
  std::shared_ptr<const std::string> decoded_text;
  std::optional<std::string> msg_id;      // calls only: uuid4 hex
  std::optional<std::string> reply_q;     // calls only: "reply_<uuid4 hex>"
  std::optional<double> timeout;          // calls only: call-monitor seconds; written as null when absent
  std::string unique_id;                  // uuid4 hex; empty when a decoded message had none
  // Set by RpcServer: the broker redelivered this message (an earlier
  // consumer took it and did not ack it, e.g. a server killed mid-request).
  // Not on the wire; EncodeRequest ignores it.
  bool redelivered = false;
};

// The body for `request`. kInvalidInput when method or unique_id is empty,
// args_json/context_json is not a JSON object (when json_trusted is set,
// only their outer shape is looked at), msg_id and reply_q are not
// both set or both unset, timeout is set on a cast or is not finite, or a
// string is not UTF-8.
base::Result<std::string> EncodeRequest(const RpcRequest& request);

// Decodes a request body (2.0 envelope or legacy 1.0). kCorrupt when Unwrap
// fails, the message is not a JSON object, method is missing or not a string,
// args is missing or not an object, a known key has the wrong type
// (namespace/_msg_id/_reply_q/_unique_id: string or null; version: string;
// _timeout: finite number or null), or _msg_id and _reply_q do not come
// together. args_json and context_json come back trusted (json_trusted).
base::Result<RpcRequest> DecodeRequest(std::string_view body);

// The answer to a call (AMQPIncomingMessage._send_reply).
struct RpcReply {
  std::string result_json = "null";      // the return value, any JSON
  std::optional<RemoteFailure> failure;  // set: the call raised
  bool ending = true;                    // false: a call-monitor heartbeat
  std::string msg_id;                    // the request's _msg_id
  std::string unique_id;                 // uuid4 hex; empty when a decoded reply had none
};

// The body for `reply`. kInvalidInput when msg_id or unique_id is empty,
// result_json is not JSON, or EncodeRemoteFailure refuses the failure.
base::Result<std::string> EncodeReply(const RpcReply& reply);

// Decodes a reply body. kCorrupt when Unwrap fails, the message is not a
// JSON object, `failure` is missing (Python's waiter would raise KeyError) or
// is neither null nor a string DecodeRemoteFailure accepts, `ending` is
// missing or not a bool, or _msg_id is missing or not a string. An empty
// failure string means no failure, as in Python. A missing result is "null".
base::Result<RpcReply> DecodeReply(std::string_view body);

}  // namespace rpc
