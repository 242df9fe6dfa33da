// Tests of agent/config/ini_file: oslo.config's INI rules (rows checked
// against oslo_config.iniparser 9.0), file sources and the Boost bridge.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <string>
#include <vector>

#include "agent/config/ini_file.h"
#include "agent/input/limits.h"
#include "tests/support/finishes_within.h"
#include "tests/support/temp_dir.h"

namespace po = boost::program_options;
using namespace agent::config;

namespace {

using test::TempDir;

struct Row {
  std::string section, key, value;
  int line;
};

void CheckEntries(const std::vector<IniEntry>& got, const std::vector<Row>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].section == want[i].section);
    CHECK(got[i].key == want[i].key);
    CHECK(got[i].value == want[i].value);
    CHECK(got[i].line == want[i].line);
  }
}

}  // namespace

TEST_CASE("agent::config::ParseIni follows oslo.config's line rules") {
  SUBCASE("comments only at the start of a line; '#' and ';' inside values") {
    auto r = ParseIni("[DEFAULT]\npassword = pa#ss ; not a comment\n# comment\n; comment too\n", "f");
    REQUIRE(r.ok());
    CheckEntries(*r, {{"DEFAULT", "password", "pa#ss ; not a comment", 2}});
  }
  SUBCASE("'=' and ':' separators, the earlier one wins") {
    auto r = ParseIni("[s]\nkey: value = with = signs\nk = a:b=c\nk3 : x=y\n", "f");
    REQUIRE(r.ok());
    CheckEntries(*r, {{"s", "key", "value = with = signs", 2}, {"s", "k", "a:b=c", 3}, {"s", "k3", "x=y", 4}});
  }
  SUBCASE("matching quotes around the value are removed") {
    auto r = ParseIni("[s]\nq = \"quoted\"\nq2 = 'a' \nq3 = \"a'\nq4 = \"\nq5 = \"a\"b\"\n", "f");
    REQUIRE(r.ok());
    CheckEntries(*r, {{"s", "q", "quoted", 2},
                      {"s", "q2", "a", 3},
                      {"s", "q3", "\"a'", 4},
                      {"s", "q4", "", 5},
                      {"s", "q5", "a\"b", 6}});
  }
  SUBCASE("continuation lines are joined with newlines") {
    auto r = ParseIni("[s]\nk = line1\n  line2\n\tline3\n\nk2 = v\n  # indented: part of the value\n", "f");
    REQUIRE(r.ok());
    CheckEntries(*r, {{"s", "k", "line1\nline2\nline3", 2}, {"s", "k2", "v\n# indented: part of the value", 6}});
  }
  SUBCASE("CRLF and CR line ends") {
    auto r = ParseIni("[s]\r\nk = v\r\n  cont\r\nk2 = w\rk3 = x", "f");
    REQUIRE(r.ok());
    CheckEntries(*r, {{"s", "k", "v\ncont", 2}, {"s", "k2", "w", 4}, {"s", "k3", "x", 5}});
  }
  SUBCASE("empty values") {
    auto r = ParseIni("[s]\nk =\nk2=  \n", "f");
    REQUIRE(r.ok());
    CheckEntries(*r, {{"s", "k", "", 2}, {"s", "k2", "", 3}});
  }
  SUBCASE("section names: lower-cased except DEFAULT, not trimmed") {
    auto r = ParseIni("[Database]\na=1\n[DEFAULT]\nb=2\n[default]\nc=3\n[ Spaced ]\nd=4\n", "f");
    REQUIRE(r.ok());
    CheckEntries(*r, {{"database", "a", "1", 2}, {"DEFAULT", "b", "2", 4}, {"default", "c", "3", 6},
                      {" spaced ", "d", "4", 8}});
  }
  SUBCASE("duplicate keys are all reported in order") {
    auto r = ParseIni("[s]\nk = 1\nk = 2\n", "f");
    REQUIRE(r.ok());
    CheckEntries(*r, {{"s", "k", "1", 2}, {"s", "k", "2", 3}});
  }
}

TEST_CASE("agent::config::ParseIni syntax errors name file and line, not content") {
  struct ErrorRow {
    const char* text;
    const char* message;
  };
  const ErrorRow rows[] = {
      {"[s]\nk = a\n# c\n  s3cret\n", "/etc/nova/nova.conf:4: unexpected continuation line"},
      {"  k = s3cret\n", "/etc/nova/nova.conf:1: unexpected continuation line"},
      {"[s]\ns3cret\n", "/etc/nova/nova.conf:2: no ':' or '=' found in assignment"},
      {"[s]\n= s3cret\n", "/etc/nova/nova.conf:2: key cannot be empty"},
      {"[s3cret\n", "/etc/nova/nova.conf:1: invalid section (must end with ])"},
      {"[]\n", "/etc/nova/nova.conf:1: empty section name"},
      {"k = s3cret\n", "/etc/nova/nova.conf:1: section must be started before assignment"},
  };
  for (const ErrorRow& row : rows) {
    CAPTURE(row.text);
    auto r = ParseIni(row.text, "/etc/nova/nova.conf");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == base::Code::kInvalidInput);
    CHECK(r.error().message() == row.message);
  }
}

TEST_CASE("agent::config::ReadIniFile") {
  TempDir dir;
  SUBCASE("a missing file is NotFound naming the file") {
    auto r = ReadIniFile(dir.path() + "/nope.conf");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().IsNotFound());
    CHECK(r.error().message() == "cannot read config file " + dir.path() + "/nope.conf: No such file or directory");
  }
  SUBCASE("a directory is InvalidInput") {
    auto r = ReadIniFile(dir.path());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == base::Code::kInvalidInput);
  }
  SUBCASE("what is not a regular file is refused without blocking (issue 9)") {
    const std::string fifo = dir.path() + "/fifo.conf";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto r = test::FinishesWithin(std::chrono::seconds(10), "ReadIniFile(FIFO)", [&] { return ReadIniFile(fifo); });
    CHECK(r.error().code() == base::Code::kInvalidInput);
    CHECK(r.error().message() == "cannot read config file " + fifo + ": is a FIFO, not a regular file");
    CHECK(ReadIniFile("/dev/zero").error().message() ==
          "cannot read config file /dev/zero: is a character device, not a regular file");
    CHECK(ReadIniFile(dir.path()).error().message() == "cannot read config file " + dir.path() + ": is a directory");
  }
  SUBCASE("a read error is an error naming the file, not an empty file (issue 9)") {
    auto r = ReadIniFile("/proc/self/mem");
    CHECK(r.error().code() == base::Code::kInvalidInput);
    CHECK(r.error().message() == "cannot read config file /proc/self/mem: read error: Input/output error");
  }
  SUBCASE("a file over kMaxConfigFileBytes") {
    std::string file = dir.Write("huge.conf", "[DEFAULT]\n#" + std::string(agent::input::kMaxConfigFileBytes, 'x'));
    CHECK(ReadIniFile(file).error().message() ==
          "cannot read config file " + file + ": larger than " + std::to_string(agent::input::kMaxConfigFileBytes) + " bytes");
  }
  SUBCASE("syntax errors carry the path") {
    std::string file = dir.Write("bad.conf", "[DEFAULT]\noops\n");
    auto r = ReadIniFile(file);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == file + ":2: no ':' or '=' found in assignment");
  }
}

TEST_CASE("agent::config::ListConfigFiles and WithDefaultSources") {
  TempDir dir;
  const std::string a = dir.Write("a.conf", "[DEFAULT]\n");
  dir.Write("d/20-b.conf", "");
  dir.Write("d/10-a.conf", "");
  dir.Write("d/.hidden.conf", "");
  dir.Write("d/notes.txt", "");
  dir.Write("d/Z.conf", "");
  const std::string d = dir.path() + "/d";
  SUBCASE("files and directories in command-line order, directory entries sorted") {
    auto r = ListConfigFiles({{SourceKind::kDir, d}, {SourceKind::kFile, a}});
    REQUIRE(r.ok());
    CHECK(*r == std::vector<std::string>{d + "/10-a.conf", d + "/20-b.conf", d + "/Z.conf", a});
  }
  SUBCASE("a FIFO named *.conf in a directory is refused when read, not waited on (issue 9)") {
    REQUIRE(::mkfifo((d + "/30-fifo.conf").c_str(), 0600) == 0);
    auto r = test::FinishesWithin(std::chrono::seconds(10), "ReadConfigSources(dir with a FIFO)",
                                  [&] { return ReadConfigSources({{SourceKind::kDir, d}}); });
    CHECK(r.error().code() == base::Code::kInvalidInput);
    CHECK(r.error().message() == "cannot read config file " + d + "/30-fifo.conf: is a FIFO, not a regular file");
  }
  SUBCASE("a missing file or directory is NotFound unless skippable") {
    auto missing = ListConfigFiles({{SourceKind::kFile, dir.path() + "/x.conf"}});
    CHECK(missing.error().IsNotFound());
    CHECK(missing.error().message().find(dir.path() + "/x.conf") != std::string::npos);
    auto missing_dir = ListConfigFiles({{SourceKind::kDir, dir.path() + "/nodir"}});
    CHECK(missing_dir.error().message() == "config directory " + dir.path() + "/nodir does not exist");
    auto skipped = ListConfigFiles({{SourceKind::kDir, dir.path() + "/nodir", IfMissing::kSkip}});
    CHECK(skipped->empty());
  }
  SUBCASE("defaults as oslo.config adds them") {
    ConfigSources none = WithDefaultSources({});
    REQUIRE(none.size() == 2);
    CHECK(none[0].path == "/etc/nova/nova.conf");
    CHECK(none[0].if_missing == IfMissing::kFail);
    CHECK(none[1].path == "/etc/nova/nova.conf.d");
    CHECK(none[1].if_missing == IfMissing::kSkip);

    ConfigSources file_only = WithDefaultSources({{SourceKind::kFile, a}});
    REQUIRE(file_only.size() == 2);
    CHECK(file_only[0].path == "/etc/nova/nova.conf.d");
    CHECK(file_only[1].path == a);

    ConfigSources dir_only = WithDefaultSources({{SourceKind::kDir, d}});
    REQUIRE(dir_only.size() == 2);
    CHECK(dir_only[0].path == "/etc/nova/nova.conf");
    CHECK(dir_only[0].if_missing == IfMissing::kSkip);
    CHECK(dir_only[1].path == d);

    CHECK(WithDefaultSources({{SourceKind::kDir, d}, {SourceKind::kFile, a}}).size() == 2);
  }
}

TEST_CASE("agent::config::IniValues lookup") {
  TempDir dir;
  const std::string one = dir.Write("1.conf", "[DEFAULT]\nk = first\nk = second\nonly1 = x\n[database]\nold = o1\n");
  const std::string two = dir.Write("2.conf", "[DEFAULT]\nk = third\n[Database]\nnew = n2\n");
  const std::string three = dir.Write("3.conf", "[database]\nold = o3\n[Unknown]\nfoo = bar\n");
  auto values = ReadConfigSources({{SourceKind::kFile, one}, {SourceKind::kFile, two}, {SourceKind::kFile, three}});
  REQUIRE(values.ok());
  SUBCASE("the later file wins, and within a file the last assignment") {
    CHECK(values->Find(OptionName{"DEFAULT", "k"})->value == "third");
    CHECK(values->Find(OptionName{"DEFAULT", "k"})->file == two);
    CHECK(values->Find(OptionName{"DEFAULT", "only1"})->value == "x");
    CHECK(values->Find(OptionName{"DEFAULT", "only1"})->line == 4);
  }
  SUBCASE("deprecated names: the newest file decides, then the name order") {
    const OptionName names[] = {{"database", "new"}, {"database", "old"}};
    CHECK(values->Find(names)->value == "o3");  // 3.conf only has the old name
    const OptionName first_two[] = {{"database", "new"}, {"DEFAULT", "k"}};
    CHECK(values->Find(first_two)->value == "n2");  // 2.conf has both; the first name wins
  }
  SUBCASE("names and files") {
    CHECK(values->Files() == std::vector<std::string>{one, two, three});
    CHECK(values->Names().size() == 5);
    CHECK_FALSE(values->Find(OptionName{"DEFAULT", "missing"}).has_value());
  }
  SUBCASE("a config-dir file later on the command line wins over an earlier file") {
    dir.Write("d/x.conf", "[DEFAULT]\nk = from-dir\n");
    auto ordered = ReadConfigSources({{SourceKind::kFile, two}, {SourceKind::kDir, dir.path() + "/d"}});
    CHECK(ordered->Find(OptionName{"DEFAULT", "k"})->value == "from-dir");
    auto reversed = ReadConfigSources({{SourceKind::kDir, dir.path() + "/d"}, {SourceKind::kFile, two}});
    CHECK(reversed->Find(OptionName{"DEFAULT", "k"})->value == "third");
  }
  SUBCASE("a bad file stops the read with its error") {
    const std::string bad = dir.Write("bad.conf", "[s]\nnovalue\n");
    auto r = ReadConfigSources({{SourceKind::kFile, one}, {SourceKind::kFile, bad}});
    CHECK(r.error().message() == bad + ":2: no ':' or '=' found in assignment");
  }
}

TEST_CASE("agent::config::StoreIniValues hands options to Boost.Program_options") {
  IniValues values;
  auto entries = ParseIni(
      "[DEFAULT]\nsql_connection = mysql://u:pa#ss@h/d\nhost = h1\n[unknown]\nx = 1\n[database]\nmax_pool_size = 5\n",
      "nova.conf");
  REQUIRE(entries.ok());
  values.AddFile("nova.conf", *entries);
  po::options_description description;
  description.add_options()("database.connection", po::value<std::string>())(
      "DEFAULT.host", po::value<std::string>())("DEFAULT.my_ip", po::value<std::string>());
  const DeclaredOption declared[] = {
      {{"database", "connection"}, {{"DEFAULT", "sql_connection"}}},
      {{"DEFAULT", "host"}, {}},
      {{"DEFAULT", "my_ip"}, {}},
  };
  SUBCASE("parsed options name section.key; unknown ones are unregistered") {
    po::parsed_options parsed = ToParsedOptions(values, description, declared);
    std::vector<std::pair<std::string, bool>> seen;
    for (const auto& option : parsed.options) seen.emplace_back(option.string_key, option.unregistered);
    CHECK(seen == std::vector<std::pair<std::string, bool>>{
                      {"database.connection", false}, {"DEFAULT.host", false}, {"database.max_pool_size", true},
                      {"unknown.x", true}});
  }
  SUBCASE("store keeps '#' in values, resolves deprecated names and skips unknown keys") {
    auto map = StoreIniValues(values, description, declared);
    REQUIRE(map.ok());
    CHECK((*map)["database.connection"].as<std::string>() == "mysql://u:pa#ss@h/d");
    CHECK((*map)["DEFAULT.host"].as<std::string>() == "h1");
    CHECK(map->count("DEFAULT.my_ip") == 0);
    CHECK(map->count("unknown.x") == 0);
  }
}

TEST_CASE("agent::config::ExpandOsloTemplate") {
  auto lookup = [](std::string_view name) -> base::Result<std::string> {
    if (name == "my_ip") return std::string("10.0.0.1");
    if (name == "database.connection") return std::string("mysql://x");
    return base::Status::InvalidInput("unknown");
  };
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"plain", "plain"},           {"$my_ip", "10.0.0.1"},      {"${my_ip}:80", "10.0.0.1:80"},
      {"$my_ip/x", "10.0.0.1/x"},   {"pa$$word", "pa$word"},     {"pa\\$word", "pa$word"},
      {"cost: $5", "cost: $5"},     {"end$", "end$"},            {"${database.connection}", "mysql://x"},
      {"${unclosed", "${unclosed"}, {"$$my_ip", "$my_ip"},       {"a$ b", "a$ b"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.in);
    auto r = ExpandOsloTemplate(c.in, lookup);
    REQUIRE(r.ok());
    CHECK(*r == c.out);
  }
  CHECK_FALSE(ExpandOsloTemplate("pa$word", lookup).ok());  // as in Nova: no such option "word"
  CHECK_FALSE(ExpandOsloTemplate("$my_ip.", lookup).ok());  // the name takes the dot
}
