// oslo.config-style INI files (nova.conf), read with oslo.config 9's rules
// (oslo_config/iniparser.py and cfg.ConfigParser) and handed to
// Boost.Program_options as options named "section.key".
//
// Line rules, which differ from Boost's parse_config_file:
// * Only a line that starts with '#' or ';' is a comment; a '#' inside a
//   value is part of the value (passwords may contain it).
// * "key = value" and "key: value" (the earlier of '=' and ':' splits);
//   key and value are trimmed; one pair of matching quotes around the whole
//   value is removed.
// * A line starting with a space or tab continues the previous value (joined
//   with "\n"); a blank line or any other line ends it. A continuation with
//   no value to continue, an assignment before any section, a section line
//   not ending in ']', an empty section name or key, or a line with neither
//   '=' nor ':' is a syntax error.
// * Section names are compared case-insensitively, except that only the
//   exact "[DEFAULT]" is the DEFAULT section ("[default]" is another, unknown
//   section). Keys are case-sensitive.
// * Within one file the last assignment of a key wins; across files the
//   later file wins. Unknown sections and keys are kept but ignored by the
//   Boost store.
//
// Everything here is pure apart from ReadIniFile/ListConfigFiles/
// ReadConfigSources, which read the file system. Error messages name the
// file (and line for syntax errors) but never quote file content.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/variables_map.hpp>

#include "base/result.h"

namespace agent::config {

// "DEFAULT" stays as it is; every other section name is lower-cased.
std::string NormalizeSection(std::string_view section);

struct IniEntry {
  std::string section;  // normalized
  std::string key;
  std::string value;
  int line = 0;
};

// Parses INI text. `source_name` (usually the path) prefixes error messages:
// InvalidInput "<source_name>:<line>: <what is wrong>".
base::Result<std::vector<IniEntry>> ParseIni(std::string_view text, std::string_view source_name);

// Reads and parses one file. NotFound when it does not exist, InvalidInput
// when it cannot be read (not a regular file: a FIFO or a device is refused
// without blocking; larger than input::kMaxConfigFileBytes; a read error)
// or does not parse. Messages name the file and the reason.
base::Result<std::vector<IniEntry>> ReadIniFile(const std::string& path);

enum class SourceKind { kFile, kDir };
enum class IfMissing { kFail, kSkip };

// One --config-file or --config-dir argument. A directory stands for its
// "*.conf" entries (not hidden ones), sorted by name, as oslo's glob does.
struct ConfigSource {
  SourceKind kind = SourceKind::kFile;
  std::string path;
  IfMissing if_missing = IfMissing::kFail;
};
using ConfigSources = std::vector<ConfigSource>;  // command-line order

// The sources oslo.config reads for nova given the --config-file and
// --config-dir arguments `command_line` (in their order): /etc/nova/nova.conf
// unless a --config-file is given, then /etc/nova/nova.conf.d/*.conf (if it
// exists) unless a --config-dir is given, then `command_line`. oslo skips a
// missing default file; here it is an error when `command_line` is empty.
// (oslo would also look in ~/.nova/, ~/ and /etc/ first; bdm-agent does not.)
ConfigSources WithDefaultSources(const ConfigSources& command_line);

// The files `sources` stand for, in processing order. NotFound for a missing
// file or directory marked IfMissing::kFail.
base::Result<std::vector<std::string>> ListConfigFiles(const ConfigSources& sources);

struct OptionName {
  std::string section;  // normalized
  std::string key;
  std::string Dotted() const { return section + "." + key; }
  auto operator<=>(const OptionName&) const = default;
};

struct IniValue {
  std::string value;
  std::string file;
  int line = 0;
};

// The assignments of several files, looked up as oslo.config does.
class IniValues {
 public:
  void AddFile(std::string path, const std::vector<IniEntry>& entries);

  // The newest file that assigns any of `names` decides; within it the first
  // name it assigns, and that name's last assignment. nullopt when no file
  // assigns any of them.
  std::optional<IniValue> Find(std::span<const OptionName> names) const;
  std::optional<IniValue> Find(const OptionName& name) const { return Find(std::span(&name, 1)); }

  std::vector<OptionName> Names() const;  // every name assigned anywhere, sorted
  std::vector<std::string> Files() const;  // oldest first

 private:
  struct File {
    std::string path;
    std::map<OptionName, IniValue> last;
  };
  std::vector<File> files_;  // oldest first
};

// Reads every file of `sources` in order; errors as ListConfigFiles and
// ReadIniFile.
base::Result<IniValues> ReadConfigSources(const ConfigSources& sources);

// An option declared to Boost ("section.key") and the older names oslo still
// accepts for it (e.g. "DEFAULT.sql_connection" for "database.connection").
struct DeclaredOption {
  OptionName name;
  std::vector<OptionName> deprecated;
};

// One parsed option per name in `values`: the declared options (value found
// through their deprecated names too) plus every other name, marked
// unregistered so that store() skips it. `description` must outlive the
// result.
boost::program_options::parsed_options ToParsedOptions(
    const IniValues& values, const boost::program_options::options_description& description,
    std::span<const DeclaredOption> declared);

// ToParsedOptions, store() and notify(). The description should declare
// string values only; Internal if Boost still throws.
base::Result<boost::program_options::variables_map> StoreIniValues(
    const IniValues& values, const boost::program_options::options_description& description,
    std::span<const DeclaredOption> declared);

// oslo.config's "$name" / "${name}" substitution in a value (Python
// string.Template.safe_substitute with oslo's pattern): "$$" and "\$" give
// '$'; a '$' not followed by a name stays. `lookup` gets each name
// ("my_ip", "database.connection") and its error is returned as is.
// InvalidInput (without quoting anything) when the result would be longer
// than kMaxExpandedValue bytes (oslo has no bound: "a = $b$b", "b = $c$c", ...
// doubles at each step).
inline constexpr size_t kMaxExpandedValue = 1 << 20;
base::Result<std::string> ExpandOsloTemplate(
    std::string_view value, const std::function<base::Result<std::string>(std::string_view name)>& lookup);

// Whether ExpandOsloTemplate would substitute anything in `value` (whether
// the result holds text of other options).
bool HasOsloSubstitution(std::string_view value);

}  // namespace agent::config
