// RemoteFailure: the exception an oslo.messaging RPC server reports in the
// `failure` field of a reply (oslo_messaging/_drivers/common.py,
// serialize_remote_exception / deserialize_remote_exception).
//
// On the wire `failure` is a JSON *string* holding a JSON object:
//   {"class": ..., "module": ..., "message": ..., "tb": [...], "args": [...], "kwargs": {...}}
// with the keys in that order, written by Python's json.dumps.
//
// Decoding is as lenient as oslo's client, which reads every field with a
// default: a missing (or null) field takes the default below. What oslo could
// not use is refused: text that is not JSON, a non-object, or a field of the
// wrong type. Decoding never throws on peer data; it returns kCorrupt.
//
// Encoding (for a future RPC server) writes what oslo writes, including its
// rule for re-raised remote exceptions: when both the class and the module end
// in "_Remote", that suffix is removed from both.
//
// Everything here is a plain value without shared state; safe to use from
// several threads on different objects.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace rpc {

struct RemoteFailure {
  std::string class_name;               // "class": "UnsupportedVersion", "NoSuchMethod", "TypeError" ...
  std::string module;                   // "module": "oslo_messaging.rpc.dispatcher", "builtins" ...
  std::string message;                  // "message": str(exception)
  std::vector<std::string> traceback;   // "tb": traceback.format_exception lines, each ending in "\n"
  std::string args_json = "[]";         // "args": a JSON array, in Python's json.dumps format
  std::string kwargs_json = "{}";       // "kwargs": a JSON object (Nova adds "code"), same format

  // One line naming the remote class the way Python's traceback does:
  // "oslo_messaging.rpc.dispatcher.UnsupportedVersion: Endpoint does not ...".
  // Builtin exceptions are not qualified ("TypeError: ..."); line breaks and
  // other control characters in the message become spaces.
  std::string Summary() const;

  // Status::RemoteError(Summary()).
  base::Status ToStatus() const;
};

// Decodes the string carried in a reply's `failure` field. Returns kCorrupt
// when it is not a JSON object or a field has the wrong type
// (class/module/message: string; tb: array of strings; args: array;
// kwargs: object). args_json/kwargs_json come back in Python's format.
base::Result<RemoteFailure> DecodeRemoteFailure(std::string_view failure_json);

// Encodes `failure` as the string for a reply's `failure` field, byte for
// byte as oslo.messaging would. Returns kInvalidInput when args_json is not a
// JSON array, kwargs_json not a JSON object, or a string is not UTF-8.
base::Result<std::string> EncodeRemoteFailure(const RemoteFailure& failure);

}  // namespace rpc
