#include "agent/serve/call_args.h"

#include <algorithm>

#include "agent/serve/failure_classes.h"

namespace agent::serve {

std::optional<rpc::RemoteFailure> CallArgs::Unexpected(std::initializer_list<std::string_view> accepted) const {
  for (const rpc::JsonMember& member : input_.args) {
    if (std::find(accepted.begin(), accepted.end(), member.key) == accepted.end()) {
      return rpc::MakeRemoteFailure("TypeError", "builtins",
                                    std::string(method_) + "() got an unexpected keyword argument '" + member.key +
                                        "'");
    }
  }
  return std::nullopt;
}

rpc::RemoteFailure CallArgs::WrongType(std::string_view name, std::string_view expected) const {
  return InvalidArgumentsFailure(std::string(method_) + "(): argument '" + std::string(name) + "' must be " +
                                 std::string(expected) + " or null");
}

std::optional<rpc::RemoteFailure> CallArgs::String(std::string_view name, std::optional<std::string>& out) const {
  const rpc::JsonPart* value = input_.Arg(name);
  out.reset();
  if (value == nullptr || value->kind == rpc::JsonKind::kNull) return std::nullopt;
  if (value->kind != rpc::JsonKind::kString) return WrongType(name, "a string");
  out = value->string_value;
  return std::nullopt;
}

std::optional<rpc::RemoteFailure> CallArgs::Bool(std::string_view name, bool& out) const {
  const rpc::JsonPart* value = input_.Arg(name);
  if (value == nullptr || value->kind == rpc::JsonKind::kNull) return std::nullopt;
  if (value->kind != rpc::JsonKind::kBool) return WrongType(name, "true or false");
  out = value->json == "true";
  return std::nullopt;
}

std::optional<rpc::RemoteFailure> CallArgs::Number(std::string_view name, std::optional<std::string>& out) const {
  const rpc::JsonPart* value = input_.Arg(name);
  out.reset();
  if (value == nullptr || value->kind == rpc::JsonKind::kNull) return std::nullopt;
  if (value->kind != rpc::JsonKind::kNumber) return WrongType(name, "a number");
  out = value->json;
  return std::nullopt;
}

std::optional<rpc::RemoteFailure> CallArgs::Object(std::string_view name, std::optional<std::string>& out) const {
  const rpc::JsonPart* value = input_.Arg(name);
  out.reset();
  if (value == nullptr || value->kind == rpc::JsonKind::kNull) return std::nullopt;
  if (value->kind != rpc::JsonKind::kObject) return WrongType(name, "an object");
  out = value->json;
  return std::nullopt;
}

}  // namespace agent::serve
