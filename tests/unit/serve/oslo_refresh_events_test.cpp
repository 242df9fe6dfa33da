// Unit tests of agent/serve/oslo_refresh_events without a broker: the
// payload of each phase, the sink chosen from nova.conf, and that a broker
// that refuses or never answers costs each caller (several threads at once)
// no more than the timeout and one log line without a secret. The refused
// port and the silent listener are local sockets: the real broker cannot be
// made to behave so on request. tests/cli/test_serve_notifications.py checks
// the notifications a real Python listener receives.
#include "agent/serve/oslo_refresh_events.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/nova_config_text.h"
#include "tests/support/silent_listener.h"

namespace {

using namespace std::chrono_literals;
using agent::serve::RefreshPhase;
using Clock = std::chrono::steady_clock;

agent::serve::RefreshEvent Event() {
  agent::serve::RefreshEvent e;
  e.request_id = "req-1";
  e.context_json = R"({"request_id": "req-1", "auth_token": "tok", "is_admin": true})";
  e.instance_uuid = "i-1";
  e.volume_id = "v-1";
  e.bdm_uuid = "b-1";
  e.old_attachment_id = "a-old";
  e.timings_json = R"({"wall_ms": 12.0})";
  e.error_class = "InstanceNotStopped";
  e.error_message = "the instance is running";
  return e;
}

std::string Read(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, n);
  return text;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("agent::serve::RefreshNotification") {
  SUBCASE(".start: INFO, the identifiers") {
    auto n = agent::serve::RefreshNotification(Event(), RefreshPhase::kStart, "bdm-agent.cmp1");
    REQUIRE(n.ok());
    CHECK(n->event_type == "bdm_agent.refresh.start");
    CHECK(n->priority == "INFO");
    CHECK(n->publisher_id == "bdm-agent.cmp1");
    CHECK(n->payload_json == R"({"instance_uuid": "i-1", "volume_id": "v-1", "bdm_uuid": "b-1"})");
    CHECK(n->context_json == Event().context_json);  // rpc::EncodeNotification drops auth_token
  }
  SUBCASE(".end: attachments (null when unknown), timings, outcome and whether it was taken over") {
    auto n = agent::serve::RefreshNotification(Event(), RefreshPhase::kEnd, "p");
    REQUIRE(n.ok());
    CHECK(n->event_type == "bdm_agent.refresh.end");
    CHECK(n->priority == "INFO");
    CHECK(n->payload_json == R"({"instance_uuid": "i-1", "volume_id": "v-1", "bdm_uuid": "b-1", )"
                             R"("old_attachment_id": "a-old", "new_attachment_id": null, )"
                             R"("timings": {"wall_ms": 12.0}, "outcome": "refreshed", "taken_over": false})");
  }
  SUBCASE(".error: ERROR, the class and message as well") {
    auto n = agent::serve::RefreshNotification(Event(), RefreshPhase::kError, "p");
    REQUIRE(n.ok());
    CHECK(n->event_type == "bdm_agent.refresh.error");
    CHECK(n->priority == "ERROR");
    CHECK(n->payload_json.ends_with(R"("error_class": "InstanceNotStopped", )"
                                    R"("error_message": "the instance is running"})"));
  }
  SUBCASE("timings that are not JSON are refused") {
    auto e = Event();
    e.timings_json = "{";
    CHECK(agent::serve::RefreshNotification(e, RefreshPhase::kEnd, "p").error().code() ==
          base::Code::kInvalidInput);
  }
}

TEST_CASE("agent::serve::MakeRefreshEvents picks the sink from nova.conf") {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::tmpfile(), &std::fclose);
  const agent::Log log(agent::DebugLogging::kNo, out.get(), agent::LogStyle::kService);
  const std::string url = "[DEFAULT]\ntransport_url = rabbit://u:pw@127.0.0.1:9/\n";
  auto off = agent::serve::MakeRefreshEvents(test::NovaConfigFromText(url), "cmp1", log);
  REQUIRE(off.ok());
  CHECK(dynamic_cast<agent::serve::NoRefreshEvents*>(off->get()) != nullptr);
  const std::string two_lines = "[oslo_messaging_notifications]\ndriver = messagingv2\ndriver = log,messagingv2\n";
  auto on = agent::serve::MakeRefreshEvents(test::NovaConfigFromText(url + two_lines), "cmp1", log);
  REQUIRE(on.ok());  // nothing is connected yet
  CHECK(dynamic_cast<agent::serve::OsloRefreshEvents*>(on->get()) != nullptr);
  const std::string text = Read(out.get());
  CHECK(text.find("notifications off") != std::string::npos);
  CHECK(text.find("notifications on: bdm_agent.refresh.* as bdm-agent.cmp1 to topics notifications") !=
        std::string::npos);
  CHECK(text.find("sends only messagingv2 and messaging notifications, not log") != std::string::npos);
  const std::string bad_port = "[oslo_messaging_notifications]\ndriver = messagingv2\n"
                               "transport_url = rabbit://u:pw@h:0/\n";
  auto bad = agent::serve::MakeRefreshEvents(test::NovaConfigFromText(url + bad_port), "cmp1", log);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("pw") == std::string::npos);
}

TEST_CASE("agent::serve::OsloRefreshEvents never holds a refresh past its timeout") {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::tmpfile(), &std::fclose);
  const agent::Log log(agent::DebugLogging::kNo, out.get(), agent::LogStyle::kService);
  rpc::NotifierOptions options;
  options.retry.rabbit_retry_interval = 0.05;

  SUBCASE("a refused connection: one warning line per notification, no secret") {
    const int port = test::RefusedPort();
    options.connect.hosts = {{"user", "s3cret-pw", "127.0.0.1", port}};
    options.resends = 0;
    auto notifier = rpc::Notifier::Create(options);
    REQUIRE(notifier.ok());
    agent::serve::OsloRefreshEvents events(std::move(*notifier), 2s, "bdm-agent.cmp1", log);
    events.Start(Event());
    events.Error(Event());
    const std::string text = Read(out.get());
    CHECK(Count(text, "\n") == 2);
    CHECK(Count(text, " WARNING bdm_agent.serve.notifications [req-1 - - - - -] bdm_agent.refresh.start "
                      "notification not sent (the refresh goes on): ") == 1);
    CHECK(Count(text, "bdm_agent.refresh.error notification not sent") == 1);
    CHECK(text.find("s3cret-pw") == std::string::npos);
  }
  SUBCASE("a broker that never answers, four threads at once: each returns within the timeout") {
    const test::SilentListener silent;
    options.connect.hosts = {{"user", "pw", "127.0.0.1", silent.port()}};
    auto notifier = rpc::Notifier::Create(options);
    REQUIRE(notifier.ok());
    agent::serve::OsloRefreshEvents events(std::move(*notifier), 300ms, "bdm-agent.cmp1", log);
    std::vector<Clock::duration> took(4);
    {
      std::vector<std::jthread> workers;
      for (auto& t : took) {
        workers.emplace_back([&events, &t] {
          const auto start = Clock::now();
          events.End(Event());
          t = Clock::now() - start;
        });
      }
    }
    for (const auto& t : took) CHECK(t < 900ms);
    CHECK(Count(Read(out.get()), "bdm_agent.refresh.end notification not sent") == 4);
  }
}
