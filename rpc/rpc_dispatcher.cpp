#include "rpc/rpc_dispatcher.h"

#include <exception>
#include <utility>

namespace rpc {
namespace {

bool IsPythonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// repr() of a str as Python prints it for plain text: single quotes unless
// the text holds a single quote and no double quote.
std::string PythonRepr(std::string_view text) {
  const bool double_quotes = text.find('\'') != std::string_view::npos && text.find('"') == std::string_view::npos;
  const char quote = double_quotes ? '"' : '\'';
  std::string out(1, quote);
  for (char c : text) {
    if (c == '\\' || c == quote) out += '\\';
    out += c;
  }
  out += quote;
  return out;
}

// Python's int(text) for base 10: surrounding whitespace, a sign, digits with
// single underscores between them. nullopt when Python raises ValueError (or,
// here only, when the value does not fit 64 bits).
std::optional<long long> PythonInt(std::string_view text) {
  while (!text.empty() && IsPythonSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsPythonSpace(text.back())) text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text.front() == '_' || text.back() == '_') return std::nullopt;
  long long value = 0;
  char previous = 0;
  for (char c : text) {
    if (c == '_') {
      if (previous == '_') return std::nullopt;
    } else if (c >= '0' && c <= '9') {
      if (value > (9223372036854775807LL - (c - '0')) / 10) return std::nullopt;
      value = value * 10 + (c - '0');
    } else {
      return std::nullopt;
    }
    previous = c;
  }
  return negative ? -value : value;
}

std::vector<std::string_view> SplitDots(std::string_view text) {
  std::vector<std::string_view> parts;
  while (true) {
    auto dot = text.find('.');
    parts.push_back(text.substr(0, dot));
    if (dot == std::string_view::npos) return parts;
    text.remove_prefix(dot + 1);
  }
}

base::Result<long long> IntPart(std::string_view part) {
  auto value = PythonInt(part);
  if (!value) return base::Status::InvalidInput("ValueError: invalid literal for int() with base 10: " + PythonRepr(part));
  return *value;
}

base::Status IndexError() { return base::Status::InvalidInput("IndexError: list index out of range"); }

// Splits "Kind: text" made by VersionIsCompatible into a builtins failure.
RemoteFailure PythonFailure(const base::Status& status) {
  const std::string& text = status.message();
  auto colon = text.find(": ");
  return MakeRemoteFailure(text.substr(0, colon), "builtins", text.substr(colon + 2));
}

}  // namespace

HandlerResult HandlerResult::Return(std::string result_json) { return HandlerResult{std::move(result_json), {}}; }

HandlerResult HandlerResult::Raise(RemoteFailure failure) { return HandlerResult{"null", std::move(failure)}; }

RemoteFailure MakeRemoteFailure(std::string class_name, std::string module, std::string message) {
  RemoteFailure failure;
  const bool builtin = module.empty() || module == "builtins";
  failure.traceback.push_back((builtin ? class_name : module + "." + class_name) + ": " + message + "\n");
  auto quoted = PythonJsonString(message);
  failure.args_json = "[" + (quoted.ok() ? *quoted : std::string("\"\"")) + "]";
  failure.kwargs_json = "{}";
  failure.class_name = std::move(class_name);
  failure.module = std::move(module);
  failure.message = std::move(message);
  return failure;
}

const JsonPart* CallInput::Arg(std::string_view name) const {
  for (const JsonMember& member : args) {
    if (member.key == name) return &member.value;
  }
  return nullptr;
}

base::Result<bool> VersionIsCompatible(std::string_view implemented, std::string_view requested) {
  const auto version = SplitDots(requested);
  const auto imp = SplitDots(implemented);
  const std::string_view rev = version.size() > 2 ? version[2] : "0";
  const std::string_view imp_rev = imp.size() > 2 ? imp[2] : "0";
  BASE_TRY_ASSIGN(long long major, IntPart(version[0]));
  BASE_TRY_ASSIGN(long long imp_major, IntPart(imp[0]));
  if (major != imp_major) return false;
  if (version.size() < 2 || imp.size() < 2) return IndexError();
  BASE_TRY_ASSIGN(long long minor, IntPart(version[1]));
  BASE_TRY_ASSIGN(long long imp_minor, IntPart(imp[1]));
  if (minor > imp_minor) return false;
  if (minor == imp_minor) {
    BASE_TRY_ASSIGN(long long revision, IntPart(rev));
    BASE_TRY_ASSIGN(long long imp_revision, IntPart(imp_rev));
    if (revision > imp_revision) return false;
  }
  return true;
}

Endpoint OsloPingEndpoint() {
  Endpoint endpoint;  // Target(): namespace None, version "1.0"
  endpoint.methods[std::string(kOsloPingMethod)] = [](const CallInput&) { return HandlerResult::Return("\"pong\""); };
  return endpoint;
}

RpcDispatcher::RpcDispatcher(std::vector<Endpoint> endpoints) : endpoints_(std::move(endpoints)) {}

HandlerResult RpcDispatcher::Dispatch(const RpcRequest& request, std::stop_token cancel) const {
  const std::string version = request.version.value_or("1.0");
  auto args = request.json_trusted ? SplitTrustedJsonObject(request.args_json) : SplitJsonObject(request.args_json);
  if (!args.ok()) {
    return HandlerResult::Raise(MakeRemoteFailure("TypeError", "builtins", "args: " + args.error().message()));
  }
  bool found_compatible = false;
  for (const Endpoint& endpoint : endpoints_) {
    if (endpoint.namespace_ != request.namespace_) continue;
    auto compatible = VersionIsCompatible(endpoint.version, version);
    if (!compatible.ok()) return HandlerResult::Raise(PythonFailure(compatible.error()));
    if (!*compatible) continue;
    found_compatible = true;
    if (request.method.empty() || request.method.front() == '_') continue;
    auto method = endpoint.methods.find(request.method);
    if (method == endpoint.methods.end()) continue;
    CallInput input{request.context_json, *args, request, std::move(cancel)};
    try {
      return method->second(input);
    } catch (const std::exception& error) {
      return HandlerResult::Raise(MakeRemoteFailure("RuntimeError", "builtins", error.what()));
    }
  }
  if (found_compatible) {
    return HandlerResult::Raise(MakeRemoteFailure("NoSuchMethod", std::string(kOsloDispatcherModule),
                                                  "Endpoint does not support RPC method " + request.method));
  }
  std::string message = "Endpoint does not support RPC version " + version;
  if (!request.method.empty()) message += ". Attempted method: " + request.method;
  return HandlerResult::Raise(
      MakeRemoteFailure("UnsupportedVersion", std::string(kOsloDispatcherModule), std::move(message)));
}

}  // namespace rpc
