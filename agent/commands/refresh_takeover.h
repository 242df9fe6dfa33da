// TakeOverIfOurs: the part of a refresh request that finds its instance
// locked by this very request (a batch run over RPC whose message an agent
// took, then died with; agent/refresh/takeover.h decides) and finishes that
// refresh from the live state instead of the dead agent's journal, which
// this agent does not have: the journal's begin record is rebuilt from the
// message (BDM, volume, old attachment = the planned `expect`, connector,
// the request ids) and the database, marked as having reached every step
// that may have happened (locked, action started, attachment being
// created), with the new attachment when it can be told: the BDM's, if it
// no longer holds the planned one (only this refresh changes it while its
// lock is held); else, when the planned attachment is gone, the one
// attachment of the instance on the volume that has a connection. Then
// reconcile.h rolls it forward or back, finishes the action and unlocks.
// Stray bare reservations are found by listing the volume's attachments,
// as recovery always does.
//
// Runs in the caller's thread; writes a journal in `state_dir` as a refresh
// does, removed when reconciliation ends.
#pragma once

#include <string>
#include <vector>

#include "agent/cinder/attachment_api.h"
#include "agent/commands/refresh_runner.h"
#include "agent/db/bdm_locator.h"
#include "agent/peer_time.h"

namespace agent::commands {

struct TakeoverInputs {
  const RefreshRequest& request;  // with request_ids, expect and takeover
  const db::LocatedBdm& found;
  const db::InstanceSummary& instance;
  cinder::AttachmentApi& cinder;
  const ConnectorSource& connector;
  const std::string& state_dir;
  const std::string& event_host;
  const Log& log;
  PeerTime* journal_sync = nullptr;
  const StopRequest* stop = nullptr;  // ends a wait for the lock to age (kInterrupted)
};

struct TakeoverResult {
  enum class Kind {
    kNotOurs,     // nothing done: the ordinary refresh goes on
    kRolledBack,  // the other agent's refresh was undone: refresh again (fresh ids)
    kEnded,       // `ending` is the request's ending (finished, refused or failed)
  };
  Kind kind = Kind::kNotOurs;
  RefreshEnding ending;
  std::vector<std::string> lines;  // kRolledBack: what reconciliation did
};

TakeoverResult TakeOverIfOurs(const TakeoverInputs& in);

}  // namespace agent::commands
