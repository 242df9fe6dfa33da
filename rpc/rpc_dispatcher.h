// RpcDispatcher: picks the handler for an incoming oslo.messaging request the
// way RPCDispatcher.dispatch does (oslo_messaging/rpc/dispatcher.py, 14.0.3):
//
// * endpoints are tried in order; an endpoint takes part when the request's
//   namespace equals the endpoint's (both may be absent) and the request's
//   version (absent: "1.0") is compatible with the endpoint's version: same
//   major, requested minor <= endpoint's, and at equal minor the revision
//   (third part, default 0) <= endpoint's (oslo _utils.version_is_compatible);
// * the first taking-part endpoint that has the method runs it; a method
//   whose name starts with "_" is never run (oslo's DefaultRPCAccessPolicy);
// * when some endpoint took part but none has the method the result is
//   oslo's NoSuchMethod ("Endpoint does not support RPC method <m>"), when
//   none took part UnsupportedVersion ("Endpoint does not support RPC version
//   <v>. Attempted method: <m>"), both of module
//   "oslo_messaging.rpc.dispatcher", as a Python server sends them;
// * a version Python's int() cannot read fails as Python's does: ValueError
//   ("invalid literal for int() with base 10: '<part>'") or IndexError ("list
//   index out of range") for a version without a minor part.
//
// Handlers are plain functions of the decoded context and keyword
// arguments; they return a HandlerResult: a JSON value, or a RemoteFailure
// the client re-raises (its class and module are what the Python client
// names). A handler that throws std::exception (a bug) is reported to the
// caller as a builtins RuntimeError, as oslo reports any exception.
//
// oslo's own ping (PingEndpoint, added when [DEFAULT] rpc_ping_enabled is
// true) is OsloPingEndpoint(): no namespace, version 1.0, method
// oslo_rpc_server_ping taking any keyword arguments and returning "pong".
//
// The dispatcher owns its endpoints; Dispatch is const and may be called from
// several threads at once (RpcServer's workers do) if the handlers allow it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rpc/python_json.h"
#include "rpc/remote_error.h"
#include "rpc/rpc_codec.h"

namespace rpc {

inline constexpr std::string_view kOsloDispatcherModule = "oslo_messaging.rpc.dispatcher";

// What a handler (or the dispatcher) answers: `result_json` (Python-format
// JSON, any value) when `failure` is unset, else the failure.
struct HandlerResult {
  std::string result_json = "null";
  std::optional<RemoteFailure> failure;

  static HandlerResult Return(std::string result_json);
  static HandlerResult Raise(RemoteFailure failure);
};

// The failure oslo's serialize_remote_exception writes for an exception of
// `class_name` from `module` built with the one argument `message`: message
// as given, args [message], kwargs {}, and tb the last line of Python's
// traceback ("<module>.<class>: <message>\n"; builtins unqualified).
RemoteFailure MakeRemoteFailure(std::string class_name, std::string module, std::string message);

// What a handler gets; borrowed for the duration of the call.
struct CallInput {
  const std::string& context_json;     // the _context_* keys without the prefix
  const std::vector<JsonMember>& args; // the keyword arguments, Python format
  const RpcRequest& request;           // the whole decoded request
  // Requested when the server no longer waits for this handler (a shutdown
  // past its grace period): a long handler should stop at its next safe
  // point and return.
  std::stop_token cancel = {};
  // The argument `name`, or nullptr when the caller did not pass it.
  const JsonPart* Arg(std::string_view name) const;
};

using Handler = std::function<HandlerResult(const CallInput&)>;

struct Endpoint {
  std::optional<std::string> namespace_;  // Target.namespace (absent: None)
  std::string version = "1.0";            // Target.version (oslo: None means "1.0")
  std::map<std::string, Handler, std::less<>> methods;
};

// oslo's version_is_compatible(implemented, requested). kInvalidInput with
// Python's exception text ("ValueError: ..." / "IndexError: ...") when a part
// is not an integer to Python's int() or a minor part is missing.
base::Result<bool> VersionIsCompatible(std::string_view implemented, std::string_view requested);

inline constexpr std::string_view kOsloPingMethod = "oslo_rpc_server_ping";
Endpoint OsloPingEndpoint();

class RpcDispatcher {
 public:
  explicit RpcDispatcher(std::vector<Endpoint> endpoints);

  // Runs the handler `request` names, or returns the failure oslo's
  // dispatcher would raise. request.args_json must be a JSON object (as
  // DecodeRequest guarantees); otherwise a builtins TypeError failure.
  // `cancel` is passed on to the handler (CallInput::cancel).
  HandlerResult Dispatch(const RpcRequest& request, std::stop_token cancel = {}) const;

  const std::vector<Endpoint>& endpoints() const { return endpoints_; }

 private:
  std::vector<Endpoint> endpoints_;
};

}  // namespace rpc
