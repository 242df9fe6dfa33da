// CallArgs: the keyword arguments of one call to a serve endpoint, read as
// the Python method `def name(self, ctxt, a=None, b=False, ...)` would take
// them: an argument the method does not have is Python's TypeError
// ("<name>() got an unexpected keyword argument '<arg>'", module builtins,
// as oslo reports it); a value of the wrong JSON type is InvalidArguments
// (bdm_agent.exception) naming the argument. Borrows the CallInput for the
// length of the handler.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "rpc/remote_error.h"
#include "rpc/rpc_dispatcher.h"

namespace agent::serve {

class CallArgs {
 public:
  CallArgs(std::string_view method, const rpc::CallInput& input) : method_(method), input_(input) {}

  // The failure for the first argument not in `accepted`, if any.
  std::optional<rpc::RemoteFailure> Unexpected(std::initializer_list<std::string_view> accepted) const;

  // A string argument; nullopt when absent or null. Any other type is a failure.
  std::optional<rpc::RemoteFailure> String(std::string_view name, std::optional<std::string>& out) const;
  // A boolean argument; `out` unchanged when absent or null.
  std::optional<rpc::RemoteFailure> Bool(std::string_view name, bool& out) const;
  // A number argument (its text, Python format); nullopt when absent or null.
  std::optional<rpc::RemoteFailure> Number(std::string_view name, std::optional<std::string>& out) const;
  // A JSON object argument (its text, Python format); nullopt when absent or null.
  std::optional<rpc::RemoteFailure> Object(std::string_view name, std::optional<std::string>& out) const;

 private:
  rpc::RemoteFailure WrongType(std::string_view name, std::string_view expected) const;

  std::string_view method_;
  const rpc::CallInput& input_;
};

}  // namespace agent::serve
