#include "agent/fleet/refresh_notice.h"

#include <doctest/doctest.h>

#include "agent/exit_codes.h"
#include "agent/serve/failure_classes.h"
#include "agent/serve/oslo_refresh_events.h"
#include "rpc/notification.h"

namespace agent::fleet {
namespace {

namespace ec = agent::exit_code;
using serve::RefreshPhase;

// The AMQP body serve sends for `event` (the producer's own code), in `format`.
std::string Body(const serve::RefreshEvent& event, RefreshPhase phase,
                 rpc::NotificationFormat format = rpc::NotificationFormat::kV2) {
  auto notification = serve::RefreshNotification(event, phase, "bdm-agent.ctl2");
  REQUIRE(notification.ok());
  rpc::NotificationStamp stamp{"8e1c2a38-7b0f-4f5e-9d4a-0b6f0c1d2e3f", "0b6f0c1d2e3f4a5b8e1c2a387b0f4f5e",
                               std::chrono::system_clock::now()};
  auto message = rpc::EncodeNotification(*notification, stamp);
  REQUIRE(message.ok());
  auto body = rpc::NotificationBody(*message, format);
  REQUIRE(body.ok());
  return *body;
}

serve::RefreshEvent Event() {
  serve::RefreshEvent e;
  e.request_id = "req-11111111-2222-3333-4444-555555555555";
  e.context_json = "{\"request_id\": \"req-11111111-2222-3333-4444-555555555555\", \"is_admin\": true}";
  e.bdm_uuid = "b0000000-0000-0000-0000-000000000001";
  e.instance_uuid = "10000000-0000-0000-0000-000000000001";
  e.volume_id = "v0000000-0000-0000-0000-000000000001";
  return e;
}

RunState Plan() {
  RunState state;
  RunBdm a, b;
  a.plan.bdm_uuid = "b0000000-0000-0000-0000-000000000001";
  b.plan.bdm_uuid = "b0000000-0000-0000-0000-000000000002";
  state.bdms = {a, b};
  return state;
}

TEST_CASE("ReadRefreshNotice reads what serve sends") {
  serve::RefreshEvent e = Event();
  SUBCASE(".end, 2.0 envelope and 1.0 message alike") {
    e.outcome = "already-refreshed";
    e.taken_over = true;
    for (auto format : {rpc::NotificationFormat::kV2, rpc::NotificationFormat::kV1}) {
      auto notice = ReadRefreshNotice(Body(e, RefreshPhase::kEnd, format));
      REQUIRE(notice.has_value());
      CHECK_FALSE(notice->error);
      CHECK(notice->request_id == e.request_id);
      CHECK(notice->bdm_uuid == e.bdm_uuid);
      CHECK(notice->outcome == "already-refreshed");
      CHECK(notice->taken_over);
      CHECK(notice->publisher_id == "bdm-agent.ctl2");
    }
  }
  SUBCASE(".error carries the class and message") {
    e.error_class = "InstanceNotStopped";
    e.error_message = "Instance is in state active";
    auto notice = ReadRefreshNotice(Body(e, RefreshPhase::kError));
    REQUIRE(notice.has_value());
    CHECK(notice->error);
    CHECK(notice->error_class == "InstanceNotStopped");
    CHECK(notice->error_message == "Instance is in state active");
  }
  SUBCASE(".start and other messages are not outcomes") {
    CHECK_FALSE(ReadRefreshNotice(Body(e, RefreshPhase::kStart)).has_value());
    CHECK_FALSE(ReadRefreshNotice("{\"oslo.version\": \"2.0\", \"oslo.message\": \"{}\"}").has_value());
    CHECK_FALSE(ReadRefreshNotice("not json").has_value());
    CHECK_FALSE(ReadRefreshNotice("").has_value());
  }
}

TEST_CASE("RefreshExitCodeOfClass inverts serve's refresh failure classes") {
  for (int code : {ec::kRefreshInstanceState, ec::kRefreshInstanceLocked, ec::kRefreshComputeFailed,
                   ec::kRefreshCinderFailed, ec::kRefreshKeptReserved, ec::kRefreshNeedsRecovery, ec::kInterrupted,
                   ec::kCellDbUnavailable, ec::kRefreshAlreadyRunning}) {
    CHECK_MESSAGE(RefreshExitCodeOfClass(serve::FailureClass(serve::FailingCommand::kRefresh, code)) == code, code);
  }
  CHECK(RefreshExitCodeOfClass("NotAuthorized") == ec::kUnexpected);
  CHECK(RefreshExitCodeOfClass("") == ec::kUnexpected);
}

TEST_CASE("OutcomeOfNotice gives the outcome the in-process batch gives") {
  RefreshNotice n;
  n.publisher_id = "bdm-agent.ctl1";
  CHECK(OutcomeOfNotice(n).outcome == BatchOutcome::kRefreshed);
  n.outcome = "already-refreshed";
  CHECK(OutcomeOfNotice(n).outcome == BatchOutcome::kAlreadyRefreshed);
  n.error = true;
  n.error_class = "InstanceNotStopped";
  NoticeOutcome o = OutcomeOfNotice(n);
  CHECK(o.outcome == BatchOutcome::kSkipped);
  CHECK(o.exit_code == ec::kRefreshInstanceState);
  CHECK(o.detail.find("InstanceNotStopped") == 0);
  n.error_class = "ComputeCallFailed";
  CHECK(OutcomeOfNotice(n).outcome == BatchOutcome::kRolledBack);
  n.error_class = "RefreshNeedsRecovery";
  CHECK(OutcomeOfNotice(n).outcome == BatchOutcome::kNeedsRecovery);
  n.error_class = "NotAuthorized";  // an agent that refuses the coordinator's context
  CHECK(OutcomeOfNotice(n).outcome == BatchOutcome::kFailed);
  n.error_class = "Interrupted";  // the agent stopped: the message goes to another one
  CHECK_FALSE(OutcomeOfNotice(n).outcome.has_value());
}

TEST_CASE("MatchNotice matches by the cast's request id, checked against the BDM") {
  const RunState state = Plan();
  const std::map<std::string, std::size_t, std::less<>> in_flight{{"req-a", 0}, {"req-b", 1}};
  RefreshNotice n;
  n.request_id = "req-b";
  n.bdm_uuid = "b0000000-0000-0000-0000-000000000002";
  CHECK(MatchNotice(n, in_flight, state) == std::optional<std::size_t>(1));
  n.bdm_uuid.reset();  // a payload without the uuid: the request id alone
  CHECK(MatchNotice(n, in_flight, state) == std::optional<std::size_t>(1));
  n.bdm_uuid = "b0000000-0000-0000-0000-000000000001";  // another BDM than the cast's: not this one
  CHECK_FALSE(MatchNotice(n, in_flight, state).has_value());
  n.request_id = "req-of-someone-else";
  CHECK_FALSE(MatchNotice(n, in_flight, state).has_value());
}

}  // namespace
}  // namespace agent::fleet
