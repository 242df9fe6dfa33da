#include "agent/text_table.h"

#include <algorithm>

#include "agent/terminal_text.h"

namespace agent {
namespace {

std::size_t DisplayWidth(const std::string& text) {
  // Count code points: every byte that is not a UTF-8 continuation byte.
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::vector<std::string> Lines(const std::string& cell) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start <= cell.size();) {
    std::size_t end = cell.find('\n', start);
    if (end == std::string::npos) end = cell.size();
    lines.push_back(EscapeControls(std::string_view(cell).substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

void AppendRule(std::string& out, const std::vector<std::size_t>& widths) {
  out += '+';
  for (std::size_t w : widths) out += std::string(w + 2, '-') + '+';
  out += '\n';
}

void AppendRow(std::string& out, const std::vector<std::size_t>& widths,
               const std::vector<std::string>& cells) {
  std::vector<std::vector<std::string>> lines;
  std::size_t height = 1;
  for (const std::string& cell : cells) {
    lines.push_back(Lines(cell));
    height = std::max(height, lines.back().size());
  }
  for (std::size_t line = 0; line < height; ++line) {
    out += '|';
    for (std::size_t col = 0; col < widths.size(); ++col) {
      const std::string text = col < lines.size() && line < lines[col].size() ? lines[col][line] : "";
      out += ' ' + text + std::string(widths[col] - DisplayWidth(text), ' ') + " |";
    }
    out += '\n';
  }
}

}  // namespace

std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size(), 0);
  auto widen = [&](const std::vector<std::string>& cells) {
    for (std::size_t col = 0; col < widths.size() && col < cells.size(); ++col) {
      for (const std::string& line : Lines(cells[col])) widths[col] = std::max(widths[col], DisplayWidth(line));
    }
  };
  widen(header);
  for (const auto& row : rows) widen(row);

  std::string out;
  AppendRule(out, widths);
  AppendRow(out, widths, header);
  AppendRule(out, widths);
  for (const auto& row : rows) AppendRow(out, widths, row);
  AppendRule(out, widths);
  return out;
}

}  // namespace agent
