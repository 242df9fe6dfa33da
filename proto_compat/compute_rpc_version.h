// Compute RPC versions: how Nova's compute RPC client picks its version cap
// from `[upgrade_levels] compute` (nova/compute/rpcapi.py ComputeAPI.router
// and _determine_version_cap, nova/objects/service.py, oslo.messaging's
// version_is_compatible).
//
//   "auto"         the cap follows the oldest nova-compute: the minimum
//                  service version (services.version over live, not
//                  forced-down nova-compute rows of every cell) mapped
//                  through SERVICE_VERSION_HISTORY; 0 (no computes) means
//                  the newest version known, as Nova does without caching
//   unset          the same as "auto". Here bdm-agent differs from Nova,
//                  whose client sends its own newest version when unset: a
//                  bdm-agent newer than the computes (the usual case for a
//                  repair tool) would then send 6.3 on topic compute-alt,
//                  which an older compute never answers (a 60 s timeout)
//   a release name VERSION_ALIASES, lower case ("zed" -> 6.1)
//   anything else  used as a version literally ("6.0"; "Zed" is not an alias;
//                  an empty value is an error, as int('') is in Nova)
// The newest call regardless of the computes takes an explicit cap at the
// newest version: "gazpacho" or kNewestComputeRpcVersion ("6.5").
//
// Tables: the newest Nova this file knows is 33.x ("gazpacho", compute RPC
// 6.5, SERVICE_VERSION 73). Service versions 0..64 are Zed's
// SERVICE_VERSION_HISTORY as installed. 65..73 could not be read here (only
// Zed is installed); they follow shared/docs: 66 brings 6.2, 67 brings 6.3
// (delete_attachment), 70 is taken as the first 6.4 and 73 as the first 6.5.
// For remove_volume_connection only the 6.3 and 6.5 boundaries matter, and
// 6.5 is placed as late as possible: routing to topic compute-alt a compute
// that does not serve it is a silent 60 s timeout, the other mistake is not.
//
// Pure functions over constant tables; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace proto_compat {

// "major.minor" or "major.minor.revision"; a missing revision counts as 0.
struct RpcVersion {
  int major = 0;
  int minor = 0;
  std::optional<int> revision;

  friend bool operator==(const RpcVersion&, const RpcVersion&) = default;
};

// kInvalidInput unless the text is two or three dot-separated decimal
// numbers (oslo would raise on anything it cannot int()).
base::Result<RpcVersion> ParseRpcVersion(std::string_view text);

std::string FormatRpcVersion(const RpcVersion& version);

// version_is_compatible(cap, version): no cap, or the same major and a
// minor (then revision) not above the cap's.
bool CanSendVersion(const std::optional<RpcVersion>& cap, const RpcVersion& version);

// The newest service version and compute RPC version this file knows.
inline constexpr std::int64_t kNewestComputeServiceVersion = 73;
inline constexpr std::string_view kNewestComputeRpcVersion = "6.5";

// VERSION_ALIASES[release], e.g. "zed" -> "6.1", "caracal" -> "6.3".
std::optional<std::string_view> ComputeRpcAlias(std::string_view release);

// SERVICE_VERSION_HISTORY[service_version]['compute_rpc']; empty beyond
// kNewestComputeServiceVersion or below 0.
std::optional<RpcVersion> ComputeRpcForServiceVersion(std::int64_t service_version);

// The minimum over cells as get_minimum_version_all_cells computes it: each
// entry is one cell's MIN(version) (empty when the cell has no such row);
// empty and zero entries are ignored; 0 when nothing is left. A cell that
// could not be asked is left out by the caller, as Nova skips it.
std::int64_t MinimumServiceVersionAcrossCells(std::span<const std::optional<std::int64_t>> per_cell);

struct ComputeRpcCap {
  std::optional<RpcVersion> cap;  // empty: no cap, as Nova's unpinned client (never from Resolve...)
  std::string origin;             // how it was chosen, for logs
};

// Whether `level` is "auto" or unset, i.e. ResolveComputeRpcCap needs the
// minimum nova-compute service version.
bool IsAutoUpgradeLevel(const std::optional<std::string>& level);

// The cap for `[upgrade_levels] compute` = `level` (see above; nullopt:
// unset). `minimum_service_version` is read only when IsAutoUpgradeLevel and
// must then be given.
// kInvalidInput: the level is neither an alias nor a version.
// kFailedPrecondition: "auto" with a minimum newer than
// kNewestComputeServiceVersion (Nova raises ServiceTooOld: this client is
// too old for the deployment). kCorrupt: a negative minimum.
base::Result<ComputeRpcCap> ResolveComputeRpcCap(const std::optional<std::string>& level,
                                                 std::optional<std::int64_t> minimum_service_version);

}  // namespace proto_compat
