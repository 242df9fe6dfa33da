// The host files os-brick reads for a connector, read and parsed the way
// os-brick 6.1 (python3-os-brick on Debian 12 / Nova 26 Zed) reads them:
//   /etc/iscsi/initiatorname.iscsi         InitiatorName= (iSCSI)
//   /sys/class/fc_host/*/{port_name,node_name,port_state}   (Fibre Channel)
//   /etc/nvme/hostnqn                      host NQN (NVMe-oF, LightOS)
//   /sys/module/nvme_core/parameters/multipath   "Y" = native NVMe multipath
//   /sys/class/dmi/id/product_uuid         DMI system UUID
// Every path is taken below HostPaths::root so that tests can point the
// readers at a temporary tree; in production root is "/". A file that is
// missing or unreadable is "absent" (nullopt / empty), never an error, as in
// os-brick. Reads only; no state; safe from several threads.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agent::host {

struct HostPaths {
  std::filesystem::path root = "/";
  // `absolute` ("/etc/nvme/hostnqn") below root.
  std::filesystem::path At(std::string_view absolute) const;
};

// Python's str.strip(): drops leading and trailing whitespace (ASCII
// whitespace and the separators \x1c-\x1f, as Python counts them).
std::string PythonStrip(std::string_view text);

// The whole file, or nullopt when it cannot be opened or read, is not a
// regular file (never opened blocking) or is larger than
// input::kMaxHostFileBytes.
std::optional<std::string> ReadWholeFile(const std::filesystem::path& path);

// The value after "InitiatorName=" on the first line that starts with it,
// stripped; nullopt when no line does.
std::optional<std::string> ParseInitiatorName(std::string_view file_text);
std::optional<std::string> ReadIscsiInitiator(const HostPaths& paths);

// One /sys/class/fc_host/<name> entry whose three attributes could be read
// (stripped). Entries with an unreadable attribute are skipped, as os-brick does.
struct FcHost {
  std::string name;  // "host5"
  std::string port_name, node_name, port_state;
};
// In directory order (what Python's glob returns), hidden names skipped.
std::vector<FcHost> ReadFcHosts(const HostPaths& paths);

// The port and node names of the hosts whose port_state is exactly
// "Online", with every "0x" removed (os-brick: str.replace('0x', '')).
struct FcPortNames {
  std::vector<std::string> wwpns, wwnns;
};
FcPortNames OnlineFcPortNames(const std::vector<FcHost>& hosts);

// /etc/nvme/hostnqn stripped; nullopt when it cannot be read.
std::optional<std::string> ReadHostNqnFile(const HostPaths& paths);

// True when nvme_core's multipath parameter reads "Y" (stripped).
bool ReadNvmeNativeMultipath(const HostPaths& paths);

// /sys/class/dmi/id/product_uuid stripped; nullopt when it cannot be read
// (os-brick then asks dmidecode; an empty file is an empty answer).
std::optional<std::string> ReadProductUuid(const HostPaths& paths);

}  // namespace agent::host
