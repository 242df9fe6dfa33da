// The refresh of one volume BDM, Nova's steps in Nova's order (nova-facts
// §2), each announced in the journal before it starts:
//   lock -> action start -> sweep the volume's abandoned reservations for the
//   instance (stray_attachments.h) -> reserve a new attachment -> remove_volume_connection
//   on the compute -> delete the old attachment (unless the compute did) ->
//   update the new attachment with the connector -> save attachment_id and
//   connection_info on the BDM -> complete the attachment -> finish the
//   action -> unlock.
// Under a batch unit's lock (JournalBegin::lock_scope) the refresh skips the
// lock when the unit holds it already, and never unlocks: the unit does;
// its failure path (reconcile) leaves the unit's lock in place too.
// On a failure the same reconciliation that `bdm-agent recover` runs brings
// everything back to a consistent state (reconcile.h), so the outcome is
// one of the Outcome values, never half a refresh, unless the database or
// Cinder stays unreachable: then the journal is kept for `recover`.
//
// Prerequisites are the caller's job (prerequisites.h); RunRefresh starts
// with the first side effect. A stop request (SIGINT/SIGTERM) is honoured
// between steps only: the step in flight finishes, then the failure path
// runs as for any failure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/cinder/attachment_api.h"
#include "agent/db/nova_database.h"
#include "agent/interrupt.h"
#include "agent/log.h"
#include "agent/refresh/compute_link.h"
#include "agent/refresh/journal.h"
#include "agent/test_hooks.h"
#include "base/status.h"
#include "proto_compat/instance.h"

namespace agent::refresh {

struct RefreshPorts {
  db::CellDatabase& cell;
  cinder::AttachmentApi& cinder;
  const Log& log;
  // Asked before each step (may be nullptr): once it is set, RunRefresh
  // starts no further step and takes the failure path (Peer::kInterrupt).
  const StopRequest* stop = nullptr;
  // Test builds only (agent/test_hooks.h); nullptr in a release binary.
  const TestHooks* hooks = nullptr;
};

enum class Outcome {
  kRefreshed,      // new attachment + connection_info stored, volume in-use, instance unlocked
  kRolledBack,     // BDM and old attachment as before, no attachment left behind, instance unlocked
  kKeptReserved,   // the old attachment was gone and Cinder gave no new connection: the BDM points at a
                   // reserved attachment and keeps its previous connection_info; refresh again later
  kNeedsRecovery,  // a peer stayed unreachable: the journal is kept for `bdm-agent recover`
  kLockLost,       // someone locked the instance first; nothing was changed
};

std::string_view OutcomeName(Outcome outcome);

// What a create may still take on Cinder's side after the client gave up on
// it (the creating_attachment line's deadline adds it to the timeout).
inline constexpr std::chrono::seconds kCreateSettleMargin{10};

// Who a step talks to, which decides the exit code of its failure;
// kInterrupt: the step was not started because a stop was requested.
enum class Peer { kDatabase, kCinder, kCompute, kJournal, kInterrupt };

struct RefreshReport {
  Outcome outcome = Outcome::kRefreshed;
  std::optional<std::string> failed_step;  // the step that failed, if one did
  Peer failed_peer = Peer::kDatabase;
  base::Status cause;                      // its failure
  base::Status blocker;                    // kNeedsRecovery: what stopped reconciliation
  std::optional<std::string> attachment_id;  // the BDM's attachment at the end
  std::vector<std::string> done;           // what reconciliation did, one line each
};

// The connection_info text Nova stores for `attachment`: its translation
// (cinder::NovaConnectionInfo) written as Python's json.dumps writes it.
base::Result<std::string> StoredConnectionInfo(const cinder::Attachment& attachment, std::string_view volume_id);

// `instance` is the Instance as loaded before the lock; it is sent to the
// compute as nova-manage sends it (locked, with the lock reason).
RefreshReport RunRefresh(RefreshJournal& journal, proto_compat::InstanceRecord instance, ComputeLink& compute,
                         const RefreshPorts& ports);

}  // namespace agent::refresh
