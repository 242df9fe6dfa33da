#include "rpc/remote_error.h"

#include <utility>

#include "rpc/python_json.h"

namespace rpc {
namespace {

constexpr std::string_view kRemoteSuffix = "_Remote";

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

base::Status WrongType(const JsonMember& member, std::string_view expected) {
  return base::Status::Corrupt("remote failure: '" + member.key + "' is not " + std::string(expected) + ": " +
                               JsonExcerpt(member.value.json));
}

// A string field; null keeps the default (""), as failure.get() would.
base::Result<std::string> StringField(const JsonMember& member) {
  if (member.value.kind == JsonKind::kNull) return std::string();
  if (member.value.kind != JsonKind::kString) return WrongType(member, "a string");
  return member.value.string_value;
}

}  // namespace

std::string RemoteFailure::Summary() const {
  std::string line;
  if (class_name.empty()) {
    line = "remote exception of unknown class";
  } else if (module.empty() || module == "builtins" || module == "exceptions") {
    line = class_name;
  } else {
    line = module + "." + class_name;
  }
  std::string text;
  for (char c : message) text += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? ' ' : c;
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (!text.empty()) line += ": " + text;
  return line;
}

base::Status RemoteFailure::ToStatus() const { return base::Status::RemoteError(Summary()); }

base::Result<RemoteFailure> DecodeRemoteFailure(std::string_view failure_json) {
  auto members = SplitJsonObject(failure_json);
  if (!members.ok()) return base::Status::Corrupt("remote failure is " + members.error().message());
  RemoteFailure failure;
  for (const JsonMember& member : *members) {
    const JsonPart& value = member.value;
    if (member.key == "class") {
      BASE_TRY_ASSIGN(failure.class_name, StringField(member));
    } else if (member.key == "module") {
      BASE_TRY_ASSIGN(failure.module, StringField(member));
    } else if (member.key == "message") {
      BASE_TRY_ASSIGN(failure.message, StringField(member));
    } else if (member.key == "tb" && value.kind != JsonKind::kNull) {
      if (value.kind != JsonKind::kArray) return WrongType(member, "an array of strings");
      BASE_TRY_ASSIGN(std::vector<JsonPart> lines, SplitJsonArray(value.json));
      for (JsonPart& line : lines) {
        if (line.kind != JsonKind::kString) return WrongType(member, "an array of strings");
        failure.traceback.push_back(std::move(line.string_value));
      }
    } else if (member.key == "args" && value.kind != JsonKind::kNull) {
      if (value.kind != JsonKind::kArray) return WrongType(member, "an array");
      failure.args_json = value.json;
    } else if (member.key == "kwargs" && value.kind != JsonKind::kNull) {
      if (value.kind != JsonKind::kObject) return WrongType(member, "an object");
      failure.kwargs_json = value.json;
    }
  }
  return failure;
}

base::Result<std::string> EncodeRemoteFailure(const RemoteFailure& failure) {
  std::string_view class_name = failure.class_name;
  std::string_view module = failure.module;
  if (EndsWith(class_name, kRemoteSuffix) && EndsWith(module, kRemoteSuffix)) {
    class_name.remove_suffix(kRemoteSuffix.size());
    module.remove_suffix(kRemoteSuffix.size());
  }
  auto args = ToPythonJson(failure.args_json);
  if (!args.ok() || args->kind != JsonKind::kArray) {
    return base::Status::InvalidInput("remote failure: args_json is " +
                                      (args.ok() ? std::string("not a JSON array") : args.error().message()));
  }
  auto kwargs = ToPythonJson(failure.kwargs_json);
  if (!kwargs.ok() || kwargs->kind != JsonKind::kObject) {
    return base::Status::InvalidInput("remote failure: kwargs_json is " +
                                      (kwargs.ok() ? std::string("not a JSON object") : kwargs.error().message()));
  }
  PythonJsonObjectWriter writer;
  writer.String("class", class_name).String("module", module).String("message", failure.message);
  writer.StringArray("tb", failure.traceback).TrustedJson("args", args->json).TrustedJson("kwargs", kwargs->json);
  auto json = std::move(writer).Finish();
  if (!json.ok()) return base::Status::InvalidInput("remote failure: " + json.error().message());
  return json;
}

}  // namespace rpc
