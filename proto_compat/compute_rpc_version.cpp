#include "proto_compat/compute_rpc_version.h"

#include <array>
#include <charconv>
#include <stdexcept>
#include <utility>

namespace proto_compat {
namespace {

// VERSION_ALIASES of the newest known release (the Zed ones are verbatim
// from the installed rpcapi.py; antelope.. gazpacho from shared/docs).
constexpr std::array<std::pair<std::string_view, std::string_view>, 25> kAliases = {{
    {"icehouse", "3.23"}, {"juno", "3.35"},     {"kilo", "4.0"},      {"liberty", "4.5"},
    {"mitaka", "4.11"},   {"newton", "4.13"},   {"ocata", "4.13"},    {"pike", "4.17"},
    {"queens", "5.0"},    {"rocky", "5.0"},     {"stein", "5.1"},     {"train", "5.3"},
    {"ussuri", "5.11"},   {"victoria", "5.12"}, {"wallaby", "6.0"},   {"xena", "6.0"},
    {"yoga", "6.0"},      {"zed", "6.1"},       {"antelope", "6.2"},  {"bobcat", "6.2"},
    {"caracal", "6.3"},   {"dalmatian", "6.3"}, {"epoxy", "6.4"},     {"flamingo", "6.4"},
    {"gazpacho", "6.5"},
}};

// SERVICE_VERSION_HISTORY[i]['compute_rpc'] for i = 0..73 (see the header for
// where 65..73 come from).
constexpr std::array<std::string_view, kNewestComputeServiceVersion + 1> kServiceHistory = {
    "4.0",  "4.4",  "4.5",  "4.6",  "4.6",  "4.7",  "4.8",  "4.9",  "4.10", "4.11",  // 0-9
    "4.11", "4.12", "4.12", "4.13", "4.13", "4.13", "4.13", "4.13", "4.14", "4.15",  // 10-19
    "4.16", "4.17", "4.17", "4.18", "4.18", "4.18", "4.19", "4.20", "4.21", "4.22",  // 20-29
    "5.0",  "5.0",  "5.0",  "5.0",  "5.0",  "5.0",  "5.0",  "5.1",  "5.1",  "5.2",   // 30-39
    "5.3",  "5.4",  "5.5",  "5.6",  "5.7",  "5.8",  "5.9",  "5.10", "5.10", "5.10",  // 40-49
    "5.11", "5.11", "5.11", "5.12", "5.13", "5.13", "6.0",  "6.0",  "6.0",  "6.0",   // 50-59
    "6.0",  "6.0",  "6.0",  "6.0",  "6.1",  "6.1",  "6.2",  "6.3",  "6.3",  "6.3",   // 60-69
    "6.4",  "6.4",  "6.4",  "6.5",                                                   // 70-73
};

bool ParseNumber(std::string_view text, int& out) {
  if (text.empty() || text.size() > 6) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && out >= 0;
}

RpcVersion Known(std::string_view text) {
  auto version = ParseRpcVersion(text);
  if (!version.ok()) throw std::logic_error("bad built-in RPC version " + std::string(text));
  return *version;
}

}  // namespace

base::Result<RpcVersion> ParseRpcVersion(std::string_view text) {
  RpcVersion version;
  const std::size_t first = text.find('.');
  const std::size_t second = first == std::string_view::npos ? first : text.find('.', first + 1);
  bool ok = first != std::string_view::npos && ParseNumber(text.substr(0, first), version.major);
  if (ok && second == std::string_view::npos) {
    ok = ParseNumber(text.substr(first + 1), version.minor);
  } else if (ok) {
    int revision = 0;
    ok = ParseNumber(text.substr(first + 1, second - first - 1), version.minor) &&
         ParseNumber(text.substr(second + 1), revision);
    version.revision = revision;
  }
  if (!ok) {
    return base::Status::InvalidInput("'" + std::string(text) +
                                      "' is not an RPC version (expected MAJOR.MINOR, e.g. 6.0)");
  }
  return version;
}

std::string FormatRpcVersion(const RpcVersion& version) {
  std::string text = std::to_string(version.major) + "." + std::to_string(version.minor);
  if (version.revision) text += "." + std::to_string(*version.revision);
  return text;
}

bool CanSendVersion(const std::optional<RpcVersion>& cap, const RpcVersion& version) {
  if (!cap) return true;
  if (version.major != cap->major || version.minor > cap->minor) return false;
  return version.minor < cap->minor || version.revision.value_or(0) <= cap->revision.value_or(0);
}

std::optional<std::string_view> ComputeRpcAlias(std::string_view release) {
  for (const auto& [name, version] : kAliases) {
    if (name == release) return version;
  }
  return std::nullopt;
}

std::optional<RpcVersion> ComputeRpcForServiceVersion(std::int64_t service_version) {
  if (service_version < 0 || service_version > kNewestComputeServiceVersion) return std::nullopt;
  return Known(kServiceHistory[static_cast<std::size_t>(service_version)]);
}

std::int64_t MinimumServiceVersionAcrossCells(std::span<const std::optional<std::int64_t>> per_cell) {
  std::int64_t minimum = 0;
  for (const auto& version : per_cell) {
    if (!version || *version == 0) continue;
    if (minimum == 0 || *version < minimum) minimum = *version;
  }
  return minimum;
}

bool IsAutoUpgradeLevel(const std::optional<std::string>& level) { return !level || *level == "auto"; }

base::Result<ComputeRpcCap> ResolveComputeRpcCap(const std::optional<std::string>& level,
                                                 std::optional<std::int64_t> minimum_service_version) {
  if (IsAutoUpgradeLevel(level)) {
    const std::string auto_origin =
        level ? "[upgrade_levels] compute = auto" : "[upgrade_levels] compute is not set (as auto)";
    if (!minimum_service_version) {
      throw std::logic_error("ResolveComputeRpcCap: auto (or unset) needs the service version");
    }
    const std::int64_t minimum = *minimum_service_version;
    if (minimum < 0) {
      return base::Status::Corrupt("minimum nova-compute service version " + std::to_string(minimum) +
                                   " is negative");
    }
    if (minimum == 0) {
      return ComputeRpcCap{Known(kNewestComputeRpcVersion),
                           auto_origin + ": no nova-compute service reports a version, using the newest (" +
                               std::string(kNewestComputeRpcVersion) + ")"};
    }
    auto cap = ComputeRpcForServiceVersion(minimum);
    if (!cap) {
      return base::Status::FailedPrecondition(
          "minimum nova-compute service version " + std::to_string(minimum) + " is newer than " +
          std::to_string(kNewestComputeServiceVersion) + ", the newest this bdm-agent knows (Nova " +
          std::string(kNewestComputeRpcVersion) +
          "); set [upgrade_levels] compute to a version such as " + std::string(kNewestComputeRpcVersion));
    }
    return ComputeRpcCap{cap, auto_origin + ": minimum nova-compute service version " + std::to_string(minimum) +
                                  " -> " + FormatRpcVersion(*cap)};
  }
  const std::optional<std::string_view> alias = ComputeRpcAlias(*level);
  auto cap = ParseRpcVersion(alias.value_or(*level));
  if (!cap.ok()) {
    return base::Status::InvalidInput("[upgrade_levels] compute = '" + *level +
                                      "' is neither a release name in lower case (e.g. zed) nor a version "
                                      "(e.g. 6.0) nor auto");
  }
  std::string origin = "[upgrade_levels] compute = " + *level;
  if (alias) origin += " -> " + FormatRpcVersion(*cap);
  return ComputeRpcCap{*cap, std::move(origin)};
}

}  // namespace proto_compat
