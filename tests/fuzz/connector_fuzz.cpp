// libFuzzer target: the connector reader (ParseConnector, what `refresh
// --connector FILE` checks) and what is done with an accepted connector: it
// is journalled (the begin line must read back the same), and sent to Cinder
// by UpdateAttachmentBody, whose body must be JSON that Cinder reads as we
// do (no key twice, within the limits). A connector accepted once is
// accepted again from its own compact text, unchanged. Any input must give
// a Connector or a ConnectorError: never a crash, a sanitizer report or an
// exception. Seed corpus: tests/corpus/connector/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "agent/cinder/cinder_json.h"
#include "agent/input/bounded_json.h"
#include "agent/refresh/connector_file.h"
#include "agent/refresh/journal.h"

namespace {

using agent::refresh::Connector;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void Accepted(const Connector& connector) {
  auto again = agent::refresh::ParseConnector(connector.json, "again");
  Check(std::holds_alternative<Connector>(again));
  Check(std::get<Connector>(again).json == connector.json && std::get<Connector>(again).host == connector.host);

  agent::refresh::JournalBegin begin;
  begin.instance_uuid = "0f3c8a52-51d5-4b8e-9d1c-3b1f9c1f6e01";
  begin.connector_json = connector.json;
  begin.compute_host = connector.host;
  auto journal = agent::refresh::ParseJournal(agent::refresh::EncodeJournalLine(begin));
  Check(journal.ok() && journal->begin.connector_json == connector.json);

  for (auto mountpoint : {std::optional<std::string_view>("/dev/vdb"), std::optional<std::string_view>()}) {
    auto body = agent::cinder::UpdateAttachmentBody(connector.json, mountpoint);
    Check(body.ok());
    auto sent = agent::input::ParseBoundedJson(
        *body, {agent::input::kMaxConnectorBytes + 64, agent::input::kMaxJsonDepth + 2,
                agent::input::DuplicateKeys::kRefuse});
    Check(sent.ok() && sent->IsObject());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = agent::refresh::ParseConnector(text, "fuzz.json");
  if (const auto* connector = std::get_if<Connector>(&parsed)) Accepted(*connector);
  // The connector text as a journal replays it: sent as given when it passes.
  if (auto body = agent::cinder::UpdateAttachmentBody(text, "/dev/vdb"); body.ok()) {
    auto sent = agent::input::ParseBoundedJson(
        *body, {agent::input::kMaxConnectorBytes + 64, agent::input::kMaxJsonDepth + 2,
                agent::input::DuplicateKeys::kRefuse});
    Check(sent.ok() && sent->IsObject());
  }
  return 0;
}
