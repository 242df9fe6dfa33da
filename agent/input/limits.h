// The limits bdm-agent puts on what it reads from outside the process: files
// an operator names, its own journals, database columns, the answers of
// Cinder and Keystone. Each is far above what real data reaches (a connector
// is about 1 KiB, a connection_info a few KiB, a nova.conf with every
// comment a few hundred KiB, a Keystone token with a large catalog some hundred
// KiB) and low enough that no input can exhaust the stack or the memory.
// Going over a limit is an error that names the limit; nothing is cut.
#pragma once

#include <cstddef>

namespace agent::input {

// Nesting of arrays and objects in any JSON parsed in agent/ (the deepest
// real one, a Keystone token's catalog, has 5 levels). rpc/ has its own
// limit for broker messages (rpc::kMaxJsonDepth).
inline constexpr int kMaxJsonDepth = 64;

// A connector file (or standard input for "--connector -").
inline constexpr std::size_t kMaxConnectorBytes = std::size_t{1} << 20;  // 1 MiB

// A connection_info: read from the block_device_mapping table, or received
// from Cinder before it is stored there.
inline constexpr std::size_t kMaxConnectionInfoBytes = std::size_t{1} << 20;  // 1 MiB

// A refresh journal: one line (the begin line holds the connector, a step
// line may hold a connection_info, each escaped as a JSON string, which at
// most doubles it), and the whole file (about 16 lines).
inline constexpr std::size_t kMaxJournalLineBytes = std::size_t{4} << 20;  // 4 MiB
inline constexpr std::size_t kMaxJournalBytes = std::size_t{16} << 20;     // 16 MiB

// A batch run's journal (agent/fleet/run_journal.h): a line (a plan line
// is about 300 bytes, an end line's detail one error line), and the whole
// file (about 400 bytes per BDM: some 150,000 BDMs).
inline constexpr std::size_t kMaxRunJournalLineBytes = std::size_t{64} << 10;  // 64 KiB
inline constexpr std::size_t kMaxRunJournalBytes = std::size_t{64} << 20;      // 64 MiB

// A host file get-connector reads (/etc/iscsi/initiatorname.iscsi,
// /etc/nvme/hostnqn, /sys attributes); a longer one counts as unreadable.
inline constexpr std::size_t kMaxHostFileBytes = std::size_t{1} << 20;  // 1 MiB

// One configuration file (--config-file, or a *.conf in --config-dir).
inline constexpr std::size_t kMaxConfigFileBytes = std::size_t{16} << 20;  // 16 MiB

// One HTTP answer from Cinder or Keystone, header lines and body together,
// error answers included; a longer answer fails the request.
inline constexpr std::size_t kMaxHttpAnswerBytes = std::size_t{8} << 20;  // 8 MiB

}  // namespace agent::input
