// The file handling every journal of bdm-agent shares (a refresh's
// <instance>.journal, a batch run's runs/<run id>.run): a file that appears
// under its name already complete and locked, lines appended and made
// durable when the caller says, and the directory synced after a create.
// Messages name the path and the system's reason, never the content.
//
// Thread safety: no shared state; each call works on the descriptor given.
#pragma once

#include <string>
#include <string_view>

#include "agent/peer_time.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace agent::refresh {

enum class Durability { kSync, kNoSync };

// Writes all of `text` at `fd`'s offset; with kSync, fdatasync()s it too
// (the time spent syncing goes to `sync_time`, which may be nullptr).
// kUnavailable naming `path` on failure.
base::Status AppendToJournal(int fd, std::string_view text, const std::string& path, PeerTime* sync_time,
                             Durability durability = Durability::kSync);

// fsync()s directory `dir`, so that a file created or linked there survives a power loss.
base::Status SyncJournalDirectory(const std::string& dir, PeerTime* sync_time);

// Creates `path` (mode 0600) holding `first_text`, synced and exclusively
// flock()ed: written under a temporary name in `dir` and linked into place,
// so the file never exists incomplete or unlocked; then syncs `dir`.
// kFailedPrecondition (with `exists_message`) when `path` exists already;
// kUnavailable when `dir` cannot be written.
base::Result<base::UniqueFd> CreateLockedJournal(const std::string& dir, const std::string& path,
                                                 std::string_view first_text, const std::string& exists_message,
                                                 PeerTime* sync_time);

}  // namespace agent::refresh
