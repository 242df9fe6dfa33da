// Tests of agent::config::FormatCellUrl. The expected strings were produced by
// Nova 26's CellMapping._format_url on Python 3.11.2 (Debian 12); the error
// rows are the cases where Nova raises (and then keeps the template).
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "agent/config/cell_url_template.h"

using agent::config::CellUrlField;
using agent::config::FormatCellUrl;
using agent::config::OnTemplateError;
using base::Code;

namespace {

struct Case {
  const char* local;
  const char* tmpl;
  const char* expected;  // nullptr: Nova raises
};

// Nova's own unit-test URLs (nova/tests/unit/objects/test_cell_mapping.py)
// plus edge cases.
const Case kCases[] = {
    {"mysql+pymysql://nova:s3cr%23t@DB.Example:3306/nova?charset=utf8",
     "{scheme}://{username}:{password}@{hostname}:{port}/{path}?{query}",
     "mysql+pymysql://nova:s3cr%23t@db.example:3306/nova?charset=utf8"},
    {"mysql+pymysql://nova:pw@db:3306/nova", "{scheme}://{username}:{password}@{hostname}:{port}/nova_cell1",
     "mysql+pymysql://nova:pw@db:3306/nova_cell1"},
    {"mysql+pymysql://nova@db/nova", "{scheme}://{username}:{password}@{hostname}:{port}/{path}",
     "mysql+pymysql://nova:None@db:None/nova"},
    {"mysql+pymysql://nova:pw@[::1]:3306/nova", "{scheme}://{username}:{password}@[{hostname}]:{port}/{path}_cell1",
     "mysql+pymysql://nova:pw@[::1]:3306/nova_cell1"},
    {"MYSQL+PyMySQL://u:p@H/d", "{scheme}|{hostname}", "mysql+pymysql|h"},
    {"mysql://u:p@[FE80::1%Eth0]:3306/d", "{hostname}|{port}", "fe80::1%Eth0|3306"},
    {"rabbit://u:p@h1:5672,u2:p2@h2:5673/vh", "{username}|{password}|{hostname}|{port}|{path}",
     "u|p@h1:5672,u2:p2|h2|5673|vh"},
    {"rabbit://u:p@h1:5672,u2:p2@h2/vh",
     "{username1}|{password1}|{hostname1}|{port1}|{username2}|{password2}|{hostname2}|{port2}",
     "u|p|h1|5672|u2|p2|h2|None"},
    {"rabbit://alice@otherhost,bob:s3kret@localhost:123/nova?munchies=doritos#baz",
     "{scheme}://not{username1}:{password2}@{hostname2}:1{port2}/{path}?{query}&flavor=coolranch#{fragment}",
     "rabbit://notalice:s3kret@localhost:1123/nova?munchies=doritos&flavor=coolranch#baz"},
    {"rabbit://otherhost,bob:s3kret@localhost:123/nova?munchies=doritos#baz",
     "{scheme}://not{username2}:{password2}@{hostname1}:1{port2}/{path}?{query}&flavor=coolranch#{fragment}",
     "rabbit://notbob:s3kret@otherhost:1123/nova?munchies=doritos&flavor=coolranch#baz"},
    {"rabbit://alice:n0ts3kret@otherhost:456,bob:s3kret@[1:2::7]:123/nova?munchies=doritos#baz",
     "{scheme}://not{username2}:{password1}@[{hostname2}]:1{port1}/{path}?{query}&flavor=coolranch#{fragment}",
     "rabbit://notbob:n0ts3kret@[1:2::7]:1456/nova?munchies=doritos&flavor=coolranch#baz"},
    {"rabbit://a:b@[1:2::7]:123,c:d@h:5/v", "{hostname1}|{port1}", nullptr},  // 3.11.2 checks "h" as an IP
    {"rabbit://,u:p@h/d", "{hostname1}|{hostname2}|{username1}|{password1}|{port1}", "|h||None|None"},
    {"rabbit://u:p@h/", "plain {{x}} and }}", "plain {x} and }"},
    {"rabbit://u:p@h/", "{bogus}", nullptr},
    {"rabbit://u:p@h/", "{", nullptr},
    {"rabbit://u:p@h/", "a}b", nullptr},
    {"rabbit://u:p@h/", "{}", nullptr},
    {"rabbit://u:p@h/", "{0}", nullptr},
    {"rabbit://u:p@h/", "{hostname1}", nullptr},  // indexed names exist only for a multi-host URL
    {"rabbit://u:p@h:99999/", "{hostname}", nullptr},
    {"rabbit://u:p@h:abc/", "{hostname}", nullptr},
    {"rabbit://u:p@h:/d", "{port}", "None"},
    {"rabbit://u:p@h:0005/d", "{port}", "5"},
    {"rabbit://u:p@[::1/", "{hostname}", nullptr},
    {"rabbit://u:p@h1:5672,h2:5673/", "{hostname1}", nullptr},  // urlsplit's port is "5672,h2:5673"
    {"rabbit://u:p@h//a/b", "{path}", "a/b"},
    {"rabbit://u:p@h", "[{path}|{query}|{fragment}]", "[||]"},
    {"mysql://u%40x:p%3Aw:extra@h/d", "{username}:{password}", "u%40x:p%3Aw:extra"},
    {"rabbit://u@h1,u2:p2@h2/d", "{username}|{password}", "u@h1,u2|p2"},
    {"sqlite:////var/lib/nova.db", "{hostname}|{path}|{username}", "None|var/lib/nova.db|None"},
    {"  rabbit://u:p@h/\tv", "{path}", "v"},
    {"rabbit://u:p@[v1.x]/", "{hostname}", "v1.x"},
    {"rabbit://u:p@[1.2.3.4]/", "{hostname}", nullptr},
    {"rabbit://u:p@x[::1]/", "{hostname}", nullptr},
    {"rabbit://:@h/", "[{username}|{password}]", "[|]"},
};

}  // namespace

TEST_CASE("agent::config::FormatCellUrl matches Nova's _format_url") {
  for (const Case& c : kCases) {
    CAPTURE(c.local);
    CAPTURE(c.tmpl);
    auto result = FormatCellUrl(c.tmpl, CellUrlField::kTransportUrl, std::string(c.local), "cell1");
    if (c.expected != nullptr) {
      REQUIRE_MESSAGE(result.ok(), result.error().message());
      CHECK(*result == c.expected);
    } else {
      REQUIRE_FALSE(result.ok());
      CHECK(result.error().code() == Code::kInvalidInput);
      CHECK(result.error().message().starts_with("cell 'cell1': transport_url: "));
      // Nova's fallback: the template unchanged.
      auto kept = FormatCellUrl(c.tmpl, CellUrlField::kTransportUrl, std::string(c.local), "cell1",
                                OnTemplateError::kKeepTemplate);
      REQUIRE(kept.ok());
      CHECK(*kept == c.tmpl);
    }
  }
}

TEST_CASE("agent::config::FormatCellUrl without a template") {
  const std::string plain = "mysql+pymysql://nova:pw@cell1-db/nova";
  SUBCASE("is returned unchanged even when the local option is unset") {
    auto r = FormatCellUrl(plain, CellUrlField::kDatabaseConnection, std::nullopt, "cell1");
    REQUIRE(r.ok());
    CHECK(*r == plain);
  }
  SUBCASE("is returned unchanged even when the local URL is malformed") {
    auto r = FormatCellUrl(plain, CellUrlField::kDatabaseConnection, std::string("mysql://h:bad/"), "cell1");
    REQUIRE(r.ok());
    CHECK(*r == plain);
  }
  SUBCASE("none:/// of cell0") {
    auto r = FormatCellUrl("none:///", CellUrlField::kTransportUrl, std::nullopt, "cell0");
    REQUIRE(r.ok());
    CHECK(*r == "none:///");
  }
}

TEST_CASE("agent::config::FormatCellUrl with the local option unset") {
  SUBCASE("a template is an error naming the cell and the option") {
    auto r = FormatCellUrl("{scheme}://{username}:{password}@db2/nova", CellUrlField::kDatabaseConnection,
                           std::nullopt, "cell2");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == Code::kFailedPrecondition);
    CHECK(r.error().message() ==
          "cell 'cell2': database_connection: is a template but [database] connection is not set");
  }
  SUBCASE("the transport option is named for transport_url") {
    auto r = FormatCellUrl("rabbit://{username}@mq/", CellUrlField::kTransportUrl, std::nullopt, "c");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("[DEFAULT] transport_url is not set") != std::string::npos);
  }
  SUBCASE("only '}' is not a template for Nova then") {
    auto r = FormatCellUrl("rabbit://u:p}}@mq/", CellUrlField::kTransportUrl, std::nullopt, "c");
    REQUIRE(r.ok());
    CHECK(*r == "rabbit://u:p}}@mq/");
  }
  SUBCASE("Nova's fallback keeps the template") {
    auto r = FormatCellUrl("rabbit://{username}@mq/", CellUrlField::kTransportUrl, std::nullopt, "c",
                           OnTemplateError::kKeepTemplate);
    REQUIRE(r.ok());
    CHECK(*r == "rabbit://{username}@mq/");
  }
}

TEST_CASE("agent::config::FormatCellUrl error messages") {
  const std::string local = "mysql+pymysql://nova:Sup3rSecret@db:3306/nova";
  SUBCASE("an unknown placeholder is named") {
    auto r = FormatCellUrl("mysql+pymysql://{username}:{password}@{hostnme}/nova", CellUrlField::kDatabaseConnection,
                           local, "cell1");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "cell 'cell1': database_connection: unknown placeholder '{hostnme}'");
  }
  SUBCASE("a brace in a literal password is not quoted back") {
    auto r = FormatCellUrl("mysql+pymysql://nova:pa{zq}word@db/nova", CellUrlField::kDatabaseConnection, local,
                           "cell1");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("zq") == std::string::npos);
    CHECK(r.error().message().find("user/password part") != std::string::npos);
    // Nova keeps the URL as it is, so that password works there.
    auto kept = FormatCellUrl("mysql+pymysql://nova:pa{zq}word@db/nova", CellUrlField::kDatabaseConnection, local,
                              "cell1", OnTemplateError::kKeepTemplate);
    CHECK(*kept == "mysql+pymysql://nova:pa{zq}word@db/nova");
  }
  SUBCASE("conversions and format specs are not supported") {
    for (const char* tmpl : {"{port!r}", "{port:>5}", "{hostname.upper}", "{hostname[0]}"}) {
      CAPTURE(tmpl);
      auto r = FormatCellUrl(tmpl, CellUrlField::kDatabaseConnection, local, "cell1");
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().message().find("unsupported placeholder") != std::string::npos);
    }
  }
  SUBCASE("a malformed local URL is named, without its password") {
    auto r = FormatCellUrl("{hostname}", CellUrlField::kDatabaseConnection,
                           std::string("mysql://nova:Sup3rSecret@db:notaport/nova"), "cell1");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() ==
          "cell 'cell1': database_connection: cannot read [database] connection: port is not a number from 0 to 65535");
    CHECK(r.error().message().find("Sup3rSecret") == std::string::npos);
  }
}
