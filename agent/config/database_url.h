// DatabaseUrl: a SQLAlchemy database URL ([database] connection,
// [api_database] connection, or a cell mapping's database_connection), read
// the way Nova reads it: SQLAlchemy 1.4 make_url, the MySQL dialects'
// create_connect_args and oslo.db's MySQL defaults.
//
//   mysql+pymysql://user:pass@host:port/database?charset=utf8&unix_socket=/p
//
// Only the MySQL/MariaDB dialects ("mysql", "mariadb", with any "+driver")
// are accepted; bdm-agent talks to the database with libmysqlclient whatever
// Python driver the URL names. What SQLAlchemy 1.4 does, and so do we:
// * username and password are percent-decoded (a '%' not followed by two hex
//   digits stays literal); host and database are taken as written.
// * A password may contain ':' but not a raw '@' (write %40), and a user name
//   neither ':' nor '/' (%3A, %2F). SQLAlchemy's regex still matches such a
//   URL, but moves the rest of the user name and password into the host,
//   database or query, where they would be printed and connected to; a '@'
//   anywhere after the "user:password@" part is therefore refused.
// * Query values are decoded like Python's parse_qsl: '+' is a space, %XX a
//   byte, and pairs with an empty value or no '=' are dropped.
// * The typed query options below may appear once each; charset defaults to
//   "utf8" as oslo.db sets it. Every pair stays in `query`, in order.
// * The password is the one PyMySQL 1.0 uses: SQLAlchemy passes the query's
//   pairs as connect() arguments over the URL's own, so a `password` in the
//   query wins, then the URL's password, then a `passwd` in the query. Query
//   options that PyMySQL would take over the URL's user, host, port or
//   database (user, host, port, database, db, read_default_file,
//   read_default_group) are refused.
// * No decoded part may contain a NUL (%00): libmysqlclient would cut the
//   text there.
// Unlike pymysql, a URL with neither host nor unix_socket is rejected rather
// than defaulting to localhost.
//
// Parsing is pure; error messages start with the option name and quote no
// part of the URL (a secret option: oslo.db registers it secret=True), only
// the names of query options.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace agent::config {

struct DatabaseUrl {
  std::string driver_name;  // as written: "mysql+pymysql", "mysql", "mariadb+pymysql"
  std::string username;
  std::string password;  // the one PyMySQL would send (see above)
  std::string host;  // empty only when unix_socket is set; IPv6 without brackets
  std::optional<int> port;
  std::string database;
  std::string unix_socket;
  std::string charset = "utf8";
  // TLS, from the query (ssl_* as SQLAlchemy's mysqldb dialect reads them,
  // ssl_verify_cert / ssl_verify_identity as pymysql does).
  std::string ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher;
  std::optional<bool> ssl_check_hostname, ssl_verify_cert, ssl_verify_identity;
  std::vector<std::pair<std::string, std::string>> query;  // all pairs as given, decoded

  // The URL rebuilt with the password and the values of the query's
  // password and passwd replaced by "***"; safe to log.
  std::string Redacted() const;
};

// Parses `url`; `option_name` (e.g. "[database] connection") starts every
// error message. Returns InvalidInput for text SQLAlchemy cannot read, a
// non-MySQL dialect ("... bdm-agent supports MySQL/MariaDB only"), a port that
// is not 1..65535, a missing host without unix_socket, a raw '@' after the
// user name and password, text after an IPv6 "[...]" that SQLAlchemy would
// silently drop, a typed query option given twice or with a bad boolean, a
// query option that redirects the login (above), a NUL, or a user name,
// password or query that is not UTF-8 once percent-decoded.
base::Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url, std::string_view option_name);

}  // namespace agent::config
