// bdm-agent's exit codes. Each command keeps nova-manage's number where
// nova-manage has the same failure (show: 2, 3; refresh: 2-7); failures that
// nova-manage does not tell apart get codes of their own, from 20 up, shared
// by every command. Only main() turns a Status into an exit code, through the
// command that knows which step failed.
#pragma once

#include "base/status.h"

namespace agent::exit_code {

inline constexpr int kOk = 0;
inline constexpr int kUnexpected = 1;  // internal error; the message says what

// show (as nova-manage volume_attachment show)
inline constexpr int kShowInstanceNotFound = 2;  // no instance mapping, or no instance row
inline constexpr int kShowBdmNotFound = 3;       // no such (volume) BDM

// Shared by every command.
inline constexpr int kConfig = 20;              // config file missing/unreadable, option or URL invalid
inline constexpr int kApiDbUnavailable = 21;    // API database unreachable
inline constexpr int kCellDbUnavailable = 22;   // a cell database unreachable
inline constexpr int kDbAccessDenied = 23;      // a database refused our credentials
inline constexpr int kCorruptData = 24;         // stored data does not decode (bad JSON in the DB, ...)
inline constexpr int kInstanceDeleted = 25;     // the instance exists but is deleted
inline constexpr int kDbSchema = 26;            // schema missing or too old (no such table/column)
inline constexpr int kNoConnectionInfo = 27;    // the BDM's connection_info is NULL where one is needed
inline constexpr int kUsage = 64;               // bad command line (as sysexits' EX_USAGE)
inline constexpr int kInterrupted = 130;        // SIGINT

// The exit code for a failure of the API database (api = true) or a cell
// database: unreachable, access denied, schema, corrupt row, or unexpected.
int ForDatabase(const base::Status& status, bool api);

}  // namespace agent::exit_code
