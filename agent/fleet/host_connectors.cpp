#include "agent/fleet/host_connectors.h"

#include <cctype>

namespace agent::fleet {
namespace {

refresh::ConnectorError Error(refresh::ConnectorFailure kind, std::string message) {
  return {kind, kind == refresh::ConnectorFailure::kMissing ? base::Status::NotFound(std::move(message))
                                                            : base::Status::InvalidInput(std::move(message))};
}

}  // namespace

bool IsPlausibleHostName(std::string_view host) {
  if (host.empty() || host.size() > 255 || host.front() == '.') return false;
  for (char c : host) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '.' && c != '-' && c != '_') return false;
  }
  return true;
}

ConnectorLookup HostConnectors::Get(const std::string& host) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mutex_);
    auto& slot = entries_[host];
    if (!slot) slot = std::make_shared<Entry>();
    entry = slot;
  }
  std::lock_guard lock(entry->mutex);
  if (!entry->found) entry->found = Find(host);
  return *entry->found;
}

ConnectorLookup HostConnectors::Find(const std::string& host) const {
  if (host.empty()) return Error(refresh::ConnectorFailure::kMissing, "the instance has no compute host");
  if (dir_) {
    if (!IsPlausibleHostName(host)) {
      return Error(refresh::ConnectorFailure::kUnreadable,
                   "the compute host's name cannot name a file in " + *dir_ + "; no connector for it");
    }
    ConnectorLookup read = refresh::ReadConnector(*dir_ + "/" + host + ".json");
    const auto* error = std::get_if<refresh::ConnectorError>(&read);
    if (error == nullptr || error->kind != refresh::ConnectorFailure::kMissing) return read;
    if (!ask_) return Error(refresh::ConnectorFailure::kMissing, "no connector for host " + host + " in " + *dir_);
  }
  if (ask_) return ask_(host);
  return Error(refresh::ConnectorFailure::kMissing, "no connector for host " + host);
}

}  // namespace agent::fleet
