// libFuzzer target: the journal reader (ParseJournal, what `recover` and a
// later `refresh` read after a crash). Any input must give a JournalState
// or kCorrupt: never a crash, a sanitizer report or an exception; and a
// journal that reads must read the same once written again by the encoder
// (begin fields, steps in order, the ids recovery uses). Seed corpus:
// tests/corpus/journal/.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/refresh/journal.h"

namespace {

using agent::refresh::JournalBegin;
using agent::refresh::JournalState;
using agent::refresh::JournalStep;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool SameBegin(const JournalBegin& a, const JournalBegin& b) {
  return a.instance_uuid == b.instance_uuid && a.volume_id == b.volume_id && a.bdm_id == b.bdm_id &&
         a.bdm_uuid == b.bdm_uuid && a.cell_uuid == b.cell_uuid && a.old_attachment_id == b.old_attachment_id &&
         a.device_name == b.device_name && a.connector_json == b.connector_json &&
         a.compute_host == b.compute_host && a.lock_reason == b.lock_reason &&
         a.lock_request_id == b.lock_request_id && a.action_request_id == b.action_request_id &&
         a.unlock_request_id == b.unlock_request_id && a.event_host == b.event_host &&
         a.compute_deletes_old == b.compute_deletes_old;
}

std::string Encode(const JournalState& state) {
  std::string text = agent::refresh::EncodeJournalLine(state.begin);
  for (JournalStep step : state.steps) {
    std::optional<std::string_view> value;
    if (step == JournalStep::kAttachmentCreated && state.new_attachment_id) value = *state.new_attachment_id;
    if (step == JournalStep::kAttachmentUpdated && state.new_connection_info) value = *state.new_connection_info;
    text += agent::refresh::EncodeJournalLine(step, value);
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto state = agent::refresh::ParseJournal(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!state.ok()) return 0;
  auto again = agent::refresh::ParseJournal(Encode(*state));
  Check(again.ok());
  Check(SameBegin(again->begin, state->begin) && again->steps == state->steps);
  Check(again->new_attachment_id == state->new_attachment_id &&
        again->new_connection_info == state->new_connection_info);
  return 0;
}
