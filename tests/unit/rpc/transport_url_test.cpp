// Tests of rpc::ParseTransportUrl. Host, credential, vhost and query rows
// follow oslo.messaging 14's TransportURL.parse on Python 3.11.2 (what it
// returned is noted where bdm-agent fills in a default or is stricter).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "rpc/transport_url.h"

using rpc::ParseTransportUrl;
using rpc::TransportHost;
using rpc::TransportKind;

namespace {

struct HostRow {
  std::string username, password, hostname;
  int port;
};

struct Case {
  const char* url;
  const char* transport;
  std::vector<HostRow> hosts;
  const char* vhost;
};

void CheckHosts(const std::vector<TransportHost>& got, const std::vector<HostRow>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].username == want[i].username);
    CHECK(got[i].password == want[i].password);
    CHECK(got[i].hostname == want[i].hostname);
    CHECK(got[i].port == want[i].port);
  }
}

}  // namespace

TEST_CASE("rpc::ParseTransportUrl accepts what oslo.messaging accepts") {
  const Case cases[] = {
      {"rabbit://u:p@h1:5672,u2:p2@h2:5673/vhost", "rabbit", {{"u", "p", "h1", 5672}, {"u2", "p2", "h2", 5673}}, "vhost"},
      {"rabbit://h1", "rabbit", {{"", "", "h1", 5672}}, "/"},  // oslo: no path -> None -> kombu "/"
      {"rabbit://", "rabbit", {}, "/"},
      {"rabbit:///", "rabbit", {}, "/"},
      {"rabbit://u:p@h/", "rabbit", {{"u", "p", "h", 5672}}, "/"},  // oslo: '' -> kombu "/"
      {"rabbit://u:p@h/%2F", "rabbit", {{"u", "p", "h", 5672}}, "/"},
      {"rabbit://u:p@h//", "rabbit", {{"u", "p", "h", 5672}}, "/"},
      {"rabbit://u:p@h/a%20b", "rabbit", {{"u", "p", "h", 5672}}, "a b"},
      {"RABBIT://u:p@H", "rabbit", {{"u", "p", "H", 5672}}, "/"},
      {"kombu+memory:///", "kombu+memory", {}, "/"},
      {"amqp://u:p@h", "amqp", {{"u", "p", "h", 5672}}, "/"},
      {"none:///", "none", {}, "/"},
      {"fake:", "fake", {}, "/"},
      {"rabbit://u%40x:p%3A%2Fw@h", "rabbit", {{"u@x", "p:/w", "h", 5672}}, "/"},
      {"rabbit://u:p:q@h", "rabbit", {{"u", "p:q", "h", 5672}}, "/"},
      {"rabbit://u@h", "rabbit", {{"u", "", "h", 5672}}, "/"},
      {"rabbit://u:p@[::1]:5671,u:p@[::2]", "rabbit", {{"u", "p", "::1", 5671}, {"u", "p", "::2", 5672}}, "/"},
      {"rabbit://u:p@h1,h2:5673", "rabbit", {{"u", "p", "h1", 5672}, {"", "", "h2", 5673}}, "/"},  // no inheritance
      {"rabbit://u:p@h1,,u:p@h2", "rabbit", {{"u", "p", "h1", 5672}, {"u", "p", "h2", 5672}}, "/"},
      {"rabbit://u:p@h#frag", "rabbit", {{"u", "p", "h", 5672}}, "/"},
      {"rabbit://user:p@ss@h/", "rabbit", {{"user", "p@ss", "h", 5672}}, "/"},  // the last '@' splits
      {"rabbit://u:p@h:", "rabbit", {{"u", "p", "h", 5672}}, "/"},
      {"rabbit://u:%zz@h", "rabbit", {{"u", "%zz", "h", 5672}}, "/"},  // a bad escape stays, as in unquote()
      {"rabbit://u:p@my%2Dhost", "rabbit", {{"u", "p", "my-host", 5672}}, "/"},  // kombu decodes hosts
      {"  rabbit://u:p@h/v\n", "rabbit", {{"u", "p", "h", 5672}}, "v"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.url);
    auto r = ParseTransportUrl(c.url, "[DEFAULT] transport_url");
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(r->transport == c.transport);
    CheckHosts(r->hosts, c.hosts);
    CHECK(r->virtual_host == c.vhost);
  }
}

TEST_CASE("rpc::ParseTransportUrl query") {
  auto r = ParseTransportUrl("rabbit://u:p@h?a=1&a=2&b=&c&d=x+y%21&ssl=1", "[DEFAULT] transport_url");
  REQUIRE(r.ok());
  SUBCASE("pairs are kept in order; empty values and bare keys are dropped") {
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(r->query == Pairs{{"a", "1"}, {"a", "2"}, {"d", "x y!"}, {"ssl", "1"}});
  }
  SUBCASE("QueryValue joins repeated keys as oslo does") {
    CHECK(r->QueryValue("a") == "1,2");
    CHECK(r->QueryValue("ssl") == "1");
    CHECK_FALSE(r->QueryValue("b").has_value());
  }
}

TEST_CASE("rpc::TransportUrl::Kind") {
  struct Row {
    const char* url;
    TransportKind kind;
  };
  const Row rows[] = {
      {"rabbit://h", TransportKind::kRabbit},     {"kombu://h", TransportKind::kRabbit},
      {"kombu+memory:///", TransportKind::kRabbit}, {"rabbit+x://h", TransportKind::kRabbit},
      {"amqp://h", TransportKind::kAmqp1},        {"kafka://h", TransportKind::kKafka},
      {"fake:", TransportKind::kFake},            {"none:///", TransportKind::kNone},
  };
  for (const Row& row : rows) {
    CAPTURE(row.url);
    auto r = ParseTransportUrl(row.url, "x");
    REQUIRE(r.ok());
    CHECK(r->Kind() == row.kind);
  }
}

TEST_CASE("rpc::ParseTransportUrl rejects malformed URLs") {
  struct Row {
    const char* url;
    std::string message;
  };
  const std::string kAtAfterHosts =
      "[DEFAULT] transport_url: '@' after the hosts: percent-encode a '/', '?', '#' or ',' in a user name or "
      "password (%2F, %3F, %23, %2C)";
  const std::string kNul =
      "[DEFAULT] transport_url: contains a NUL character (%00), which cannot be sent to the broker";
  const Row rows[] = {
      {"//h", "[DEFAULT] transport_url: no scheme (expected rabbit://...)"},
      {"h1:5672", "[DEFAULT] transport_url: unknown transport (the scheme must name an oslo.messaging driver: rabbit, kombu, amqp, kafka, fake)"},
      {"http://h", "[DEFAULT] transport_url: unknown transport (the scheme must name an oslo.messaging driver: rabbit, kombu, amqp, kafka, fake)"},
      {"rabbit://u:s3cret@[::1", "[DEFAULT] transport_url: invalid IPv6 URL"},
      {"rabbit://u:s3cret@x[::1]", "[DEFAULT] transport_url: invalid IPv6 URL"},
      {"rabbit://u:s3cret@[1.2.3.4]", "[DEFAULT] transport_url: invalid IPv6 URL"},
      {"rabbit://a:s3cret@[::1]:5672,c:d@h:5672/", "[DEFAULT] transport_url: invalid IPv6 URL"},
      {"rabbit://u:s3cret@h:abc", "[DEFAULT] transport_url: host 1: port is not a number from 1 to 65535"},
      {"rabbit://u:s3cret@h:99999", "[DEFAULT] transport_url: host 1: port is not a number from 1 to 65535"},
      {"rabbit://u:s3cret@h1,u:s3cret@h2:0", "[DEFAULT] transport_url: host 2: port is not a number from 1 to 65535"},
      {"rabbit://u:s3cret@", "[DEFAULT] transport_url: host 1: no hostname"},
      {"rabbit://u:s3cret@h1,u:s3cret@:5672", "[DEFAULT] transport_url: host 2: no hostname"},
      {"rabbit://u:s3cret%ff@h", "[DEFAULT] transport_url: host 1: not valid UTF-8 after percent-decoding"},
      {"rabbit://u:s3cret@h/%c3", "[DEFAULT] transport_url: virtual host: not valid UTF-8 after percent-decoding"},
      {"rabbit://u:s3cret@h/?k=%ff", "[DEFAULT] transport_url: query: not valid UTF-8 after percent-decoding"},
      // A '/', '?' or '#' in the password ends the host list early; the rest
      // of the password would be the virtual host, the query or the fragment.
      {"rabbit://u:12/s3cret@h/", kAtAfterHosts},
      {"rabbit://u:12?k=s3cret@h/", kAtAfterHosts},
      {"rabbit://u:12#s3cret@h/", kAtAfterHosts},
      {"rabbit://u:s3cret@h/v@x", kAtAfterHosts},
      {"rabbit://u:s3cret%00junk@h/", kNul},
      {"rabbit://u%00:s3cret@h/", kNul},
      {"rabbit://u:s3cret@h%00x/", kNul},
      {"rabbit://u:s3cret@h/v%00", kNul},
      {"rabbit://u:s3cret@h/?k=%00", kNul},
  };
  for (const Row& row : rows) {
    CAPTURE(row.url);
    auto r = ParseTransportUrl(row.url, "[DEFAULT] transport_url");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == base::Code::kInvalidInput);
    CHECK(r.error().message() == row.message);
    CHECK(r.error().message().find("s3cret") == std::string::npos);
  }
}

TEST_CASE("rpc::TransportUrl::Redacted") {
  SUBCASE("hides every password and keeps the rest") {
    auto r = ParseTransportUrl("rabbit://u:s3cret@h1:5671,u2:0ther@[::1]/nova?ssl=1", "x");
    REQUIRE(r.ok());
    CHECK(r->Redacted() == "rabbit://u:***@h1:5671,u2:***@[::1]:5672/nova?ssl=1");
  }
  SUBCASE("encodes special characters") {
    auto r = ParseTransportUrl("rabbit://a%40b:pw@h/%2F", "x");
    REQUIRE(r.ok());
    CHECK(r->Redacted() == "rabbit://a%40b:***@h:5672/%2F");
  }
  SUBCASE("a host without credentials") {
    auto r = ParseTransportUrl("rabbit://h", "x");
    REQUIRE(r.ok());
    CHECK(r->Redacted() == "rabbit://h:5672/%2F");
  }
}

TEST_CASE("rpc::UrlUnquote") {
  struct Row {
    const char* in;
    const char* out;
  };
  const Row rows[] = {{"a%20b", "a b"},     {"%41%42", "AB"}, {"%zz", "%zz"},  {"%4", "%4"},
                      {"100%", "100%"},     {"%%41", "%A"},   {"%C3%A9", "é"}, {"plain", "plain"},
                      {"a+b", "a+b"}};
  for (const Row& row : rows) {
    CAPTURE(row.in);
    auto r = rpc::UrlUnquote(row.in);
    REQUIRE(r.ok());
    CHECK(*r == row.out);
  }
  CHECK_FALSE(rpc::UrlUnquote("%ff").ok());
  CHECK_FALSE(rpc::UrlUnquote("%C3").ok());
  CHECK_FALSE(rpc::UrlUnquote("%ED%A0%80").ok());  // a UTF-16 surrogate
}

TEST_CASE("rpc::ParseQueryString") {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(*rpc::ParseQueryString("") == Pairs{});
  CHECK(*rpc::ParseQueryString("a=1&&b=x%3Dy&c==&d") == Pairs{{"a", "1"}, {"b", "x=y"}, {"c", "="}});
  CHECK(*rpc::ParseQueryString("k+1=v+1;x=y") == Pairs{{"k 1", "v 1;x=y"}});  // only '&' separates
  CHECK_FALSE(rpc::ParseQueryString("a=%80").ok());
}
