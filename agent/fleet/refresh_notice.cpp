#include "agent/fleet/refresh_notice.h"

#include "agent/exit_codes.h"
#include "agent/serve/failure_classes.h"
#include "rpc/envelope.h"
#include "rpc/python_json.h"

namespace agent::fleet {
namespace {

const rpc::JsonPart* Member(const std::vector<rpc::JsonMember>& members, std::string_view key) {
  for (const rpc::JsonMember& m : members) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

std::optional<std::string> StringMember(const std::vector<rpc::JsonMember>& members, std::string_view key) {
  const rpc::JsonPart* part = Member(members, key);
  if (part == nullptr || part->kind != rpc::JsonKind::kString) return std::nullopt;
  return part->string_value;
}

}  // namespace

std::optional<RefreshNotice> ReadRefreshNotice(std::string_view body) {
  auto unwrapped = rpc::Unwrap(body);
  if (!unwrapped.ok()) return std::nullopt;
  auto message = rpc::SplitJsonObject(unwrapped->message_json);
  if (!message.ok()) return std::nullopt;
  const std::optional<std::string> type = StringMember(*message, "event_type");
  if (type != "bdm_agent.refresh.end" && type != "bdm_agent.refresh.error") return std::nullopt;
  const std::optional<std::string> request_id = StringMember(*message, "_context_request_id");
  const rpc::JsonPart* payload_part = Member(*message, "payload");
  if (!request_id || payload_part == nullptr || payload_part->kind != rpc::JsonKind::kObject) return std::nullopt;
  auto payload = rpc::SplitTrustedJsonObject(payload_part->json);
  if (!payload.ok()) return std::nullopt;
  RefreshNotice notice;
  notice.error = *type == "bdm_agent.refresh.error";
  notice.request_id = *request_id;
  notice.bdm_uuid = StringMember(*payload, "bdm_uuid");
  notice.outcome = StringMember(*payload, "outcome").value_or("refreshed");
  const rpc::JsonPart* taken = Member(*payload, "taken_over");
  notice.taken_over = taken != nullptr && taken->json == "true";
  notice.error_class = StringMember(*payload, "error_class").value_or("");
  notice.error_message = StringMember(*payload, "error_message").value_or("");
  notice.publisher_id = StringMember(*message, "publisher_id").value_or("");
  return notice;
}

int RefreshExitCodeOfClass(std::string_view error_class) {
  if (error_class.empty()) return exit_code::kUnexpected;
  for (int code = 1; code < 256; ++code) {
    if (serve::FailureClass(serve::FailingCommand::kRefresh, code) == error_class &&
        error_class != "InternalError") {
      return code;
    }
  }
  return exit_code::kUnexpected;
}

NoticeOutcome OutcomeOfNotice(const RefreshNotice& notice) {
  commands::RefreshEnding ending;
  NoticeOutcome result;
  if (!notice.error) {
    ending.attachment_changed = notice.outcome == "already-refreshed";
    result.detail = notice.taken_over ? "finished by " + notice.publisher_id + " (taken over)"
                                      : "by " + notice.publisher_id;
  } else {
    ending.code = RefreshExitCodeOfClass(notice.error_class);
    result.detail = notice.error_class + ": " + notice.error_message;
  }
  result.exit_code = ending.code;
  result.outcome = OutcomeOf(ending);
  return result;
}

std::optional<std::size_t> MatchNotice(const RefreshNotice& notice,
                                       const std::map<std::string, std::size_t, std::less<>>& in_flight,
                                       const RunState& state) {
  auto it = in_flight.find(notice.request_id);
  if (it == in_flight.end() || it->second >= state.bdms.size()) return std::nullopt;
  const std::optional<std::string>& planned = state.bdms[it->second].plan.bdm_uuid;
  if (planned && notice.bdm_uuid && *planned != *notice.bdm_uuid) return std::nullopt;
  return it->second;
}

}  // namespace agent::fleet
