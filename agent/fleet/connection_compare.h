// Which parts of a volume's connection_info matter when the audit compares
// what Nova stores with what Cinder returns now: the driver type and, in
// `data`, where and as whom a host connects (target portal(s), IQN(s),
// LUN(s), WWN(s), rbd monitor hosts and ports, the image name,
// auth_username). Other members (access_mode, qos_specs, encrypted,
// keyring, secrets, ...) are ignored: they do not make a connection point
// elsewhere. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace agent::fleet {

// The fields that matter which differ between `stored` (Nova's BDM
// connection_info object: {"driver_volume_type", "data": {...}, ...}) and
// `current` (Cinder's attachment connection_info, flattened: the data
// members beside driver_volume_type), by name ("driver_volume_type",
// "data.hosts", ...); empty when they agree. A field absent on both sides
// agrees; rbd monitor hosts compare as sets.
std::vector<std::string> ConnectionDiff(const rapidjson::Value& stored, const rapidjson::Value& current);

// The stored driver_volume_type, nullopt when absent or not a string.
std::optional<std::string> StoredDriverType(const rapidjson::Value& stored);

// The stored data.hosts as strings (rbd monitor hosts), sorted, duplicates
// removed; nullopt when absent or not a list of strings.
std::optional<std::vector<std::string>> StoredMonitorHosts(const rapidjson::Value& stored);

}  // namespace agent::fleet
