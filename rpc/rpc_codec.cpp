#include "rpc/rpc_codec.h"

#include <cmath>
#include <memory>
#include <optional>
#include <utility>

#include "rpc/envelope.h"
#include "rpc/python_json_internal.h"

namespace rpc {
namespace {

base::Status Corrupt(std::string_view what, std::string_view detail) {
  return base::Status::Corrupt(std::string(what) + ": " + std::string(detail));
}

// One member of a decoded message: its decoded key, and its value as a view
// into trusted text (checked once, not copied): the message text itself when
// ScanPythonJson accepted it, else the members SplitJsonObject re-rendered.
struct Field {
  std::string_view key;                  // decoded
  JsonMemberView view;                   // key_literal: from the scan only, else empty
  const std::string* decoded = nullptr;  // kString from SplitJsonObject: its text

  std::string Text() const { return decoded != nullptr ? *decoded : view.StringValue(); }
};

// The members of a message, and what their views point into.
struct Fields {
  // On the heap, never moved, so that views into it outlive a move of the
  // request that keeps it (RpcRequest::decoded_text).
  std::shared_ptr<std::string> message = std::make_shared<std::string>();
  std::string& message_json = *message;
  JsonIndex args_index;  // the index of the args member's value, when the message was scanned
  std::vector<JsonMember> rendered;  // only when the message was re-rendered
  std::vector<std::string> keys;     // decoded keys that held an escape
  std::vector<Field> fields;
};

base::Status WrongType(std::string_view what, const Field& field, std::string_view expected) {
  return Corrupt(what, "'" + std::string(field.key) + "' is not " + std::string(expected) + ": " +
                           JsonExcerpt(field.view.json));
}

// The inner message's members, for DecodeRequest/DecodeReply, in `out`;
// with `index_member`, the index of that member's value too. The message
// text is checked once; the fields are views into it.
base::Status MessageFields(std::string_view body, std::string_view what, std::string_view index_member,
                           Fields& out) {
  BASE_TRY_ASSIGN(UnwrappedMessage unwrapped, Unwrap(body));
  out.message_json = std::move(unwrapped.message_json);
  std::vector<JsonMemberView> items;
  if (python_json_internal::ScanPythonJson(out.message_json, index_member, &items,
                                           index_member.empty() ? nullptr : &out.args_index) == JsonKind::kObject) {
    out.fields.reserve(items.size());
    out.keys.reserve(items.size());  // views into it must not move
    for (const JsonMemberView& item : items) {
      std::string_view key = item.key_literal;
      if (item.key_escaped) {
        python_json_internal::AppendUnescapedTrustedLiteral(item.key_literal, true, out.keys.emplace_back());
        key = out.keys.back();
      }
      out.fields.push_back(Field{key, item, nullptr});
    }
    return base::Status();
  }
  out.args_index = JsonIndex();  // what a failed scan left
  auto members = SplitJsonObject(out.message_json);
  if (!members.ok()) return Corrupt(what, "oslo.message is " + members.error().message());
  out.rendered = std::move(*members);
  out.fields.reserve(out.rendered.size());
  for (const JsonMember& member : out.rendered) {
    out.fields.push_back(Field{member.key, JsonMemberView{{}, false, member.value.kind, member.value.json, false},
                               &member.value.string_value});
  }
  return base::Status();
}

base::Result<std::optional<std::string>> StringOrNull(std::string_view what, const Field& field) {
  if (field.view.kind == JsonKind::kNull) return std::optional<std::string>();
  if (field.view.kind != JsonKind::kString) return WrongType(what, field, "a string");
  return std::optional<std::string>(field.Text());
}

// Python writes int timeouts without ".0"; Nova's call monitor uses int 60.
std::string FormatTimeout(double seconds) {
  if (seconds == std::floor(seconds) && std::fabs(seconds) < 1e15) {
    return std::to_string(static_cast<long long>(seconds));
  }
  std::string out;
  AppendPythonFloat(seconds, out);
  return out;
}

// The rule both directions share: a call carries _msg_id and _reply_q
// (and _timeout), a cast none of them.
std::optional<std::string> CallShapeProblem(const RpcRequest& request) {
  if (request.msg_id.has_value() != request.reply_q.has_value()) return "_msg_id and _reply_q must come together";
  if (!request.msg_id && request.timeout) return "a cast (no _msg_id) has a _timeout";
  if (request.timeout && !std::isfinite(*request.timeout)) return "_timeout is not finite";
  return std::nullopt;
}

}  // namespace

base::Result<std::string> EncodeRequest(const RpcRequest& request) {
  const auto invalid = [](std::string_view detail) {
    return base::Status::InvalidInput("RPC request: " + std::string(detail));
  };
  if (request.method.empty()) return invalid("method is empty");
  if (request.unique_id.empty()) return invalid("unique_id is empty");
  if (auto problem = CallShapeProblem(request)) return invalid(*problem);
  // Trusted text is used as it is; anything else is checked, and
  // re-rendered when it is not in Python's format, exactly as ToPythonJson
  // would.
  std::string_view args_json = request.args_json;
  std::string rendered_args;
  std::vector<JsonMemberView> context_items;
  context_items.reserve(32);  // Nova's 25 keys
  std::vector<JsonMember> context_members;
  if (request.json_trusted) {
    if (args_json.size() < 2 || args_json.front() != '{' || args_json.back() != '}') {
      return invalid("args_json is not a JSON object");
    }
    if (python_json_internal::SplitTrustedContainer(request.context_json, context_items) != JsonKind::kObject) {
      return invalid("context_json is not a JSON object in Python's format");
    }
  } else {
    std::optional<JsonKind> args_kind = python_json_internal::ScanPythonJson(args_json, nullptr);
    if (!args_kind) {
      auto args = ToPythonJson(request.args_json);
      if (!args.ok()) return invalid("args_json is " + args.error().message());
      args_kind = args->kind;
      rendered_args = std::move(args->json);
      args_json = rendered_args;
    }
    if (args_kind != JsonKind::kObject) return invalid("args_json is not a JSON object");
    if (python_json_internal::ScanPythonJson(request.context_json, &context_items) != JsonKind::kObject) {
      context_items.clear();
      auto context = SplitJsonObject(request.context_json);
      if (!context.ok()) return invalid("context_json is " + context.error().message());
      context_members = std::move(*context);
    }
  }

  // Room for the args, the context with its "_context_" prefixes and the rest.
  PythonJsonObjectWriter message(args_json.size() + request.context_json.size() + 512);
  message.String("method", request.method).TrustedJson("args", args_json);
  if (request.namespace_) message.String("namespace", *request.namespace_);
  if (request.version) message.String("version", *request.version);
  if (request.msg_id) {
    message.String("_msg_id", *request.msg_id).String("_reply_q", *request.reply_q);
    message.TrustedJson("_timeout", request.timeout ? FormatTimeout(*request.timeout) : "null");
  }
  message.String("_unique_id", request.unique_id);
  for (const JsonMemberView& item : context_items) {
    message.TrustedMember("_context_", item.key_literal, item.json);  // the key's literal is Python's already
  }
  for (const JsonMember& member : context_members) message.TrustedJson("_context_" + member.key, member.value.json);
  auto inner = std::move(message).Finish();
  if (!inner.ok()) return invalid(inner.error().message());
  return Wrap(*inner);
}

base::Result<RpcRequest> DecodeRequest(std::string_view body) {
  constexpr std::string_view kWhat = "RPC request";
  Fields message;
  BASE_TRY(MessageFields(body, kWhat, "args", message));
  RpcRequest request;
  bool has_method = false;
  bool has_args = false;
  PythonJsonObjectWriter context(1024);  // Nova's 25 keys: no growing
  for (const Field& field : message.fields) {
    const std::string_view key = field.key;
    if (key.starts_with("_context_")) {
      if (!field.view.key_literal.empty()) {
        JsonMemberView member = field.view;
        member.key_literal.remove_prefix(9);  // the prefix is plain ASCII
        context.TrustedMember({}, member.key_literal, member.json);
        if (request.context_members.empty()) request.context_members.reserve(32);  // Nova's 25 keys
        request.context_members.push_back(member);
      } else {
        context.TrustedJson(key.substr(9), field.view.json);
      }
    } else if (key == "method") {
      if (field.view.kind != JsonKind::kString) return WrongType(kWhat, field, "a string");
      request.method = field.Text();
      has_method = true;
    } else if (key == "args") {
      if (field.view.kind != JsonKind::kObject) return WrongType(kWhat, field, "an object");
      request.args_json.assign(field.view.json);
      has_args = true;
    } else if (key == "namespace") {
      BASE_TRY_ASSIGN(request.namespace_, StringOrNull(kWhat, field));
    } else if (key == "version") {
      if (field.view.kind != JsonKind::kString) return WrongType(kWhat, field, "a string");
      request.version = field.Text();
    } else if (key == "_msg_id") {
      BASE_TRY_ASSIGN(request.msg_id, StringOrNull(kWhat, field));
    } else if (key == "_reply_q") {
      BASE_TRY_ASSIGN(request.reply_q, StringOrNull(kWhat, field));
    } else if (key == "_unique_id") {
      BASE_TRY_ASSIGN(std::optional<std::string> unique_id, StringOrNull(kWhat, field));
      request.unique_id = unique_id.value_or("");
    } else if (key == "_timeout") {
      if (field.view.kind == JsonKind::kNumber) {
        request.timeout = PythonFloatValue(field.view.json);
      } else if (field.view.kind != JsonKind::kNull) {
        return WrongType(kWhat, field, "a number or null");
      }
    }
  }
  if (!has_method) return Corrupt(kWhat, "'method' is missing");
  if (!has_args) return Corrupt(kWhat, "'args' is missing");
  if (auto problem = CallShapeProblem(request)) return Corrupt(kWhat, *problem);
  auto context_json = std::move(context).Finish();
  if (!context_json.ok()) return Corrupt(kWhat, context_json.error().message());
  request.context_json = std::move(*context_json);
  request.json_trusted = true;
  if (!message.args_index.empty()) {
    request.args_index = std::move(message.args_index);
    request.decoded_text = message.message;
  } else {  // a re-rendered message (no context_members): its args are trusted now
    auto text = std::make_shared<const std::string>(request.args_json);
    BASE_TRY_ASSIGN(request.args_index, JsonIndex::BuildTrusted(*text));
    request.decoded_text = std::move(text);
  }
  return request;
}

base::Result<std::string> EncodeReply(const RpcReply& reply) {
  const auto invalid = [](std::string_view detail) {
    return base::Status::InvalidInput("RPC reply: " + std::string(detail));
  };
  if (reply.msg_id.empty()) return invalid("msg_id is empty");
  if (reply.unique_id.empty()) return invalid("unique_id is empty");
  auto result = ToPythonJson(reply.result_json);
  if (!result.ok()) return invalid("result_json is " + result.error().message());
  PythonJsonObjectWriter message;
  message.TrustedJson("result", result->json);
  if (reply.failure) {
    auto failure = EncodeRemoteFailure(*reply.failure);
    if (!failure.ok()) return invalid("failure: " + failure.error().message());
    message.String("failure", *failure);
  } else {
    message.Null("failure");
  }
  message.Bool("ending", reply.ending).String("_msg_id", reply.msg_id).String("_unique_id", reply.unique_id);
  auto inner = std::move(message).Finish();
  if (!inner.ok()) return invalid(inner.error().message());
  return Wrap(*inner);
}

base::Result<RpcReply> DecodeReply(std::string_view body) {
  constexpr std::string_view kWhat = "RPC reply";
  Fields message;
  BASE_TRY(MessageFields(body, kWhat, {}, message));
  RpcReply reply;
  bool has_failure = false;
  bool has_ending = false;
  bool has_msg_id = false;
  for (const Field& field : message.fields) {
    if (field.key == "result") {
      reply.result_json = field.view.json;
    } else if (field.key == "failure") {
      has_failure = true;
      BASE_TRY_ASSIGN(std::optional<std::string> failure, StringOrNull(kWhat, field));
      if (failure && !failure->empty()) {  // Python tests the string's truth
        auto decoded = DecodeRemoteFailure(*failure);
        if (!decoded.ok()) return Corrupt(kWhat, "failure: " + decoded.error().message());
        reply.failure = std::move(*decoded);
      }
    } else if (field.key == "ending") {
      if (field.view.kind != JsonKind::kBool) return WrongType(kWhat, field, "a bool");
      reply.ending = field.view.json == "true";
      has_ending = true;
    } else if (field.key == "_msg_id") {
      if (field.view.kind != JsonKind::kString) return WrongType(kWhat, field, "a string");
      reply.msg_id = field.Text();
      has_msg_id = true;
    } else if (field.key == "_unique_id") {
      BASE_TRY_ASSIGN(std::optional<std::string> unique_id, StringOrNull(kWhat, field));
      reply.unique_id = unique_id.value_or("");
    }
  }
  if (!has_failure) return Corrupt(kWhat, "'failure' is missing");
  if (!has_ending) return Corrupt(kWhat, "'ending' is missing");
  if (!has_msg_id) return Corrupt(kWhat, "'_msg_id' is missing");
  return reply;
}

}  // namespace rpc
