// How `get-connector` prints the connector, as nova-manage volume_attachment
// get_connector does: --json is one line of Python's json.dumps (keys in
// os-brick's order, ", " and ": " separators, non-ASCII as \u escapes); the
// default is the Property/Value table of nova-manage's format_dict, rows
// sorted by key, values as Python's str() gives them (True/False, lists as
// ['a', 'b']). Both end with a newline. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "agent/host/connector_properties.h"
#include "base/result.h"

namespace agent::commands {

// kInvalidInput naming the key whose text is not UTF-8.
base::Result<std::string> FormatConnectorJson(const host::ConnectorProperties& connector);
std::string FormatConnectorTable(const host::ConnectorProperties& connector);

// Python's repr() of a str (quotes chosen and escapes written as Python does
// for ASCII and Latin-1 control/space characters; other text kept as is).
std::string PythonStrRepr(std::string_view utf8);

}  // namespace agent::commands
