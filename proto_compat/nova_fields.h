// Nova field values: the conversions oslo.versionedobjects and Nova apply to a
// database value before it becomes part of an object primitive
// (oslo_versionedobjects/fields.py, nova/objects/fields.py), for the field
// types whose primitive is not simply the stored text.
//
//   DateTime   a DATETIME column as MySQL prints it ("YYYY-MM-DD HH:MM:SS",
//              optionally ".ffffff"), naive UTC as oslo.db stores it, becomes
//              _utils.isotime(): "%Y-%m-%dT%H:%M:%SZ". The fraction is dropped
//              and the year is not zero-padded (Python's strftime on glibc).
//   IPAddress  netaddr 0.8 (Debian 12) rules: IPv4 as C inet_aton reads it
//              ("1" is 0.0.0.1, "010.1.1.1" is 8.1.1.1, trailing blanks and
//              what follows them are ignored), else IPv6 as inet_pton reads it;
//              written back in netaddr's canonical text, which for IPv6 is
//              exactly inet_ntop's (checked on 200,000 addresses).
//
// Everything here is a pure function of its arguments; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace proto_compat {

// A naive UTC datetime with Python datetime's range (year 1..9999).
struct NovaDateTime {
  int year = 1;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int microsecond = 0;

  friend bool operator==(const NovaDateTime&, const NovaDateTime&) = default;
};

// Reads MySQL's text form of a DATETIME. kInvalidInput for anything else,
// including a date that does not exist ("0000-00-00 00:00:00", Feb 30):
// PyMySQL hands such a value to Nova as a string, which the field refuses.
base::Result<NovaDateTime> ParseMysqlDateTime(std::string_view text);

// MySQL's text form, "YYYY-MM-DD HH:MM:SS" (".ffffff" only when non-zero).
std::string FormatMysqlDateTime(const NovaDateTime& value);

// The DateTime field primitive: "2026-11-26T11:48:48Z".
std::string FormatDateTimeField(const NovaDateTime& value);

// Reads a DateTime primitive back as iso8601.parse_date would for the forms
// Nova writes or accepts: "YYYY-MM-DDTHH:MM:SS", optional ".f" (1-6 digits),
// then "Z", "+HH:MM"/"-HH:MM" or nothing (UTC); an offset is applied, so the
// result is UTC. kInvalidInput otherwise.
base::Result<NovaDateTime> ParseDateTimeField(std::string_view text);

enum class IpVersion { kV4 = 4, kV6 = 6 };

struct IpAddress {
  IpVersion version = IpVersion::kV4;
  std::string text;  // str(netaddr.IPAddress(...))
};

// netaddr.IPAddress(text) (see above). kInvalidInput when neither family
// accepts it, or when it holds a NUL byte.
base::Result<IpAddress> ParseIpAddress(std::string_view text);

// netaddr.IPNetwork(text).version: an address, a partial IPv4 address
// ("10.0.0/24", "10/8"), optionally "/prefix" or "/netmask". kInvalidInput
// when neither family accepts it.
base::Result<IpVersion> IpNetworkVersion(std::string_view text);

}  // namespace proto_compat
