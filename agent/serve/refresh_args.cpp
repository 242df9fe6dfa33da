#include "agent/serve/refresh_args.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "agent/serve/failure_classes.h"
#include "rpc/python_json.h"

namespace agent::serve {
namespace {

// The members of object argument `name` whose values are strings (or null,
// when `null_ok`), each key exactly once and from `keys`; else the failure.
std::optional<rpc::RemoteFailure> StringMembers(const std::string& json, std::string_view name,
                                                std::initializer_list<std::string_view> keys, bool null_ok,
                                                std::map<std::string, std::optional<std::string>>& out) {
  const auto bad = [&] {
    std::string names;
    for (std::string_view k : keys) names += (names.empty() ? "" : ", ") + std::string(k);
    return InvalidArgumentsFailure("refresh(): argument '" + std::string(name) + "' must be an object with " +
                                   names + (null_ok ? " (a string or null)" : " (strings)"));
  };
  auto members = rpc::SplitTrustedJsonObject(json);
  if (!members.ok() || members->size() != keys.size()) return bad();
  for (const rpc::JsonMember& m : *members) {
    if (std::find(keys.begin(), keys.end(), m.key) == keys.end() || out.count(m.key)) return bad();
    if (m.value.kind == rpc::JsonKind::kString && !m.value.string_value.empty()) {
      out[m.key] = m.value.string_value;
    } else if (m.value.kind == rpc::JsonKind::kNull && null_ok) {
      out[m.key] = std::nullopt;
    } else {
      return bad();
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<rpc::RemoteFailure> ReadRefreshArgs(const CallArgs& args, bool redelivered,
                                                  commands::RefreshRequest& request) {
  std::optional<std::string> expect, ids, takeover_after;
  if (auto failure = args.Object("expect", expect)) return failure;
  if (auto failure = args.Object("request_ids", ids)) return failure;
  if (auto failure = args.Number("takeover_after", takeover_after)) return failure;
  if (expect) {
    std::map<std::string, std::optional<std::string>> m;
    if (auto failure = StringMembers(*expect, "expect", {"attachment_id"}, true, m)) return failure;
    request.expect = commands::ExpectedAttachment{m["attachment_id"]};
  }
  if (ids) {
    std::map<std::string, std::optional<std::string>> m;
    if (auto failure = StringMembers(*ids, "request_ids", {"lock", "action", "unlock"}, false, m)) return failure;
    request.request_ids = refresh::RefreshRequestIds{*m["lock"], *m["action"], *m["unlock"]};
  }
  if (takeover_after) {
    std::int64_t seconds = -1;
    const char* end = takeover_after->data() + takeover_after->size();
    const auto [at, error] = std::from_chars(takeover_after->data(), end, seconds);
    if (error != std::errc() || at != end || seconds < 0 || seconds > kMaxTakeoverAfterSeconds) {
      return InvalidArgumentsFailure("refresh(): argument 'takeover_after' must be a whole number of seconds, 0 to " +
                                     std::to_string(kMaxTakeoverAfterSeconds));
    }
    if (!request.expect || !request.request_ids) {
      return InvalidArgumentsFailure("refresh(): argument 'takeover_after' needs 'expect' and 'request_ids'");
    }
    request.takeover = commands::TakeoverPolicy{redelivered, std::chrono::seconds(seconds)};
  }
  return std::nullopt;
}

}  // namespace agent::serve
