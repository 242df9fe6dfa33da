// The os-brick connector refresh sends to Cinder, read from a file (or stdin
// for "-") as nova-manage reads it: a JSON object used verbatim, of which
// only "host" is interpreted (it must name the instance's compute host).
//
// Stricter than nova-manage where Python and bdm-agent could read the text
// differently, or where no real connector goes: a key twice in one object, at
// any depth, is refused (the host check would read the first "host", Cinder
// the last); so are a path that is not a regular file (a directory, a FIFO,
// a device; never opened blocking), more than input::kMaxConnectorBytes
// (standard input too; and once written as compact JSON, which is what the
// journal keeps and Cinder gets), nesting deeper than input::kMaxJsonDepth,
// a NUL byte, a byte order mark and invalid UTF-8 (agent/input/).
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
  kUnreadable,  // not a regular file, too large, unreadable, not JSON within the limits, not an object,
                // a duplicate key, or no string "host" (rc 3)
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
