// bdm-agent's exit codes. Each command keeps nova-manage's number where
// nova-manage has the same failure (show: 2, 3; refresh: 2-7); refresh's own
// failures follow (8-19); failures that nova-manage does not tell apart get
// codes of their own, from 20 up, shared by every command. Only main() turns a Status into an exit code, through the
// command that knows which step failed.
#pragma once

#include "base/status.h"

namespace agent::db {
enum class LocateFailure;  // agent/db/bdm_locator.h
}

namespace agent::exit_code {

inline constexpr int kOk = 0;
inline constexpr int kUnexpected = 1;  // internal error; the message says what
inline constexpr int kTraceDiffers = 1;  // trace diff: the traces differ in what matters (as diff(1))

// show (as nova-manage volume_attachment show)
inline constexpr int kShowInstanceNotFound = 2;  // no instance mapping, or no instance row
inline constexpr int kShowBdmNotFound = 3;       // no such (volume) BDM

// refresh (nova-manage volume_attachment refresh's 2-7, then bdm-agent's own)
inline constexpr int kRefreshConnectorMissing = 2;    // the connector file does not exist
inline constexpr int kRefreshConnectorInvalid = 3;    // unreadable, not a JSON object, or no "host"
inline constexpr int kRefreshInstanceNotFound = 4;    // no instance mapping, or no instance row
inline constexpr int kRefreshInstanceState = 5;       // vm_state is not "stopped"
inline constexpr int kRefreshBdmNotFound = 6;         // no volume BDM for the instance and volume
inline constexpr int kRefreshHostConflict = 7;        // the connector's host is not the instance's
inline constexpr int kRefreshInstanceLocked = 8;      // the instance is (or just got) locked
inline constexpr int kRefreshTaskInProgress = 9;      // task_state is set
inline constexpr int kRefreshNotLibvirt = 10;         // no compute host, or not a libvirt compute node
inline constexpr int kRefreshNotVolumeBdm = 11;       // the BDM is not an attached volume
inline constexpr int kRefreshAlreadyRunning = 12;     // another bdm-agent holds this instance's journal
inline constexpr int kRefreshComputeFailed = 13;      // remove_volume_connection failed; rolled back
inline constexpr int kRefreshCinderFailed = 14;       // a Cinder call failed; rolled back
inline constexpr int kRefreshNeedsRecovery = 15;      // not consistent yet: run `bdm-agent recover`
inline constexpr int kRefreshComputeTooOld = 16;      // the compute RPC version cap cannot send the call
inline constexpr int kRefreshBrokerUnavailable = 17;  // message broker unreachable; nothing changed
inline constexpr int kRefreshKeptReserved = 18;       // old attachment gone, no new connection: refresh again
inline constexpr int kRefreshCinderUnavailable = 19;  // Cinder unreachable or refused us; nothing changed

// Shared by every command.
inline constexpr int kConfig = 20;              // config file missing/unreadable, option or URL invalid
inline constexpr int kApiDbUnavailable = 21;    // API database unreachable
inline constexpr int kCellDbUnavailable = 22;   // a cell database unreachable
inline constexpr int kDbAccessDenied = 23;      // a database refused our credentials
inline constexpr int kCorruptData = 24;         // stored data does not decode (bad JSON in the DB, ...)
inline constexpr int kInstanceDeleted = 25;     // the instance exists but is deleted
inline constexpr int kDbSchema = 26;            // schema missing or too old (no such table/column)
inline constexpr int kNoConnectionInfo = 27;    // the BDM's connection_info is NULL where one is needed

// audit
inline constexpr int kAuditNotOk = 1;  // a BDM that is not ok, or a dangling attachment (as the issue asks)

// trace
inline constexpr int kTraceOutputFile = 28;  // record: --out exists or cannot be created or written
inline constexpr int kTraceInputFile = 29;   // decode, replay, diff, refresh --from-audit: the input file missing, not a regular file, or unreadable
inline constexpr int kTracingOff = 30;       // record --firehose: tracing is off on the vhost
inline constexpr int kReplayRepliesDiffer = 31;   // replay --compare: a reply differed, was a failure, or did not come
inline constexpr int kReplaySameBroker = 32;      // replay: --to is the broker the trace was recorded from
inline constexpr int kTraceNothingSelected = 33;  // replay: the trace holds no request the selection keeps

// batch refresh
inline constexpr int kBatchFailed = 34;  // some BDMs failed (or the run stopped before all were done)

inline constexpr int kUsage = 64;               // bad command line (as sysexits' EX_USAGE)
inline constexpr int kInterrupted = 130;        // SIGINT or SIGTERM: stopped at a step boundary, consistent

// The exit code for a failure of the API database (api = true) or a cell
// database: unreachable, access denied, schema, corrupt row, or unexpected.
int ForDatabase(const base::Status& status, bool api);

// The exit code for a BDM the locator did not find: the command's own
// (nova-manage's) numbers for no instance and for no BDM, the shared ones
// for a deleted instance and for the databases (ForDatabase).
int ForLocate(db::LocateFailure failure, const base::Status& status, int instance_not_found, int bdm_not_found);

// The exit code for a journal RefreshJournal::Open could not give: locked by
// another process (12), not a journal bdm-agent could have written (not a
// regular file, too large, not its JSON: kCorrupt, 24, for a person to look
// at), an instance id that cannot name a journal (20), else not consistent
// yet (15).
int ForJournalOpen(const base::Status& status);

}  // namespace agent::exit_code
