#include "agent/commands/connector_format.h"

#include <algorithm>
#include <cstdio>

#include "agent/host/host_files.h"
#include "agent/text_table.h"
#include "rpc/python_json.h"

namespace agent::commands {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;  // clang 14 does not deduce it for an aggregate

std::string Hex2(unsigned value) {
  char text[8];
  std::snprintf(text, sizeof(text), "\\x%02x", value & 0xFFu);
  return text;
}

// Python's str() of a connector value.
std::string PythonStr(const host::ConnectorValue& value) {
  return std::visit(Overloaded{
                        [](bool b) { return std::string(b ? "True" : "False"); },
                        [](const std::string& s) { return s; },
                        [](const std::vector<std::string>& list) {
                          std::string out = "[";
                          for (std::size_t i = 0; i < list.size(); ++i) {
                            if (i > 0) out += ", ";
                            out += PythonStrRepr(list[i]);
                          }
                          return out + "]";
                        },
                    },
                    value);
}

}  // namespace

std::string PythonStrRepr(std::string_view utf8) {
  const bool has_single = utf8.find('\'') != std::string_view::npos;
  const bool has_double = utf8.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c == '\\' || c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += Hex2(c);
    } else if (c == 0xC2 && i + 1 < utf8.size()) {
      // U+0080..U+00BF: the C1 controls, NBSP and the soft hyphen are not
      // printable for Python and come out as \xNN.
      const auto next = static_cast<unsigned char>(utf8[i + 1]);
      if (next <= 0xA0 || next == 0xAD) {
        out += Hex2(next);
      } else {
        out += utf8.substr(i, 2);
      }
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}

base::Result<std::string> FormatConnectorJson(const host::ConnectorProperties& connector) {
  rpc::PythonJsonObjectWriter writer;
  for (const host::ConnectorProperty& p : connector.items()) {
    std::visit(Overloaded{
                   [&](bool b) { writer.Bool(p.key, b); },
                   [&](const std::string& s) { writer.String(p.key, s); },
                   [&](const std::vector<std::string>& list) { writer.StringArray(p.key, list); },
               },
               p.value);
  }
  auto json = std::move(writer).Finish();
  if (!json.ok()) return json.error();
  return *json + "\n";
}

std::string FormatConnectorTable(const host::ConnectorProperties& connector) {
  std::vector<host::ConnectorProperty> sorted = connector.items();
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  std::vector<std::vector<std::string>> rows;
  for (const host::ConnectorProperty& p : sorted) {
    const std::string text = PythonStr(p.value);
    const auto* s = std::get_if<std::string>(&p.value);
    // format_dict: a string holding backslash + 'n' becomes several rows.
    if (s != nullptr && !s->empty() && s->find("\\n") != std::string::npos) {
      // Python: v.strip().split(r'\n')
      const std::string rest = host::PythonStrip(text);
      std::string key = p.key;
      for (std::size_t at = 0;;) {
        const std::size_t next = rest.find("\\n", at);
        rows.push_back({key, rest.substr(at, next == std::string::npos ? std::string::npos : next - at)});
        key.clear();
        if (next == std::string::npos) break;
        at = next + 2;
      }
    } else {
      rows.push_back({p.key, text});
    }
  }
  return RenderTable({"Property", "Value"}, rows);
}

}  // namespace agent::commands
