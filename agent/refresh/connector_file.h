// The os-brick connector refresh sends to Cinder, read from a file (or stdin
// for "-") as nova-manage reads it: a JSON object used verbatim, of which
// only "host" is interpreted (it must name the instance's compute host).
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"

namespace agent::refresh {

struct Connector {
  std::string json;  // the object's text, as compact JSON
  std::string host;
};

enum class ConnectorFailure {
  kMissing,     // the path does not exist (nova-manage rc 2)
  kUnreadable,  // cannot be read, is not JSON, not an object, or has no string "host" (rc 3)
};

struct ConnectorError {
  ConnectorFailure kind;
  base::Status status;
};

// Reads and checks the connector at `path` ("-": standard input).
std::variant<Connector, ConnectorError> ReadConnector(const std::string& path);

// The same from text; `origin` names the source in messages.
std::variant<Connector, ConnectorError> ParseConnector(std::string_view text, const std::string& origin);

}  // namespace agent::refresh
