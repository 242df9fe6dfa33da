// RunJournal: the crash-safe record of one batch refresh, so that a run cut
// short (crash, SIGKILL, Ctrl-C) is resumed without doing anything twice. A
// file <state dir>/runs/<run id>.run of JSON lines:
//   {"run": ID, "format": 1, "created": <unix s>, "selection": "...", "workers": N, "per_host": N,
//    "connector_dir": DIR|null, "allowed_hypervisor_types": [...],
//    "via_rpc": {"outcome_timeout": S, "takeover_after": S}}     (via_rpc only for a run cast to agents)
//   {"plan": i, "instance": U, "volume": V, "bdm_id": n, "bdm_uuid": ..., "cell": ..., "host": H,
//    "attachment": <the BDM's attachment_id when planned, or null>, "reason": "..."}     one per BDM
//   {"planned": n}
// Create() writes these under a temporary name, syncs them and links the file
// into place: a run exists with its whole plan or not at all. Then:
//   {"start": i}                                     synced before BDM i's refresh begins
//   {"end": i, "outcome": "...", "exit": code, "detail": "..."}   written, not synced
//   {"unit_lock": i, "reason": "...", "unlock": REQ}  before BDM i's start line (synced with it): BDM i's
//                                                    refresh takes its instance's lock for the batch unit
//   {"unit_unlocked": i}                             that lock is let go (or BDM i never took it)
//   {"closed": <unix s>, "complete": true|false}     when the run stops or ends
// An end line lost to a power failure costs nothing: a BDM started and not
// ended is decided on resume from the live state (its refresh journal, then
// whether the BDM still holds the planned attachment), never run blindly.
//
// A run is worked on by one process at a time: the file is flock()ed
// exclusively from Create()/Open() until the RunJournal is destroyed. Run
// ids are checked (IsRunId) before they become paths. Reading refuses what
// bdm-agent did not write: not a regular file (a FIFO is never waited on),
// over input::kMaxRunJournalBytes, a line over input::kMaxRunJournalLineBytes,
// lines out of order, an index outside the plan, a plan that does not end in
// its "planned" line. A torn last line is ignored (and cut off by Open).
//
// Thread safety: RecordStart/RecordEnd/Close may be called from several
// worker threads at once, and Entry() beside them; state() is for the thread
// that owns the journal, while no worker records.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace agent::fleet {

struct PlannedBdm {
  std::string instance_uuid;
  std::string volume_id;
  std::int64_t bdm_id = 0;
  std::optional<std::string> bdm_uuid;
  std::optional<std::string> cell;
  std::string host;                               // the instance's compute host
  std::optional<std::string> attachment_id;       // the BDM's when planned
  std::string reason;                             // why it is in the plan (an audit class, "selected")
};

struct RunHeader {
  std::string run_id;
  std::int64_t created = 0;  // unix seconds
  std::string selection;     // the command line's selection, for the operator
  int workers = 0;
  int per_host = 0;
  std::optional<std::string> connector_dir;            // --connector-dir, for resume
  std::vector<std::string> allowed_hypervisor_types;  // --allow-hypervisor-type, for resume
  struct ViaRpc {
    std::int64_t outcome_timeout_s = 0;
    std::int64_t takeover_after_s = 0;
  };
  std::optional<ViaRpc> via_rpc;  // --via-rpc and its timeouts, for resume
};

enum class BdmProgress { kNotStarted, kStarted, kEnded };

struct RunBdm {
  PlannedBdm plan;
  BdmProgress progress = BdmProgress::kNotStarted;
  std::string outcome;  // kEnded: "refreshed", "skipped", ...
  int exit_code = 0;
  std::string detail;
};

// A batch unit's lock on an instance (the instance of BDM `index`): the
// reason it locks with and the request id to unlock with.
struct UnitLockRecord {
  std::size_t index = 0;
  std::string reason;
  std::string unlock_request_id;
  bool released = false;  // a unit_unlocked line
};

struct RunState {
  RunHeader header;
  std::vector<RunBdm> bdms;
  std::vector<UnitLockRecord> unit_locks;  // in the order written
  bool closed_complete = false;  // a closed line said every BDM had ended
};

// A run as read without taking it over (recover's report): `in_use` when a
// process is working on it.
struct RunSnapshot {
  RunState state;
  bool in_use = false;
};

// "YYYYMMDD-HHMMSS-xxxxxxxx" (UTC, 8 hex digits of randomness).
bool IsRunId(std::string_view text);
std::string NewRunId(std::int64_t unix_seconds, std::uint32_t random);

class RunJournal {
 public:
  // Creates the run's file with its plan. kInvalidInput for a bad run id or
  // state dir; kFailedPrecondition when the run exists; kUnavailable when
  // the state dir cannot be written.
  static base::Result<RunJournal> Create(const std::string& state_dir, const RunHeader& header,
                                         const std::vector<PlannedBdm>& plan);

  // An existing run, locked for this process. kNotFound when there is no
  // such run; kFailedPrecondition when another process holds it; kCorrupt
  // when it does not read as above; kInvalidInput for a bad run id.
  static base::Result<RunJournal> Open(const std::string& state_dir, std::string_view run_id);

  // Reads a run without locking it for work or writing anything (a torn last
  // line is left as it is). Errors as Open's, never kFailedPrecondition.
  static base::Result<RunSnapshot> Inspect(const std::string& state_dir, std::string_view run_id);

  // The run ids in `state_dir`, oldest first (files whose names are not run
  // ids are skipped).
  static base::Result<std::vector<std::string>> List(const std::string& state_dir);

  RunJournal(RunJournal&& other) noexcept;
  RunJournal& operator=(RunJournal&&) = delete;

  base::Status RecordStart(std::size_t index);
  base::Status RecordEnd(std::size_t index, std::string_view outcome, int exit_code, std::string_view detail);
  // Written before RecordStart(index), which makes it durable.
  base::Status RecordUnitLock(std::size_t index, std::string_view reason, std::string_view unlock_request_id);
  base::Status RecordUnitUnlocked(std::size_t index);
  // `complete`: every BDM has ended (a run stopped early is closed incomplete
  // and can still be resumed).
  base::Status Close(bool complete, std::int64_t unix_seconds);

  const RunState& state() const { return state_; }
  // BDM `index`'s entry; safe while workers record.
  RunBdm Entry(std::size_t index) const;
  const std::string& path() const { return path_; }

 private:
  RunJournal(std::string path, base::UniqueFd fd, RunState state);
  base::Status Append(const std::string& line, bool sync);

  std::string path_;
  base::UniqueFd fd_;
  RunState state_;
  mutable std::mutex mutex_;  // one line at a time, and state_ with it
};

// The journal's text, exposed for tests.
std::string EncodeRunPlan(const RunHeader& header, const std::vector<PlannedBdm>& plan);
base::Result<RunState> ParseRunJournal(std::string_view text);

}  // namespace agent::fleet
