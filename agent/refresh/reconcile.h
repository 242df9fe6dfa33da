// Reconcile: from a refresh journal and what the database and Cinder say
// now, bring the instance, its BDM and the volume's attachments to a
// consistent state; used after a failed step and by `bdm-agent recover`.
//
//   BDM points at the new attachment  -> roll forward: complete it, delete
//                                        the old attachment if it is left
//   BDM still has the old attachment, -> roll back: delete the attachments
//   and that attachment exists           this refresh created
//   the old attachment is gone        -> roll forward with the connector from
//   (deleted by the refresh)             the journal: reuse or reserve an
//                                        attachment, update it, save, complete;
//                                        if Cinder gives no connection, keep
//                                        it reserved and the old connection_info
//                                        (Nova would store NULL: an unbootable disk)
// then finish the refresh action and unlock (only a lock that is ours: the
// reason and the request id match). A batch unit's lock (LockScope) is
// unlocked too, except with UnitLock::kKeep: the refresh that failed is one
// of a unit still running, which goes on under its lock and unlocks it
// itself. The journal is removed at the end.
// Attachments created but not journalled (a crash right after Cinder
// answered) are found by listing the volume's attachments for the instance.
//
// Each decision reads the live state, so running it again after a partial
// run is safe. With dry_run nothing is written: `done` says what would be.
#pragma once

#include "agent/refresh/refresh_workflow.h"

namespace agent::refresh {

enum class DryRun { kNo, kYes };
enum class UnitLock { kRelease, kKeep };

RefreshReport Reconcile(RefreshJournal& journal, const RefreshPorts& ports, DryRun dry_run = DryRun::kNo,
                        UnitLock unit_lock = UnitLock::kRelease);

}  // namespace agent::refresh
