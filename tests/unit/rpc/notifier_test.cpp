// Unit tests of rpc/notification and rpc/notifier without a broker: the
// message is byte for byte what oslo.messaging 14's Notifier builds (the
// expected text was printed by Debian's python3 with oslo_messaging's own
// _sanitize_context and pack_context), the body per driver format, and the
// bounds of Notify when no broker answers: a refused port and a listener
// that never speaks AMQP (the real broker cannot be made to do either on
// request, hence the local sockets).
#include "rpc/notifier.h"

#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "rpc/envelope.h"
#include "tests/support/finishes_within.h"
#include "tests/support/silent_listener.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

rpc::Notification EndNotification(std::string context_json) {
  rpc::Notification n;
  n.publisher_id = "bdm-agent.cmp1";
  n.event_type = "bdm_agent.refresh.end";
  n.priority = "INFO";
  n.payload_json = R"({"bdm_uuid":"b","timings":{"wall_ms":1.50}})";  // re-rendered as Python writes it
  n.context_json = std::move(context_json);
  return n;
}

rpc::NotificationStamp Stamp(std::chrono::microseconds micros) {
  return {"6f1c2a4e-0b7d-4c59-9a1e-3d2f5b8c7e10", "0123456789abcdef0123456789abcdef",
          std::chrono::system_clock::time_point(std::chrono::seconds(1796301021) + micros)};
}

rpc::NotifierOptions OptionsFor(int port) {
  rpc::NotifierOptions options;
  options.connect.hosts = {{"user", "s3cret", "127.0.0.1", port}};
  options.retry.rabbit_retry_interval = 0.05;
  options.retry.rabbit_retry_backoff = 0;
  return options;
}

}  // namespace

TEST_CASE("rpc::EncodeNotification builds oslo's message") {
  const std::string context =
      R"({"user_id": "u", "auth_token": "tok", "is_admin": true, "service_catalog": [], )"
      R"("request_id": "req-1", "roles": ["admin"], "read_deleted": "no"})";
  auto message = rpc::EncodeNotification(EndNotification(context), Stamp(123456us));
  REQUIRE_MESSAGE(message.ok(), message.error().message());
  CHECK(*message ==
        R"({"message_id": "6f1c2a4e-0b7d-4c59-9a1e-3d2f5b8c7e10", "publisher_id": "bdm-agent.cmp1", )"
        R"("event_type": "bdm_agent.refresh.end", "priority": "INFO", )"
        R"("payload": {"bdm_uuid": "b", "timings": {"wall_ms": 1.5}}, "timestamp": "2026-12-03 12:30:21.123456", )"
        R"("_unique_id": "0123456789abcdef0123456789abcdef", "_context_user_id": "u", "_context_is_admin": true, )"
        R"("_context_request_id": "req-1", "_context_roles": ["admin"]})");
  CHECK(message->find("tok") == std::string::npos);  // auth_token is never sent

  SUBCASE("an escaped key is read as its text (and written as Python writes it)") {
    auto escaped = rpc::EncodeNotification(EndNotification(R"({"request\u005fid": "r", "x": 1})"), Stamp(0us));
    REQUIRE(escaped.ok());
    CHECK(escaped->ends_with(R"("_context_request_id": "r"})"));
    CHECK(escaped->find("\"x\"") == std::string::npos);
  }
  SUBCASE("refusals") {
    rpc::Notification n = EndNotification("{}");
    n.event_type.clear();
    CHECK(rpc::EncodeNotification(n, Stamp(0us)).error().message() == "notification: event_type is empty");
    n = EndNotification("[]");
    CHECK(rpc::EncodeNotification(n, Stamp(0us)).error().code() == base::Code::kInvalidInput);
    n = EndNotification("{}");
    n.payload_json = "{not json";
    CHECK(rpc::EncodeNotification(n, Stamp(0us)).error().code() == base::Code::kInvalidInput);
    n = EndNotification("{}");
    n.publisher_id = "\xff";
    CHECK(rpc::EncodeNotification(n, Stamp(0us)).error().code() == base::Code::kInvalidInput);
  }
}

TEST_CASE("rpc::PythonUtcTimestamp is str(datetime.utcnow())") {
  CHECK(rpc::PythonUtcTimestamp(Stamp(123456us).time) == "2026-12-03 12:30:21.123456");
  CHECK(rpc::PythonUtcTimestamp(Stamp(7us).time) == "2026-12-03 12:30:21.000007");
  CHECK(rpc::PythonUtcTimestamp(Stamp(0us).time) == "2026-12-03 12:30:21");  // Python drops zero microseconds
  CHECK(rpc::PythonUtcTimestamp(std::chrono::system_clock::time_point()) == "1970-01-01 00:00:00");
}

TEST_CASE("rpc::NotificationBody and NotificationRoutingKey") {
  const std::string message = *rpc::EncodeNotification(EndNotification("{}"), Stamp(0us));
  SUBCASE("messagingv2: the 2.0 envelope") {
    auto body = rpc::NotificationBody(message, rpc::NotificationFormat::kV2);
    REQUIRE(body.ok());
    CHECK(body->starts_with(R"({"oslo.version": "2.0", "oslo.message": "{\"message_id\": )"));
    auto unwrapped = rpc::Unwrap(*body);
    REQUIRE(unwrapped.ok());
    CHECK(unwrapped->form == rpc::EnvelopeForm::kV2);
    CHECK(unwrapped->message_json == message);
  }
  SUBCASE("messaging: the message itself") {
    CHECK(*rpc::NotificationBody(message, rpc::NotificationFormat::kV1) == message);
  }
  CHECK(rpc::NotificationRoutingKey("notifications", "INFO") == "notifications.info");
  CHECK(rpc::NotificationRoutingKey("bdm", "ERROR") == "bdm.error");
}

TEST_CASE("rpc::Notifier::Create refuses what cannot be sent") {
  rpc::NotifierOptions options = OptionsFor(5672);
  CHECK(rpc::Notifier::Create(options).ok());
  options.topics = {};
  CHECK(rpc::Notifier::Create(options).error().message() == "notifier: no topics");
  options = OptionsFor(5672);
  options.topics = {"n", ""};
  CHECK(rpc::Notifier::Create(options).error().code() == base::Code::kInvalidInput);
  options = OptionsFor(5672);
  options.formats = {};
  CHECK(rpc::Notifier::Create(options).error().code() == base::Code::kInvalidInput);
  options = OptionsFor(5672);
  options.connect.hosts = {};
  CHECK(rpc::Notifier::Create(options).error().code() == base::Code::kInvalidInput);
}

TEST_CASE("rpc::Notifier::Notify is bounded when no broker answers") {
  SUBCASE("refused, retry 0: one attempt, kUnavailable") {
    rpc::NotifierOptions options = OptionsFor(test::RefusedPort());
    options.resends = 0;
    auto notifier = rpc::Notifier::Create(options);
    REQUIRE(notifier.ok());
    const auto start = Clock::now();
    const base::Status sent = notifier->Notify(EndNotification("{}"), Clock::now() + 10s);
    CHECK(sent.code() == base::Code::kUnavailable);
    CHECK(sent.message().find("notification to notifications.info") != std::string::npos);
    CHECK(sent.message().find("s3cret") == std::string::npos);
    CHECK(Clock::now() - start < 2s);
  }
  SUBCASE("refused, retry 2: three attempts on the schedule, then kUnavailable") {
    rpc::NotifierOptions options = OptionsFor(test::RefusedPort());
    options.resends = 2;
    auto notifier = rpc::Notifier::Create(options);
    REQUIRE(notifier.ok());
    const auto start = Clock::now();
    const base::Status sent = notifier->Notify(EndNotification("{}"), Clock::now() + 10s);
    CHECK(sent.code() == base::Code::kUnavailable);
    CHECK(sent.message().find("(2 re-sends)") != std::string::npos);
    CHECK(Clock::now() - start >= 100ms);  // two sleeps of 50 ms
    CHECK(Clock::now() - start < 2s);
  }
  SUBCASE("refused, retry -1: tries until the deadline, then kTimeout") {
    auto notifier = rpc::Notifier::Create(OptionsFor(test::RefusedPort()));
    REQUIRE(notifier.ok());
    const auto start = Clock::now();
    const base::Status sent = notifier->Notify(EndNotification("{}"), Clock::now() + 400ms);
    CHECK(sent.code() == base::Code::kTimeout);
    CHECK(Clock::now() - start < 1s);
  }
  SUBCASE("a listener that never answers holds Notify no longer than the deadline") {
    const test::SilentListener silent;
    auto notifier = rpc::Notifier::Create(OptionsFor(silent.port()));
    REQUIRE(notifier.ok());
    const auto start = Clock::now();
    const base::Status sent = test::FinishesWithin(20s, "Notify to a silent listener", [&] {
      return notifier->Notify(EndNotification("{}"), Clock::now() + 500ms);
    });
    CHECK_FALSE(sent.ok());
    CHECK(Clock::now() - start < 1500ms);
  }
}
