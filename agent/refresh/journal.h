// RefreshJournal: the crash-safe record of one refresh, a file
// <state dir>/<instance uuid>.journal of JSON lines, one per step, written
// before the step it announces starts (and after the step that produced an
// id), so that after a crash `bdm-agent recover` knows what may have happened
// and the ids it must look at. Each line is written at once (a killed process
// loses nothing); a line is fsync'd when its Sync says so (see Record), and
// the refresh syncs exactly what recovery cannot learn from the database or
// Cinder (refresh_workflow.cpp).
//
// The first line ("begin") holds everything recovery needs without the
// original command line: the BDM, volume and old attachment, the connector,
// the lock reason and the request ids of the lock, action and unlock. Later
// lines are steps (JournalStep), some with a value (the new attachment id,
// the new connection_info). A torn last line (crash while writing) is
// ignored; any other unreadable line makes the journal kCorrupt. So does a
// file that is not a regular one (never opened blocking: a FIFO is refused),
// one larger than input::kMaxJournalBytes, a line longer than
// input::kMaxJournalLineBytes, nested deeper than input::kMaxJsonDepth or
// holding a key twice, and a begin line whose connector is not a JSON object
// within the same limits (recovery sends it to Cinder again). List() skips
// entries that are not regular files.
//
// A journal is owned by one process at a time: an exclusive flock(2) is held
// from creation (the file appears under its name already locked and with its
// begin line) until Remove() or destruction. A dry run opens a journal
// read-only under a shared lock and never changes it.
//
// The state dir holds journals only (0600: a connection_info may hold a
// CHAP password). It is created 0700 when missing; an existing one is used
// as it is only when it is safe: a directory (or a symlink to one) owned by
// this user and not writable by group or others. Nothing here ever chmods
// it. Journal names are instance uuids, checked (IsCanonicalUuid) before
// they become paths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/peer_time.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace agent::refresh {

// Whose lock a refresh works under. A single refresh locks and unlocks the
// instance itself; in a batch, an instance's BDMs are refreshed under one
// lock (issue 12): the first of them takes the unit's lock, the others find
// it held, and none of them unlocks (the unit does, or, after a crash, the
// batch's resume or `recover`).
enum class LockScope {
  kRefresh,    // lock and unlock (a single refresh, as nova-manage)
  kUnitTakes,  // lock with the unit's reason and ids; leave it locked
  kUnitHeld,   // already locked by the unit: neither lock nor unlock
};

struct JournalBegin {
  std::string instance_uuid;
  std::string volume_id;
  std::int64_t bdm_id = 0;
  std::optional<std::string> bdm_uuid;
  std::optional<std::string> cell_uuid;          // empty: the local [database]
  std::optional<std::string> old_attachment_id;  // the BDM's before the refresh
  std::optional<std::string> device_name;        // sent to Cinder as mountpoint
  std::string connector_json;                    // the connector object, as given
  std::string compute_host;                      // the instance's host (RPC server)
  std::string lock_reason;
  std::string lock_request_id, action_request_id, unlock_request_id;
  std::string event_host;                        // [DEFAULT] host of this node
  bool compute_deletes_old = false;              // remove_volume_connection sent delete_attachment
  LockScope lock_scope = LockScope::kRefresh;    // absent in older journals: kRefresh
};

std::string_view LockScopeName(LockScope scope);

enum class JournalStep {
  kLocked,
  kActionStarted,
  kCreatingAttachment,  // value: when Cinder will have settled the create (unix seconds; see JournalState)
  kCreateRefused,       // Cinder answered the create with an error: it made no attachment
  kAttachmentCreated,   // value: the new attachment id
  kRemovingConnection,
  kConnectionRemoved,
  kDeletingOldAttachment,
  kOldAttachmentDeleted,
  kUpdatingAttachment,
  kAttachmentUpdated,   // value: the new connection_info (Nova's form)
  kSavingBdm,
  kBdmSaved,
  kCompleting,
  kCompleted,
  kActionFinished,
  kUnlocked,
};

std::string_view JournalStepName(JournalStep step);

struct JournalState {
  JournalBegin begin;
  std::vector<JournalStep> steps;                // in the order written
  std::optional<std::string> new_attachment_id;
  std::optional<std::string> new_connection_info;
  // From the last creating_attachment line: the time (unix seconds) by which
  // Cinder has carried out that create if it ever will (the request was sent
  // just after the line and the client gives up on it after its timeout).
  // Absent in journals of older versions.
  std::optional<std::int64_t> create_settles_by;

  bool Reached(JournalStep step) const;
};

// Whether `text` is a UUID as Nova writes instance uuids: 8-4-4-4-12 hex
// digits. Only such names become journal paths.
bool IsCanonicalUuid(std::string_view text);

// For a real run: makes sure `state_dir` can hold journals, creating it
// (0700, parents as needed) when missing. kInvalidInput naming the problem
// when it exists but is not a directory, is not owned by this user or is
// writable by group or others; kUnavailable when it cannot be created.
base::Status PrepareStateDir(const std::string& state_dir);

// For a dry run: the checks of PrepareStateDir, and that it could create the
// directory or write into it, without changing anything.
base::Status CheckStateDir(const std::string& state_dir);

// For recovery: `state_dir` is missing (nothing to recover) or passes the
// ownership and mode checks of PrepareStateDir. Changes nothing.
base::Status CheckStateDirForReading(const std::string& state_dir);

class RefreshJournal {
 public:
  // Creates the journal of begin.instance_uuid with its begin line.
  // kFailedPrecondition when one exists (an earlier refresh to recover, or
  // one running); kUnavailable when the state dir cannot be written.
  // `sync_time` (may be nullptr; must outlive the journal) gets the time of
  // every fsync/fdatasync, so that --timings can say how much of bdm-agent's
  // own time is the journal's durability.
  static base::Result<RefreshJournal> Create(const std::string& state_dir, const JournalBegin& begin,
                                             PeerTime* sync_time = nullptr);

  // How Open() holds an existing journal: kWrite to record steps and remove
  // it (exclusive lock; a torn last line is cut off), kReadOnly for a dry
  // run (shared lock; the file is not changed, Record() and Remove() are
  // programming errors).
  enum class Mode { kWrite, kReadOnly };

  // The existing journal of an instance, locked for this process; empty when
  // there is none. kFailedPrecondition when another process holds it;
  // kInvalidInput when `instance_uuid` is not a canonical uuid; kCorrupt when
  // it does not parse.
  static base::Result<std::optional<RefreshJournal>> Open(const std::string& state_dir,
                                                         std::string_view instance_uuid, Mode mode = Mode::kWrite);

  // The instance uuids that have a journal in `state_dir`, sorted (names
  // that are not canonical uuids are not journals and are skipped).
  static base::Result<std::vector<std::string>> List(const std::string& state_dir);

  RefreshJournal(RefreshJournal&&) noexcept = default;
  RefreshJournal& operator=(RefreshJournal&&) noexcept = default;

  // When a record is made durable: kNow fsyncs it (and any record written
  // before it) before Record returns; kWithNextRecord only writes it, and the
  // next kNow record covers it. A process crash loses nothing written either
  // way; a power loss may lose kWithNextRecord lines after the last kNow one,
  // so use it only for what recovery can also learn elsewhere.
  enum class Sync { kNow, kWithNextRecord };

  // Appends one step (with its value, if any), made durable as `sync` says.
  base::Status Record(JournalStep step, std::optional<std::string_view> value = std::nullopt, Sync sync = Sync::kNow);

  // Deletes the file once the refresh is over and consistent.
  base::Status Remove();

  const JournalState& state() const { return state_; }
  const std::string& path() const { return path_; }

 private:
  RefreshJournal(std::string path, base::UniqueFd fd, JournalState state, PeerTime* sync_time, Mode mode);

  std::string path_;
  Mode mode_;
  base::UniqueFd fd_;
  JournalState state_;
  PeerTime* sync_time_;
};

// The journal text for `state` (begin line + steps) and back; exposed for tests.
std::string EncodeJournalLine(const JournalBegin& begin);
std::string EncodeJournalLine(JournalStep step, std::optional<std::string_view> value);
base::Result<JournalState> ParseJournal(std::string_view text);

}  // namespace agent::refresh
