#include "agent/config/ini_file.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include <boost/program_options/errors.hpp>

#include "agent/input/limits.h"
#include "agent/input/regular_file.h"

namespace agent::config {
namespace {

namespace po = boost::program_options;
using base::Result;
using base::Status;

constexpr std::string_view kSpace = " \t\n\r\f\v";

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

std::string_view RTrim(std::string_view s) {
  size_t e = s.find_last_not_of(kSpace);
  return e == std::string_view::npos ? std::string_view() : s.substr(0, e + 1);
}

// Splits text into lines the way Python's universal newlines do.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + (text.substr(end, 2) == "\r\n" ? 2 : 1);
  }
  return lines;
}

}  // namespace

std::string NormalizeSection(std::string_view section) {
  std::string out(section);
  if (out == "DEFAULT") return out;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<std::vector<IniEntry>> ParseIni(std::string_view text, std::string_view source_name) {
  std::vector<IniEntry> entries;
  std::optional<std::string> section;
  std::optional<IniEntry> pending;  // an assignment that continuation lines may extend
  auto error = [&](int line, std::string_view what) {
    return Status::InvalidInput(std::string(source_name) + ":" + std::to_string(line) + ": " + std::string(what));
  };
  auto flush = [&]() {
    if (pending) entries.push_back(std::move(*pending));
    pending.reset();
  };
  const std::vector<std::string_view> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const int number = static_cast<int>(i) + 1;
    std::string_view line = RTrim(lines[i]);
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (!pending) return error(number, "unexpected continuation line");
      pending->value += '\n';
      pending->value += line.substr(line.find_first_not_of(kSpace));
      continue;
    }
    flush();
    if (line[0] == '[') {
      if (line.back() != ']') return error(number, "invalid section (must end with ])");
      if (line.size() <= 2) return error(number, "empty section name");
      section = NormalizeSection(line.substr(1, line.size() - 2));
    } else if (line[0] != '#' && line[0] != ';') {
      size_t split = line.find_first_of("=:");
      if (split == std::string_view::npos) return error(number, "no ':' or '=' found in assignment");
      std::string_view key = Trim(line.substr(0, split));
      std::string_view value = Trim(line.substr(split + 1));
      if (value.size() >= 1 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0]) {
        value = value.substr(1, value.size() >= 2 ? value.size() - 2 : 0);
      }
      if (key.empty()) return error(number, "key cannot be empty");
      if (!section) return error(number, "section must be started before assignment");
      pending = IniEntry{*section, std::string(key), std::string(value), number};
    }
  }
  flush();
  return entries;
}

Result<std::vector<IniEntry>> ReadIniFile(const std::string& path) {
  auto text = input::ReadRegularFile(path, input::kMaxConfigFileBytes);  // a FIFO is refused, never waited on
  if (!text.ok()) {
    std::string message = "cannot read config file " + text.error().message();
    return text.error().IsNotFound() ? Status::NotFound(std::move(message)) : Status::InvalidInput(std::move(message));
  }
  return ParseIni(*text, path);
}

ConfigSources WithDefaultSources(const ConfigSources& command_line) {
  auto given = [&](SourceKind kind) {
    return std::any_of(command_line.begin(), command_line.end(),
                       [kind](const ConfigSource& s) { return s.kind == kind; });
  };
  ConfigSources sources;
  if (!given(SourceKind::kFile)) {
    sources.push_back({SourceKind::kFile, "/etc/nova/nova.conf",
                       command_line.empty() ? IfMissing::kFail : IfMissing::kSkip});
  }
  if (!given(SourceKind::kDir)) sources.push_back({SourceKind::kDir, "/etc/nova/nova.conf.d", IfMissing::kSkip});
  sources.insert(sources.end(), command_line.begin(), command_line.end());
  return sources;
}

Result<std::vector<std::string>> ListConfigFiles(const ConfigSources& sources) {
  std::vector<std::string> files;
  for (const ConfigSource& source : sources) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(source.path, ec);
    if (!exists && source.if_missing == IfMissing::kSkip) continue;
    if (source.kind == SourceKind::kFile) {
      if (!exists) return Status::NotFound("cannot read config file " + source.path + ": No such file or directory");
      files.push_back(source.path);
      continue;
    }
    if (!exists) return Status::NotFound("config directory " + source.path + " does not exist");
    std::vector<std::string> names;
    for (auto it = std::filesystem::directory_iterator(source.path, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.size() > 5 && name[0] != '.' && name.ends_with(".conf")) names.push_back(std::move(name));
    }
    if (ec) return Status::InvalidInput("cannot list config directory " + source.path + ": " + ec.message());
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) files.push_back((std::filesystem::path(source.path) / name).string());
  }
  return files;
}

void IniValues::AddFile(std::string path, const std::vector<IniEntry>& entries) {
  File file{std::move(path), {}};
  for (const IniEntry& e : entries) file.last[OptionName{e.section, e.key}] = IniValue{e.value, file.path, e.line};
  files_.push_back(std::move(file));
}

std::optional<IniValue> IniValues::Find(std::span<const OptionName> names) const {
  for (auto file = files_.rbegin(); file != files_.rend(); ++file) {
    for (const OptionName& name : names) {
      if (auto it = file->last.find(name); it != file->last.end()) return it->second;
    }
  }
  return std::nullopt;
}

std::vector<OptionName> IniValues::Names() const {
  std::set<OptionName> names;
  for (const File& file : files_) {
    for (const auto& [name, value] : file.last) names.insert(name);
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> IniValues::Files() const {
  std::vector<std::string> paths;
  for (const File& file : files_) paths.push_back(file.path);
  return paths;
}

Result<IniValues> ReadConfigSources(const ConfigSources& sources) {
  BASE_TRY_ASSIGN(std::vector<std::string> files, ListConfigFiles(sources));
  IniValues values;
  for (std::string& path : files) {
    BASE_TRY_ASSIGN(std::vector<IniEntry> entries, ReadIniFile(path));
    values.AddFile(std::move(path), entries);
  }
  return values;
}

po::parsed_options ToParsedOptions(const IniValues& values, const po::options_description& description,
                                   std::span<const DeclaredOption> declared) {
  po::parsed_options parsed(&description);
  std::set<OptionName> handled;
  // The names `description` declares, looked up once: its find_nothrow()
  // matches each option in turn, which was most of the cost of loading the
  // configuration.
  std::set<std::string, std::less<>> declared_names;
  for (const auto& option : description.options()) declared_names.insert(option->long_name());
  auto add = [&](const std::string& dotted, const std::string& value) {
    po::option option(dotted, {value});
    option.original_tokens = {dotted, value};
    option.unregistered = declared_names.count(dotted) == 0;
    parsed.options.push_back(std::move(option));
  };
  for (const DeclaredOption& option : declared) {
    std::vector<OptionName> names{option.name};
    names.insert(names.end(), option.deprecated.begin(), option.deprecated.end());
    handled.insert(names.begin(), names.end());
    if (auto found = values.Find(names)) {
      add(option.name.Dotted(), found->value);
    }
  }
  for (const OptionName& name : values.Names()) {
    if (handled.count(name) != 0) continue;
    const std::string dotted = name.Dotted();
    add(dotted, values.Find(name)->value);
  }
  return parsed;
}

Result<po::variables_map> StoreIniValues(const IniValues& values, const po::options_description& description,
                                         std::span<const DeclaredOption> declared) {
  po::variables_map map;
  try {
    po::store(ToParsedOptions(values, description, declared), map);
    po::notify(map);
  } catch (const po::error& e) {
    return Status::Internal(std::string("Boost.Program_options: ") + e.what());
  }
  return map;
}

Result<std::string> ExpandOsloTemplate(std::string_view value,
                                       const std::function<Result<std::string>(std::string_view)>& lookup) {
  std::string text;
  for (size_t i = 0; i < value.size(); ++i) {  // oslo turns "\$" into "$$" first
    if (value[i] == '\\' && i + 1 < value.size() && value[i + 1] == '$') {
      text += "$$";
      ++i;
    } else {
      text += value[i];
    }
  }
  auto is_first = [](char c) { return c == '_' || std::isalpha(static_cast<unsigned char>(c)) != 0; };
  auto is_rest = [&](char c) { return is_first(c) || c == '.' || std::isdigit(static_cast<unsigned char>(c)) != 0; };
  auto name_end = [&](size_t from) {
    if (from >= text.size() || !is_first(text[from])) return from;
    size_t end = from + 1;
    while (end < text.size() && is_rest(text[end]) && static_cast<unsigned char>(text[end]) < 0x80) ++end;
    return end;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    size_t begin = i + 1, end = name_end(begin);
    bool braced = false;
    if (end == begin && begin < text.size() && text[begin] == '{') {
      size_t inner = name_end(begin + 1);
      if (inner > begin + 1 && inner < text.size() && text[inner] == '}') {
        braced = true;
        begin += 1;
        end = inner;
      }
    }
    if (end == begin) {  // not a substitution: the '$' stays
      out += '$';
      continue;
    }
    BASE_TRY_ASSIGN(std::string replacement, lookup(std::string_view(text).substr(begin, end - begin)));
    if (replacement.size() > kMaxExpandedValue - std::min(out.size(), kMaxExpandedValue)) {
      return Status::InvalidInput("longer than " + std::to_string(kMaxExpandedValue) + " bytes after substitution");
    }
    out += replacement;
    i = braced ? end : end - 1;
  }
  return out;
}

bool HasOsloSubstitution(std::string_view value) {
  bool substituted = false;
  auto record = [&](std::string_view) -> Result<std::string> {
    substituted = true;
    return std::string();
  };
  return ExpandOsloTemplate(value, record).ok() && substituted;
}

}  // namespace agent::config
