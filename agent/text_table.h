// A plain-text table in the shape nova-manage prints (PrettyTable):
//
//   +----------+-------+
//   | Property | Value |
//   +----------+-------+
//   | id       | 42    |
//   +----------+-------+
//
// Cells are left-aligned. A cell holding newlines continues on extra lines
// whose other cells are blank. Every other control character (a '\r' too)
// and any byte that is not UTF-8 is shown as an escape (EscapeControls,
// terminal_text.h), so no cell can drive the terminal. Widths count UTF-8
// code points.
#pragma once

#include <string>
#include <vector>

namespace agent {

std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

}  // namespace agent
