#include "agent/trace/reply_compare.h"

#include <rapidjson/document.h>

#include "agent/json_depth.h"
#include "agent/rapidjson_strings.h"
#include "agent/secret_mask.h"
#include "agent/terminal_text.h"

namespace agent::trace {
namespace {

constexpr std::size_t kMaxDepth = 512;  // rpc::kMaxJsonDepth: DecodeReply refused deeper results
constexpr unsigned kParseFlags = rapidjson::kParseNanAndInfFlag | rapidjson::kParseFullPrecisionFlag;

// Parses `json` into `out`; false when it is not JSON within the depth limit.
bool Parse(const std::string& json, rapidjson::Document& out) {
  if (!JsonNestingWithin(json, kMaxDepth)) return false;
  out.Parse<kParseFlags>(json.data(), json.size());
  return !out.HasParseError();
}

bool SameResult(const std::string& a, const std::string& b) {
  if (a == b) return true;
  rapidjson::Document da, db;
  if (!Parse(a, da) || !Parse(b, db)) return false;
  return da == db;
}

std::string Bounded(std::string text) {
  text = EscapeControls(text);
  if (text.size() > kMaxShownReply) {
    text.resize(kMaxShownReply);
    text += "...";
  }
  return text;
}

}  // namespace

std::string ShowReply(const rpc::RpcReply& reply) {
  if (reply.failure) {
    const rpc::RemoteFailure& f = *reply.failure;
    return "failure " + Bounded((f.module.empty() ? "" : f.module + ".") + f.class_name + ": " + f.message);
  }
  rapidjson::Document result;
  if (!Parse(reply.result_json, result)) return "result " + Bounded(reply.result_json);
  MaskSecretsDeep(result, result.GetAllocator());
  return "result " + Bounded(AsciiJson(CompactJsonText(result)));
}

ReplyComparison CompareReplies(const rpc::RpcReply& recorded, const rpc::RpcReply& live) {
  bool equal = false;
  if (recorded.failure && live.failure) {
    equal = recorded.failure->class_name == live.failure->class_name &&
            recorded.failure->module == live.failure->module;
  } else if (!recorded.failure && !live.failure) {
    equal = SameResult(recorded.result_json, live.result_json);
  }
  if (equal) return {true, "equal: " + ShowReply(live)};
  return {false, "differs: recorded " + ShowReply(recorded) + ", live " + ShowReply(live)};
}

}  // namespace agent::trace
