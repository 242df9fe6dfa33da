// Envelope: the outer layer of every oslo.messaging message body on
// RabbitMQ (oslo_messaging/_drivers/common.py serialize_msg/deserialize_msg):
//
//   {"oslo.version": "2.0", "oslo.message": "<the inner message as a JSON string>"}
//
// Wrap puts a message in it exactly as Python does (json.dumps of that dict:
// ensure_ascii escaping, separators ", " and ": "); Unwrap takes it off as
// deserialize_msg does, and also takes a legacy 1.0 body (an object without
// both keys: the object is the message itself). What the inner message holds
// (requests and replies) is rpc/rpc_codec.h's business; the JSON dialect is
// rpc/python_json.h's, whose refusals apply to bodies too.
//
// A body from the wire is data: every problem is a kCorrupt Status with a
// one-line message, never an exception. Pure functions, no state; safe from
// several threads.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace rpc {

inline constexpr std::string_view kEnvelopeVersion = "2.0";

enum class EnvelopeForm {
  kV2,        // {"oslo.version": ..., "oslo.message": "..."}
  kLegacyV1,  // an object without both keys: the object is the message itself
};

struct UnwrappedMessage {
  EnvelopeForm form = EnvelopeForm::kV2;
  std::string message_json;  // the inner message as JSON text
};

// The 2.0 body that carries `message_json` (put in as a string, whatever it
// holds), byte for byte as oslo.messaging writes it. kInvalidInput when
// `message_json` is not UTF-8.
base::Result<std::string> Wrap(std::string_view message_json);

// Takes the envelope off a message body, as deserialize_msg does. kCorrupt
// when the body is not a JSON object, oslo.version is not a string or not
// compatible with 2.0 (same major, minor <= 0), or oslo.message is not a
// string.
base::Result<UnwrappedMessage> Unwrap(std::string_view body);

}  // namespace rpc
