// Unit tests of proto_compat/nova_fields: DateTime and IP address field
// values. Expected IP texts are netaddr 0.8.0's (Debian 12), read from
// Python: str(netaddr.IPAddress(x)), netaddr.IPNetwork(x).version.
#include "proto_compat/nova_fields.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using proto_compat::IpVersion;
using proto_compat::NovaDateTime;

TEST_CASE("proto_compat::ParseMysqlDateTime and the DateTime field primitive") {
  struct Case {
    std::string mysql;
    std::string primitive;
  };
  const std::vector<Case> cases = {
      {"2026-11-26 11:48:48", "2026-11-26T11:48:48Z"},
      {"2024-02-29 23:59:59", "2024-02-29T23:59:59Z"},
      {"2026-01-02 03:04:05.123456", "2026-01-02T03:04:05Z"},  // isotime drops the fraction
      {"2026-01-02 03:04:05.5", "2026-01-02T03:04:05Z"},
      {"0999-01-02 03:04:05", "999-01-02T03:04:05Z"},          // Python's %Y does not pad
      {"0001-01-01 00:00:00", "1-01-01T00:00:00Z"},
      {"9999-12-31 23:59:59", "9999-12-31T23:59:59Z"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.mysql);
    auto parsed = proto_compat::ParseMysqlDateTime(c.mysql);
    REQUIRE(parsed.ok());
    CHECK(proto_compat::FormatDateTimeField(*parsed) == c.primitive);
  }
  SUBCASE("MySQL text round-trips") {
    for (const std::string text : {"2026-11-26 11:48:48", "2026-01-02 03:04:05.123456", "0999-01-02 03:04:05"}) {
      CHECK(proto_compat::FormatMysqlDateTime(*proto_compat::ParseMysqlDateTime(text)) == text);
    }
  }
  SUBCASE("values PyMySQL hands to Nova as strings are refused") {
    for (const std::string text : {"0000-00-00 00:00:00", "2023-02-29 00:00:00", "2026-13-01 00:00:00",
                                   "2026-11-31 00:00:00", "2026-11-26 24:00:00", "2026-11-26 11:60:00",
                                   "2026-11-26T11:48:48", "2026-11-26 11:48", "2026-11-26 11:48:48.",
                                   "2026-11-26 11:48:48.1234567", "", "garbage"}) {
      CAPTURE(text);
      auto parsed = proto_compat::ParseMysqlDateTime(text);
      REQUIRE_FALSE(parsed.ok());
      CHECK(parsed.error().code() == base::Code::kInvalidInput);
    }
  }
}

TEST_CASE("proto_compat::ParseDateTimeField reads primitives back in UTC") {
  struct Case {
    std::string text;
    NovaDateTime expected;
  };
  const std::vector<Case> cases = {
      {"2026-11-26T11:48:48Z", {2026, 11, 26, 11, 48, 48, 0}},
      {"2026-11-26T11:48:48", {2026, 11, 26, 11, 48, 48, 0}},
      {"2026-11-26T11:48:48.25Z", {2026, 11, 26, 11, 48, 48, 250000}},
      {"2026-11-26T11:48:48+01:30", {2026, 11, 26, 10, 18, 48, 0}},
      {"2026-01-01T00:30:00+01:00", {2025, 12, 31, 23, 30, 0, 0}},
      {"2024-02-28T23:00:00-02:00", {2024, 2, 29, 1, 0, 0, 0}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    auto parsed = proto_compat::ParseDateTimeField(c.text);
    REQUIRE(parsed.ok());
    CHECK(*parsed == c.expected);
  }
  for (const std::string text : {"2026-11-26 11:48:48Z", "2026-11-26T11:48:48+0100", "2026-02-30T00:00:00Z",
                                 "0001-01-01T00:00:00+01:00", "2026-11-26T11:48:48Zjunk"}) {
    CAPTURE(text);
    CHECK_FALSE(proto_compat::ParseDateTimeField(text).ok());
  }
}

TEST_CASE("proto_compat::ParseIpAddress follows netaddr 0.8") {
  struct Case {
    std::string input;
    IpVersion version;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"1.2.3.4", IpVersion::kV4, "1.2.3.4"},
      {"010.1.1.1", IpVersion::kV4, "8.1.1.1"},
      {"1.2.3", IpVersion::kV4, "1.2.0.3"},
      {"1", IpVersion::kV4, "0.0.0.1"},
      {"0x7f.1", IpVersion::kV4, "127.0.0.1"},
      {"4294967295", IpVersion::kV4, "255.255.255.255"},
      {"1.2.3.4 junk", IpVersion::kV4, "1.2.3.4"},
      {"1.2.3.4\n", IpVersion::kV4, "1.2.3.4"},
      {"::ffff:1.2.3.4", IpVersion::kV6, "::ffff:1.2.3.4"},
      {"2001:DB8:0:0:1:0:0:1", IpVersion::kV6, "2001:db8::1:0:0:1"},
      {"1:0:0:0:0:0:0:8", IpVersion::kV6, "1::8"},
      {"0:0:0:0:0:0:0:1", IpVersion::kV6, "::1"},
      {"1:2:3:4:5:6:7:0", IpVersion::kV6, "1:2:3:4:5:6:7:0"},
      {"::1.2.3.4", IpVersion::kV6, "::1.2.3.4"},
      {"::", IpVersion::kV6, "::"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    auto address = proto_compat::ParseIpAddress(c.input);
    REQUIRE(address.ok());
    CHECK(address->version == c.version);
    CHECK(address->text == c.text);
  }
  const std::vector<std::string> bad = {"", " 1.2.3.4", "1.2.3.256", "1..2", "fe80::1%eth0", "not-an-ip",
                                       std::string("1.2.3.4\0", 8)};
  for (const std::string& text : bad) {
    CAPTURE(text);
    auto address = proto_compat::ParseIpAddress(text);
    REQUIRE_FALSE(address.ok());
    CHECK(address.error().code() == base::Code::kInvalidInput);
  }
}

TEST_CASE("proto_compat::IpNetworkVersion follows netaddr.IPNetwork") {
  struct Case {
    std::string input;
    IpVersion version;
  };
  const std::vector<Case> cases = {
      {"10.0.0.0/24", IpVersion::kV4}, {"10.0.0/24", IpVersion::kV4},
      {"10/8", IpVersion::kV4},        {"10.0.0.1", IpVersion::kV4},
      {"10.0.0.0/255.255.255.0", IpVersion::kV4}, {"10.0.0.0/0.0.0.255", IpVersion::kV4},
      {"::/0", IpVersion::kV6},        {"2001:db8::/64", IpVersion::kV6},
      {"fd00::1", IpVersion::kV6},     {"::ffff:1.2.3.4/128", IpVersion::kV6},
  };
  for (const Case& c : cases) {
    CAPTURE(c.input);
    auto version = proto_compat::IpNetworkVersion(c.input);
    REQUIRE(version.ok());
    CHECK(*version == c.version);
  }
  for (const std::string text : {"x", "1.2.3.4/33", "10.0.0.0/255.0.255.0", "fd00::/129", "", "1.2.3.4.5/8",
                                 "1.2.3.256/24"}) {
    CAPTURE(text);
    CHECK_FALSE(proto_compat::IpNetworkVersion(text).ok());
  }
}
