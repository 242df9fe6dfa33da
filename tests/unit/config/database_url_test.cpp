// Tests of agent::config::ParseDatabaseUrl. The accepted rows match what
// SQLAlchemy 1.4.46's make_url returns for the same text (noted where it
// surprises).
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "agent/config/database_url.h"

using agent::config::DatabaseUrl;
using agent::config::ParseDatabaseUrl;

namespace {

constexpr const char* kOption = "[database] connection";

struct Case {
  const char* url;
  const char* driver;
  const char* username;
  const char* password;
  const char* host;
  std::optional<int> port;
  const char* database;
};

}  // namespace

TEST_CASE("agent::config::ParseDatabaseUrl accepts SQLAlchemy MySQL URLs") {
  const Case cases[] = {
      {"mysql+pymysql://nova:secret@db.example:3306/nova?charset=utf8", "mysql+pymysql", "nova", "secret",
       "db.example", 3306, "nova"},
      {"mysql://nova:secret@db/nova", "mysql", "nova", "secret", "db", std::nullopt, "nova"},
      {"mysql+mysqldb://nova:secret@db/nova", "mysql+mysqldb", "nova", "secret", "db", std::nullopt, "nova"},
      {"mariadb+pymysql://nova:secret@db/nova", "mariadb+pymysql", "nova", "secret", "db", std::nullopt, "nova"},
      {"mysql+pymysql://nova:s%40c%3Ar%2Ft%25@db/nova", "mysql+pymysql", "nova", "s@c:r/t%", "db", std::nullopt,
       "nova"},
      {"mysql+pymysql://nova:pa:ss@db/nova", "mysql+pymysql", "nova", "pa:ss", "db", std::nullopt, "nova"},
      {"mysql+pymysql://nova:p/ss@db/nova", "mysql+pymysql", "nova", "p/ss", "db", std::nullopt, "nova"},
      {"mysql+pymysql://nova:pa#ss@db/nova", "mysql+pymysql", "nova", "pa#ss", "db", std::nullopt, "nova"},
      {"mysql+pymysql://u@x:p@h/d", "mysql+pymysql", "u@x", "p", "h", std::nullopt, "d"},  // '@' in a user name
      {"mysql+pymysql://nova@db/nova", "mysql+pymysql", "nova", "", "db", std::nullopt, "nova"},
      {"mysql+pymysql://db/nova", "mysql+pymysql", "", "", "db", std::nullopt, "nova"},
      {"mysql+pymysql://nova:pw@[::1]:3306/nova", "mysql+pymysql", "nova", "pw", "::1", 3306, "nova"},
      {"mysql+pymysql://nova:pw@db", "mysql+pymysql", "nova", "pw", "db", std::nullopt, ""},
      {"mysql+pymysql://nova:pw@db/no%76a", "mysql+pymysql", "nova", "pw", "db", std::nullopt, "no%76a"},  // as is
      {"mysql+pymysql://nova:pw@d%62/nova", "mysql+pymysql", "nova", "pw", "d%62", std::nullopt, "nova"},  // as is
      {"mysql+pymysql://nova:%zz@db/nova", "mysql+pymysql", "nova", "%zz", "db", std::nullopt, "nova"},  // bad escape
      {"mysql+pymysql://nova:%E2%82%AC@db/nova", "mysql+pymysql", "nova", "\xE2\x82\xAC", "db", std::nullopt, "nova"},
      // An '@' in the query makes SQLAlchemy read everything before it as the password.
      {"mysql+pymysql://db:3306/nova?x=a@b", "mysql+pymysql", "db", "3306/nova?x=a", "b", std::nullopt, ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.url);
    auto r = ParseDatabaseUrl(c.url, kOption);
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(r->driver_name == c.driver);
    CHECK(r->username == c.username);
    CHECK(r->password == c.password);
    CHECK(r->host == c.host);
    CHECK(r->port == c.port);
    CHECK(r->database == c.database);
  }
}

TEST_CASE("agent::config::ParseDatabaseUrl query options") {
  SUBCASE("unix_socket without a host") {
    for (const char* url : {"mysql+pymysql:///nova?unix_socket=/run/mysqld/mysqld.sock",
                            "mysql+pymysql://nova:pw@/nova?unix_socket=/run/mysqld/mysqld.sock"}) {
      CAPTURE(url);
      auto r = ParseDatabaseUrl(url, kOption);
      REQUIRE_MESSAGE(r.ok(), r.error().message());
      CHECK(r->host.empty());
      CHECK(r->unix_socket == "/run/mysqld/mysqld.sock");
      CHECK(r->database == "nova");
    }
  }
  SUBCASE("charset defaults to utf8 as oslo.db sets it") {
    CHECK(ParseDatabaseUrl("mysql://u:p@h/d", kOption)->charset == "utf8");
    CHECK(ParseDatabaseUrl("mysql://u:p@h/d?charset=utf8mb4", kOption)->charset == "utf8mb4");
  }
  SUBCASE("TLS options") {
    auto r = ParseDatabaseUrl(
        "mysql+pymysql://nova:pw@db/nova?ssl_ca=/etc/ca.pem&ssl_capath=/etc/cas&ssl_cert=/c.pem&ssl_key=/k.pem"
        "&ssl_cipher=AES256-SHA&ssl_check_hostname=false&ssl_verify_cert=YES&ssl_verify_identity=0",
        kOption);
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(r->ssl_ca == "/etc/ca.pem");
    CHECK(r->ssl_capath == "/etc/cas");
    CHECK(r->ssl_cert == "/c.pem");
    CHECK(r->ssl_key == "/k.pem");
    CHECK(r->ssl_cipher == "AES256-SHA");
    CHECK(r->ssl_check_hostname == false);
    CHECK(r->ssl_verify_cert == true);
    CHECK(r->ssl_verify_identity == false);
  }
  SUBCASE("booleans left out stay unset") {
    auto r = ParseDatabaseUrl("mysql://u:p@h/d", kOption);
    CHECK_FALSE(r->ssl_verify_cert.has_value());
    CHECK_FALSE(r->ssl_check_hostname.has_value());
  }
  SUBCASE("every pair is kept; repeated untyped keys are fine; parse_qsl drops empty ones") {
    auto r = ParseDatabaseUrl("mysql://u:p@h/d?a=1&a=2&b=&c&d=x+y%21&ssl_ca=%2Fca", kOption);
    REQUIRE(r.ok());
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(r->query == Pairs{{"a", "1"}, {"a", "2"}, {"d", "x y!"}, {"ssl_ca", "/ca"}});
    CHECK(r->ssl_ca == "/ca");
  }
}

TEST_CASE("agent::config::ParseDatabaseUrl rejects") {
  struct Row {
    const char* url;
    std::string message;
  };
  const std::string kAtAfterUserinfo =
      "[database] connection: '@' after the user name and password: percent-encode a '/' in the user name (%2F) "
      "and a '@' in the password (%40)";
  const std::string kNul = "[database] connection: contains a NUL character (%00), which cannot be sent to the database";
  auto kRedirect = [](const char* key) {
    return "[database] connection: query option '" + std::string(key) +
           "' is not supported by bdm-agent (PyMySQL would take it over the URL's own user, host, port or "
           "database; write those in the URL)";
  };
  const Row rows[] = {
      {"sqlite:////var/lib/nova/nova.sqlite",
       "[database] connection: the dialect is not supported; bdm-agent supports MySQL/MariaDB only "
       "(mysql+pymysql://, mysql://, mariadb+pymysql://, ...)"},
      {"postgresql://nova:s3cret@db/nova",
       "[database] connection: the dialect is not supported; bdm-agent supports MySQL/MariaDB only "
       "(mysql+pymysql://, mysql://, mariadb+pymysql://, ...)"},
      {"postgresql+psycopg2://nova:s3cret@db/nova",
       "[database] connection: the dialect is not supported; bdm-agent supports MySQL/MariaDB only "
       "(mysql+pymysql://, mysql://, mariadb+pymysql://, ...)"},
      {"mysql+pymysql:/db", "[database] connection: not a SQLAlchemy URL (expected mysql+pymysql://user:password@host/database)"},
      {"nova:s3cret@db/nova", "[database] connection: not a SQLAlchemy URL (expected mysql+pymysql://user:password@host/database)"},
      {"", "[database] connection: not a SQLAlchemy URL (expected mysql+pymysql://user:password@host/database)"},
      {"mysql+pymysql://nova:s3cret@db:abc/nova", "[database] connection: port is not a number from 1 to 65535"},
      {"mysql+pymysql://nova:s3cret@db:99999/nova", "[database] connection: port is not a number from 1 to 65535"},
      {"mysql+pymysql://nova:s3cret@db:0/nova", "[database] connection: port is not a number from 1 to 65535"},
      {"mysql+pymysql://nova:s3cret@db:/nova", "[database] connection: port is not a number from 1 to 65535"},
      {"mysql+pymysql://nova:s3cret@db:-1/nova", "[database] connection: port is not a number from 1 to 65535"},
      {"mysql+pymysql://nova:s3cret@/nova", "[database] connection: no host and no unix_socket query option"},
      {"mysql+pymysql://nova:s3cret@:3306/nova", "[database] connection: no host and no unix_socket query option"},
      {"mysql+pymysql://nova:s3c@ret@db/nova", kAtAfterUserinfo},
      {"mysql+pymysql://no/va:s3cret@db/nova", kAtAfterUserinfo},         // '/' in the user name: host "no"
      {"mysql+pymysql://nova:s3c@r/et@db/nova", kAtAfterUserinfo},        // the rest would be the database
      {"mysql+pymysql://no/va:s3c?x=ret@db/nova", kAtAfterUserinfo},      // ... or the query
      {"mysql+pymysql://nova:s3c@ret:x@db/nova", kAtAfterUserinfo},       // ... or the port
      {"mysql+pymysql://nova:s3cret%00junk@db/nova", kNul},
      {"mysql+pymysql://nova%00x:s3cret@db/nova", kNul},
      {"mysql+pymysql://nova:s3cret@db/nova?unix_socket=/s%00x", kNul},
      {"mysql+pymysql://nova@db/nova?password=a%00b", kNul},
      {"mysql+pymysql://nova:s3cret@db/nova?password=a&password=b",
       "[database] connection: query option 'password' is given more than once"},
      {"mysql+pymysql://nova:s3cret@db/nova?user=root", kRedirect("user")},
      {"mysql+pymysql://nova:s3cret@db/nova?host=other", kRedirect("host")},
      {"mysql+pymysql://nova:s3cret@db/nova?db=other", kRedirect("db")},
      {"mysql+pymysql://nova:s3cret@db/nova?read_default_file=/root/.my.cnf", kRedirect("read_default_file")},
      {"mysql+pymysql://nova:s3cret@[::1]x/nova",
       "[database] connection: unexpected text after the host (SQLAlchemy would ignore it)"},
      {"mysql+pymysql://nova:s3cret%ff@db/nova",
       "[database] connection: password: not valid UTF-8 after percent-decoding"},
      {"mysql+pymysql://n%c3:s3cret@db/nova", "[database] connection: user name: not valid UTF-8 after percent-decoding"},
      {"mysql+pymysql://nova:s3cret@db/nova?a=%ff", "[database] connection: query: not valid UTF-8 after percent-decoding"},
      {"mysql+pymysql://nova:s3cret@db/nova?charset=utf8&charset=latin1",
       "[database] connection: query option 'charset' is given more than once"},
      {"mysql+pymysql://nova:s3cret@db/nova?ssl_verify_cert=maybe",
       "[database] connection: query option 'ssl_verify_cert' is not a boolean"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.url);
    auto r = ParseDatabaseUrl(row.url, kOption);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == base::Code::kInvalidInput);
    CHECK(r.error().message() == row.message);
  }
}

TEST_CASE("agent::config::ParseDatabaseUrl never puts the password in a message") {
  const char* secret = "Xy7sEcReT";
  const std::string bad_urls[] = {
      std::string("mysql+pymysql://nova:") + secret + "@db:port/nova",
      std::string("mysql+pymysql://nova:") + secret + "@/nova",
      std::string("mysql+pymysql://nova:") + secret + "%ff@db/nova",
      std::string("mysql+pymysql://nova:Xy7s@") + "EcReT@db/nova",  // a raw '@' spills into the host
      std::string("mysql+pymysql://nova:Xy7s@EcReT:12x/nova"),       // ... and the port
      std::string("mysql+pymysql://nova:") + secret + "@[::1]junk/nova",
      std::string("sqlite://nova:") + secret + "@/x",
      std::string("mysql+pymysql://nova:") + secret + "@db/nova?ssl_key=a&ssl_key=b",
  };
  for (const std::string& url : bad_urls) {
    CAPTURE(url);
    auto r = ParseDatabaseUrl(url, "[api_database] connection");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().starts_with("[api_database] connection: "));
    CHECK(r.error().message().find("Xy7s") == std::string::npos);
    CHECK(r.error().message().find("EcReT") == std::string::npos);
  }
}

TEST_CASE("agent::config::ParseDatabaseUrl takes the password PyMySQL takes") {
  // SQLAlchemy 1.4 passes the query's pairs to pymysql.connect() over the
  // URL's own arguments; PyMySQL 1.0.2 then uses passwd only when password is
  // empty (tests/cli/test_hostile_secrets.py logs in both ways on the stack).
  struct Row {
    const char* url;
    const char* password;
  };
  const Row rows[] = {
      {"mysql+pymysql://nova:url-pw@h/d", "url-pw"},
      {"mysql+pymysql://nova:url-pw@h/d?password=query-pw", "query-pw"},
      {"mysql+pymysql://nova@h/d?password=query-pw", "query-pw"},
      {"mysql+pymysql://nova:url-pw@h/d?passwd=query-pwd", "url-pw"},
      {"mysql+pymysql://nova:@h/d?passwd=query-pwd", "query-pwd"},
      {"mysql+pymysql://nova@h/d?passwd=query-pwd&password=query-pw", "query-pw"},
      {"mysql+pymysql://nova@h/d?password=a%2Bb+c%26", "a+b c&"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.url);
    auto r = ParseDatabaseUrl(row.url, kOption);
    REQUIRE(r.ok());
    CHECK(r->password == row.password);
    CHECK(r->Redacted().find(row.password) == std::string::npos);
  }
}

TEST_CASE("agent::config::DatabaseUrl::Redacted") {
  struct Row {
    const char* url;
    const char* redacted;
  };
  const Row rows[] = {
      {"mysql+pymysql://nova:s3cret@db:3306/nova?charset=utf8", "mysql+pymysql://nova:***@db:3306/nova?charset=utf8"},
      {"mysql://nova@db/nova", "mysql://nova@db/nova"},
      {"mysql://nova:pw@[::1]/nova", "mysql://nova:***@[::1]/nova"},
      {"mysql://a%40b:pw@h/d?unix_socket=%2Frun%2Fs", "mysql://a%40b:***@h/d?unix_socket=%2Frun%2Fs"},
      {"mysql:///nova?unix_socket=/s", "mysql:///nova?unix_socket=%2Fs"},
      {"mysql://nova:s3cret@h/d?password=s3cret&passwd=s3cret&charset=utf8",
       "mysql://nova:***@h/d?password=***&passwd=***&charset=utf8"},
      {"mysql://nova:s3cr%2Fet@h/d", "mysql://nova:***@h/d"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.url);
    auto r = ParseDatabaseUrl(row.url, kOption);
    REQUIRE(r.ok());
    CHECK(r->Redacted() == row.redacted);
    CHECK(r->Redacted().find("s3cret") == std::string::npos);
  }
}
