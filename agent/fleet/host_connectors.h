// HostConnectors: the os-brick connector of each compute host a batch
// refresh works on, found once per host and kept for the run (a failure too:
// a host without a connector has its BDMs skipped with that reason, and is
// asked only once):
//   1. <dir>/<host>.json, when a directory is given and that file exists,
//      read and checked as refresh reads --connector (connector_file.h);
//   2. otherwise, when `ask` is given, what it answers (the command asks
//      the bdm-agent serving on that host over RPC: serve/connector_fetch.h);
//   3. otherwise kMissing, naming where it looked.
// A host name from the database becomes a path only when it is a plausible
// host name (letters, digits, '.', '-', '_'; not starting with '.'; at most
// 255 bytes); another one is kUnreadable.
//
// Thread safety: Get may be called from several threads at once; a host's
// connector is looked for by one of them while the others wanting the same
// host wait; different hosts do not wait for each other. `ask` is called
// from those threads, one call per host, several hosts at once.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "agent/refresh/connector_file.h"

namespace agent::fleet {

using ConnectorLookup = std::variant<refresh::Connector, refresh::ConnectorError>;

bool IsPlausibleHostName(std::string_view host);

class HostConnectors {
 public:
  using Ask = std::function<ConnectorLookup(const std::string& host)>;

  HostConnectors(std::optional<std::string> dir, Ask ask) : dir_(std::move(dir)), ask_(std::move(ask)) {}

  ConnectorLookup Get(const std::string& host);

 private:
  struct Entry {
    std::mutex mutex;
    std::optional<ConnectorLookup> found;
  };
  ConnectorLookup Find(const std::string& host) const;

  const std::optional<std::string> dir_;
  const Ask ask_;
  std::mutex mutex_;  // guards entries_ (not the lookups)
  std::map<std::string, std::shared_ptr<Entry>> entries_;
};

}  // namespace agent::fleet
