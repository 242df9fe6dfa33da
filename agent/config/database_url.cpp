#include "agent/config/database_url.h"

#include <algorithm>
#include <cctype>

#include "rpc/transport_url.h"

namespace agent::config {
namespace {

using base::Result;
using base::Status;

bool IsNameChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x80 && std::isalnum(u) != 0) || c == '_' || c == '+';
}

// The pieces of SQLAlchemy 1.4's _parse_url regex, before any decoding.
struct RawUrl {
  std::string name;
  std::optional<std::string> username, password, host, port, database, query;
  bool trailing_text = false;  // text the regex does not consume
  std::string after_userinfo;  // everything after the "user:password@" part (or after "://")
};

// A hand-written equivalent of
//   (?P<name>[\w\+]+)://
//   (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
//   (?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?(?::(?P<port>[^/\?]*))?)?
//   (?:/(?P<database>[^\?]*))?(?:\?(?P<query>.*))?
// including the regex engine's greedy choices and backtracking.
std::optional<RawUrl> MatchSqlalchemyUrl(std::string_view url) {
  RawUrl raw;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0 || !std::all_of(url.begin(), url.begin() + static_cast<long>(sep), IsNameChar)) {
    return std::nullopt;
  }
  raw.name = std::string(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  size_t p = 0;

  const size_t k = std::min(rest.find_first_of(":/"), rest.size());
  const size_t at_after = k < rest.size() && rest[k] == ':' ? rest.find('@', k + 1) : std::string_view::npos;
  if (at_after != std::string_view::npos) {
    raw.username = std::string(rest.substr(0, k));
    raw.password = std::string(rest.substr(k + 1, at_after - k - 1));
    p = at_after + 1;
  } else if (size_t at = rest.substr(0, k).rfind('@'); at != std::string_view::npos) {
    raw.username = std::string(rest.substr(0, at));
    p = at + 1;
  }

  raw.after_userinfo = std::string(rest.substr(p));
  bool have_host = false;
  if (p < rest.size() && rest[p] == '[') {
    size_t end = std::min(rest.find_first_of("/?", p), rest.size());
    size_t rb = rest.substr(0, end).rfind(']');
    if (rb != std::string_view::npos && rb > p + 1) {
      raw.host = std::string(rest.substr(p + 1, rb - p - 1));
      p = rb + 1;
      have_host = true;
    }
  }
  if (!have_host) {
    size_t end = std::min(rest.find_first_of("/:?", p), rest.size());
    if (end > p) raw.host = std::string(rest.substr(p, end - p));
    p = end;
  }
  if (p < rest.size() && rest[p] == ':') {
    size_t end = std::min(rest.find_first_of("/?", p + 1), rest.size());
    raw.port = std::string(rest.substr(p + 1, end - p - 1));
    p = end;
  }
  if (p < rest.size() && rest[p] == '/') {
    size_t end = std::min(rest.find('?', p + 1), rest.size());
    raw.database = std::string(rest.substr(p + 1, end - p - 1));
    p = end;
  }
  if (p < rest.size() && rest[p] == '?') {
    raw.query = std::string(rest.substr(p + 1));
    p = rest.size();
  }
  raw.trailing_text = p != rest.size();
  return raw;
}

// SQLAlchemy's util.asbool, which also covers pymysql's spellings.
std::optional<bool> AsBool(std::string_view text) {
  std::string v;
  for (char c : text) v.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  v.erase(0, v.find_first_not_of(" \t\n\r\f\v"));
  v.erase(v.find_last_not_of(" \t\n\r\f\v") + 1);
  for (const char* t : {"true", "yes", "on", "y", "t", "1"}) {
    if (v == t) return true;
  }
  for (const char* f : {"false", "no", "off", "n", "f", "0"}) {
    if (v == f) return false;
  }
  return std::nullopt;
}

Status Invalid(std::string_view option_name, std::string_view detail) {
  return Status::InvalidInput(std::string(option_name) + ": " + std::string(detail));
}

// libmysqlclient takes C strings: a NUL (%00) would cut the text short and
// log in with a shorter password (or look up a shorter name) than the URL says.
Status RefuseNul(const DatabaseUrl& db, std::string_view option_name) {
  bool nul = db.username.find('\0') != std::string::npos || db.password.find('\0') != std::string::npos ||
             db.host.find('\0') != std::string::npos || db.database.find('\0') != std::string::npos;
  for (const auto& [key, value] : db.query) nul = nul || key.find('\0') != std::string::npos || value.find('\0') != std::string::npos;
  if (!nul) return Status::Ok();
  return Invalid(option_name, "contains a NUL character (%00), which cannot be sent to the database");
}

// Query options that PyMySQL would take as a password (their values are
// secrets) and those that would change whom it logs in as or where.
constexpr const char* kPasswordKeys[] = {"password", "passwd"};
constexpr const char* kRedirectingKeys[] = {"user",     "host", "port", "database", "db", "read_default_file",
                                            "read_default_group"};

bool IsPasswordKey(std::string_view key) {
  return std::find(std::begin(kPasswordKeys), std::end(kPasswordKeys), key) != std::end(kPasswordKeys);
}

Status ApplyTypedQuery(DatabaseUrl& db, std::string_view option_name) {
  struct StringKey {
    const char* key;
    std::string DatabaseUrl::*field;
  };
  static const StringKey kStrings[] = {
      {"unix_socket", &DatabaseUrl::unix_socket}, {"charset", &DatabaseUrl::charset},
      {"ssl_ca", &DatabaseUrl::ssl_ca},           {"ssl_capath", &DatabaseUrl::ssl_capath},
      {"ssl_cert", &DatabaseUrl::ssl_cert},       {"ssl_key", &DatabaseUrl::ssl_key},
      {"ssl_cipher", &DatabaseUrl::ssl_cipher},
  };
  struct BoolKey {
    const char* key;
    std::optional<bool> DatabaseUrl::*field;
  };
  static const BoolKey kBools[] = {
      {"ssl_check_hostname", &DatabaseUrl::ssl_check_hostname},
      {"ssl_verify_cert", &DatabaseUrl::ssl_verify_cert},
      {"ssl_verify_identity", &DatabaseUrl::ssl_verify_identity},
  };
  auto single = [&](std::string_view key) -> Result<std::optional<std::string>> {
    std::optional<std::string> found;
    for (const auto& [k, v] : db.query) {
      if (k != key) continue;
      if (found) return Invalid(option_name, "query option '" + std::string(key) + "' is given more than once");
      found = v;
    }
    return found;
  };
  for (const StringKey& s : kStrings) {
    BASE_TRY_ASSIGN(std::optional<std::string> value, single(s.key));
    if (value) db.*s.field = std::move(*value);
  }
  for (const BoolKey& b : kBools) {
    BASE_TRY_ASSIGN(std::optional<std::string> value, single(b.key));
    if (!value) continue;
    db.*b.field = AsBool(*value);
    if (!(db.*b.field)) return Invalid(option_name, "query option '" + std::string(b.key) + "' is not a boolean");
  }
  // What PyMySQL does with the arguments SQLAlchemy gives it (the URL's
  // user/password/host/port/database, then the query's pairs over them):
  // the query's password wins, then the URL's, then the query's passwd.
  BASE_TRY_ASSIGN(std::optional<std::string> password, single("password"));
  BASE_TRY_ASSIGN(std::optional<std::string> passwd, single("passwd"));
  if (password) {
    db.password = std::move(*password);
  } else if (db.password.empty() && passwd) {
    db.password = std::move(*passwd);
  }
  for (const char* key : kRedirectingKeys) {
    BASE_TRY_ASSIGN(std::optional<std::string> value, single(key));
    if (value) {
      return Invalid(option_name, "query option '" + std::string(key) +
                                      "' is not supported by bdm-agent (PyMySQL would take it over the URL's own "
                                      "user, host, port or database; write those in the URL)");
    }
  }
  return Status::Ok();
}

std::string QuoteUserinfo(std::string_view text) {  // SQLAlchemy's _rfc_1738_quote
  std::string out;
  for (char c : text) {
    if (c == ':') out += "%3A";
    else if (c == '@') out += "%40";
    else if (c == '/') out += "%2F";
    else out += c;
  }
  return out;
}

}  // namespace

std::string DatabaseUrl::Redacted() const {
  std::string out = driver_name + "://";
  if (!username.empty() || !password.empty()) {
    out += QuoteUserinfo(username);
    if (!password.empty()) out += ":" + std::string(rpc::kMaskedPassword);
    out += '@';
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port) out += ':' + std::to_string(*port);
  out += '/' + database;
  for (size_t i = 0; i < query.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += rpc::UrlQuote(query[i].first) + '=' +
           (IsPasswordKey(query[i].first) ? std::string(rpc::kMaskedPassword) : rpc::UrlQuote(query[i].second));
  }
  return out;
}

Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url, std::string_view option_name) {
  std::optional<RawUrl> raw = MatchSqlalchemyUrl(url);
  if (!raw) return Invalid(option_name, "not a SQLAlchemy URL (expected mysql+pymysql://user:password@host/database)");

  DatabaseUrl db;
  db.driver_name = raw->name;
  const std::string dialect = raw->name.substr(0, raw->name.find('+'));
  if (dialect != "mysql" && dialect != "mariadb") {
    return Invalid(option_name, "the dialect is not supported; bdm-agent supports MySQL/MariaDB only "
                                "(mysql+pymysql://, mysql://, mariadb+pymysql://, ...)");
  }
  if (raw->trailing_text) return Invalid(option_name, "unexpected text after the host (SQLAlchemy would ignore it)");
  if (raw->after_userinfo.find('@') != std::string::npos) {
    // The regex ended the user name at a '/' or the password at a '@', so
    // what follows (shown as host, database or query) holds the rest of them.
    return Invalid(option_name, "'@' after the user name and password: percent-encode a '/' in the user name "
                                "(%2F) and a '@' in the password (%40)");
  }
  if (raw->username) {
    auto user = rpc::UrlUnquote(*raw->username);
    if (!user.ok()) return user.error().WithContext("user name").WithContext(option_name);
    db.username = std::move(*user);
  }
  if (raw->password) {
    auto password = rpc::UrlUnquote(*raw->password);
    if (!password.ok()) return password.error().WithContext("password").WithContext(option_name);
    db.password = std::move(*password);
  }
  if (raw->host) db.host = *raw->host;
  if (raw->port) {  // SQLAlchemy 1.4 rejects an empty port too
    const std::string& text = *raw->port;
    bool digits = !text.empty() && text.size() <= 5 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    int port = digits ? std::stoi(text) : 0;
    if (port < 1 || port > 65535) return Invalid(option_name, "port is not a number from 1 to 65535");
    db.port = port;
  }
  if (raw->database) db.database = *raw->database;
  if (raw->query) {
    auto query = rpc::ParseQueryString(*raw->query);
    if (!query.ok()) return query.error().WithContext("query").WithContext(option_name);
    db.query = std::move(*query);
  }
  BASE_TRY(ApplyTypedQuery(db, option_name));
  BASE_TRY(RefuseNul(db, option_name));
  if (db.host.empty() && db.unix_socket.empty()) {
    return Invalid(option_name, "no host and no unix_socket query option");
  }
  return db;
}

}  // namespace agent::config
