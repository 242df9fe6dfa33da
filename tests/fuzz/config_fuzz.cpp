// libFuzzer target: the config reader. The input is the text of a nova.conf:
// it goes through oslo's INI rules (ParseIni) and the whole option loader
// ($ substitution, booleans, integers, deprecated names: BuildNovaConfig);
// every value it holds, and the input itself, also goes through each URL
// reader bdm-agent has: SQLAlchemy database URLs, oslo transport URLs,
// Python's urlsplit/unquote/parse_qsl, and cell URL templates filled from
// the file's own [database] connection and [DEFAULT] transport_url.
// Any input must give a value or a Status: never a crash, a sanitizer report,
// an exception or a hang; and percent-encoding must round-trip.
// Seed corpus: tests/corpus/config/ (dictionary tests/fuzz/config_fuzz.dict).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/cell_url_template.h"
#include "agent/config/database_url.h"
#include "agent/config/ini_file.h"
#include "agent/config/nova_config.h"
#include "rpc/transport_url.h"

namespace {

using agent::config::CellUrlField;
using agent::config::OnTemplateError;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// Every URL reader on one text; `local_db` and `local_transport` are what
// cell templates are filled from.
void ReadUrls(std::string_view text, const std::optional<std::string>& local_db,
              const std::optional<std::string>& local_transport) {
  if (auto db = agent::config::ParseDatabaseUrl(text, "[database] connection"); db.ok()) {
    (void)db->Redacted();
  }
  if (auto transport = rpc::ParseTransportUrl(text, "[DEFAULT] transport_url"); transport.ok()) {
    (void)transport->Redacted();
    (void)transport->Kind();
    (void)transport->QueryValue("ssl");
  }
  (void)rpc::SplitUrl(text);
  (void)rpc::ParseQueryString(text);
  if (auto unquoted = rpc::UrlUnquote(text); unquoted.ok()) {
    auto again = rpc::UrlUnquote(rpc::UrlQuote(*unquoted));  // decoded text is UTF-8: encoding gives it back
    Check(again.ok() && *again == *unquoted);
  }
  for (auto on_error : {OnTemplateError::kFail, OnTemplateError::kKeepTemplate}) {
    auto db = agent::config::FormatCellUrl(text, CellUrlField::kDatabaseConnection, local_db, "cell1", on_error);
    auto mq = agent::config::FormatCellUrl(text, CellUrlField::kTransportUrl, local_transport, "cell1", on_error);
    if (on_error == OnTemplateError::kKeepTemplate) Check(db.ok() && mq.ok());  // Nova's fallback never fails
  }
}

std::optional<std::string> Value(const agent::config::IniValues& values, const char* section, const char* key) {
  auto found = values.Find(agent::config::OptionName{section, key});
  if (!found) return std::nullopt;
  return found->value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<std::string> local_db = "mysql+pymysql://nova:pw@db:3306/nova?charset=utf8";
  std::optional<std::string> local_transport = "rabbit://nova:pw@mq1:5672,nova:pw@mq2:5672/";
  auto entries = agent::config::ParseIni(text, "fuzz.conf");
  if (entries.ok()) {
    agent::config::IniValues values;
    values.AddFile("fuzz.conf", *entries);
    if (auto db = Value(values, "database", "connection")) local_db = db;
    if (auto mq = Value(values, "DEFAULT", "transport_url")) local_transport = mq;
    if (auto conf = agent::config::BuildNovaConfig(values, "fuzz-host"); conf.ok()) {
      for (const agent::config::OptionName& name : values.Names()) (void)conf->Get(name.section, name.key);
    }
    for (const agent::config::IniEntry& entry : *entries) ReadUrls(entry.value, local_db, local_transport);
  }
  ReadUrls(text, local_db, local_transport);
  return 0;
}
