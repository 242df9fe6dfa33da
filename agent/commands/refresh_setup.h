// What the refresh and recover commands share: where journals live, which
// extra hypervisor types count as libvirt, opening Cinder and the cell
// database of a journal, and turning a RefreshReport into output and an
// exit code.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/cinder/attachment_api.h"
#include "agent/cinder/cinder_client.h"
#include "agent/config/nova_config.h"
#include "agent/db/nova_database.h"
#include "agent/peer_time.h"
#include "agent/refresh/refresh_workflow.h"
#include "agent/terminal_text.h"  // PrintEscaped, for the lines refresh and recover print
#include "base/result.h"

namespace agent::commands {

inline constexpr std::string_view kDefaultStateDir = "/var/lib/bdm-agent";

struct RefreshSettings {
  std::string state_dir;                             // --state-dir, [bdm_agent] state_dir
  std::vector<std::string> allowed_hypervisor_types;  // --allow-hypervisor-type, [bdm_agent] allowed_hypervisor_types
};

// The settings from the config, with the command line's values (when given)
// winning. kInvalidInput for unreadable options.
base::Result<RefreshSettings> LoadRefreshSettings(const config::NovaConfig& conf,
                                                  const std::optional<std::string>& state_dir,
                                                  const std::vector<std::string>& allowed_hypervisor_types);

// Cinder as Nova's [cinder]/[service_user] sections describe it, with
// `request_id` as the global request id; `times` (may be nullptr) gets the
// time of its Cinder and Keystone requests and must outlive the result.
// The access comes from `source` when set (its tokens shared with other
// requests), else from a CinderAccess of its own (one token request).
base::Result<std::unique_ptr<cinder::AttachmentApi>> OpenCinder(const config::NovaConfig& conf,
                                                                const std::string& request_id,
                                                                PeerTimes* times = nullptr,
                                                                const cinder::CinderAccessSource& source = {});

// The database of the cell a journal names (empty: the local [database]).
base::Result<db::CellDatabase*> CellByUuid(db::NovaDatabase& nova_db, const std::optional<std::string>& cell_uuid);

// How a refresh (or the recovery of one) ended.
struct RefreshEnding {
  int code = 0;                    // exit_code::kOk, or refresh's exit code
  std::string error;               // one line, when code is not kOk
  std::vector<std::string> lines;  // what the command prints on stdout, in order
  std::optional<std::string> bdm_uuid, old_attachment_id, new_attachment_id;  // when a refresh ran
  // RefreshRequest::expect was given and the BDM no longer held that
  // attachment (after recovering an earlier refresh): nothing was done.
  bool attachment_changed = false;
  // The refresh was another agent's, taken over and finished (takeover.h).
  bool taken_over = false;

  // Prints the lines to `out` and the error to the log; returns the code.
  int Print(std::FILE* out, const Log& log) const;
};

// The ending for `report`: what reconciliation did and the outcome as lines,
// refresh's exit code and its error. Warnings go to `log`.
RefreshEnding FinishReport(const refresh::RefreshReport& report, const refresh::JournalBegin& begin, const Log& log);

}  // namespace agent::commands
