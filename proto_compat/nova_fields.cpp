#include "proto_compat/nova_fields.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <optional>
#include <vector>

namespace proto_compat {
namespace {

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

bool Valid(const NovaDateTime& t) {
  return t.year >= 1 && t.year <= 9999 && t.month >= 1 && t.month <= 12 && t.day >= 1 &&
         t.day <= DaysInMonth(t.year, t.month) && t.hour >= 0 && t.hour < 24 && t.minute >= 0 &&
         t.minute < 60 && t.second >= 0 && t.second < 60 && t.microsecond >= 0 && t.microsecond < 1000000;
}

// Reads exactly `width` ASCII digits at text[pos].
bool Digits(std::string_view text, std::size_t& pos, std::size_t width, int& out) {
  if (text.size() - pos < width) return false;
  out = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += width;
  return true;
}

bool Expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

// "YYYY-MM-DD?HH:MM:SS" with `separator` between date and time.
bool ReadDateAndTime(std::string_view text, std::size_t& pos, char separator, NovaDateTime& t) {
  return Digits(text, pos, 4, t.year) && Expect(text, pos, '-') && Digits(text, pos, 2, t.month) &&
         Expect(text, pos, '-') && Digits(text, pos, 2, t.day) && Expect(text, pos, separator) &&
         Digits(text, pos, 2, t.hour) && Expect(text, pos, ':') && Digits(text, pos, 2, t.minute) &&
         Expect(text, pos, ':') && Digits(text, pos, 2, t.second);
}

// ".f" with 1..6 digits, scaled to microseconds; absent is fine.
bool ReadFraction(std::string_view text, std::size_t& pos, NovaDateTime& t) {
  if (pos >= text.size() || text[pos] != '.') return true;
  ++pos;
  std::size_t digits = 0;
  int value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 6) {
    value = value * 10 + (text[pos] - '0');
    ++pos, ++digits;
  }
  if (digits == 0) return false;
  for (std::size_t i = digits; i < 6; ++i) value *= 10;
  t.microsecond = value;
  return true;
}

base::Status BadDateTime(std::string_view text, std::string_view what) {
  return base::Status::InvalidInput("'" + std::string(text) + "' is not " + std::string(what));
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
long DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

NovaDateTime CivilFromSeconds(long long seconds, int microsecond) {
  long days = static_cast<long>(seconds / 86400);
  long rest = static_cast<long>(seconds % 86400);
  if (rest < 0) rest += 86400, --days;
  days += 719468;
  const long era = (days >= 0 ? days : days - 146096) / 146097;
  const long doe = days - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  NovaDateTime t;
  t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = static_cast<int>(yoe + era * 400 + (t.month <= 2));
  t.hour = static_cast<int>(rest / 3600);
  t.minute = static_cast<int>(rest / 60 % 60);
  t.second = static_cast<int>(rest % 60);
  t.microsecond = microsecond;
  return t;
}

bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

// Python's int(text) for the plain cases: blanks around, one sign, ASCII
// digits with single underscores between them.
std::optional<long long> PythonInt(std::string_view text) {
  constexpr std::string_view kBlank = " \t\n\r\v\f";
  const std::size_t first = text.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return std::nullopt;
  text = text.substr(first, text.find_last_not_of(kBlank) - first + 1);
  bool negative = false;
  if (text.front() == '+' || text.front() == '-') negative = text.front() == '-', text.remove_prefix(1);
  if (text.empty() || text.front() == '_' || text.back() == '_') return std::nullopt;
  long long value = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_' && text[i - 1] != '_') continue;
    if (c < '0' || c > '9' || value > 1'000'000'000'000LL) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

// Network-order bytes of an address in one family, inet_pton's strict form.
std::optional<std::vector<unsigned char>> PtonBytes(int family, const std::string& text) {
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(family, text.c_str(), bytes.data()) != 1) return std::nullopt;
  return std::vector<unsigned char>(bytes.begin(), bytes.begin() + (family == AF_INET ? 4 : 16));
}

// ones-then-zeros (a netmask) or zeros-then-ones (a hostmask), as netaddr's
// is_netmask()/is_hostmask(); both accept all-zeros and all-ones.
bool IsMask(const std::vector<unsigned char>& bytes) {
  auto monotone = [&](bool ones_first) {
    bool switched = false;
    for (unsigned char byte : bytes) {
      for (int bit = 7; bit >= 0; --bit) {
        const bool one = ((byte >> bit) & 1) != 0;
        if (one != ones_first) switched = true;
        else if (switched) return false;
      }
    }
    return true;
  };
  return monotone(true) || monotone(false);
}

// parse_ip_network() of one family: the prefix is an integer within the
// width, or a netmask/hostmask of that family.
bool ValidPrefix(int family, const std::optional<std::string>& prefix) {
  if (!prefix) return true;
  const long long width = family == AF_INET ? 32 : 128;
  if (auto length = PythonInt(*prefix)) return *length >= 0 && *length <= width;
  auto mask = PtonBytes(family, *prefix);
  return mask && IsMask(*mask);
}

// _ipv4.expand_partial_address(): 1 to 4 integer tokens, padded with zeros.
std::optional<std::string> ExpandPartialIpv4(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return std::nullopt;
  std::vector<std::string> tokens;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = text.find('.', start);
    auto value = PythonInt(text.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (!value) return std::nullopt;
    tokens.push_back(std::to_string(*value));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (tokens.size() > 4) return std::nullopt;
  while (tokens.size() < 4) tokens.emplace_back("0");
  return tokens[0] + "." + tokens[1] + "." + tokens[2] + "." + tokens[3];
}

}  // namespace

base::Result<NovaDateTime> ParseMysqlDateTime(std::string_view text) {
  NovaDateTime t;
  std::size_t pos = 0;
  if (!ReadDateAndTime(text, pos, ' ', t) || !ReadFraction(text, pos, t) || pos != text.size()) {
    return BadDateTime(text, "a MySQL DATETIME");
  }
  if (!Valid(t)) return BadDateTime(text, "a valid date and time");
  return t;
}

std::string FormatMysqlDateTime(const NovaDateTime& t) {
  std::array<char, 40> buffer{};
  int n = std::snprintf(buffer.data(), buffer.size(), "%04d-%02d-%02d %02d:%02d:%02d", t.year, t.month, t.day,
                        t.hour, t.minute, t.second);
  if (t.microsecond != 0) {
    n += std::snprintf(buffer.data() + n, buffer.size() - static_cast<std::size_t>(n), ".%06d", t.microsecond);
  }
  return std::string(buffer.data(), static_cast<std::size_t>(n));
}

std::string FormatDateTimeField(const NovaDateTime& t) {
  // "%d-%02d-%02dT%02d:%02d:%02dZ" by hand: this runs for every datetime of
  // every object primitive.
  char buffer[32];
  char* w = std::to_chars(buffer, buffer + 12, t.year).ptr;
  const auto two = [&w](char separator, int value) {
    *w++ = separator;
    *w++ = static_cast<char>('0' + value / 10 % 10);
    *w++ = static_cast<char>('0' + value % 10);
  };
  two('-', t.month);
  two('-', t.day);
  two('T', t.hour);
  two(':', t.minute);
  two(':', t.second);
  *w++ = 'Z';
  return std::string(buffer, static_cast<std::size_t>(w - buffer));
}

base::Result<NovaDateTime> ParseDateTimeField(std::string_view text) {
  NovaDateTime t;
  std::size_t pos = 0;
  if (!ReadDateAndTime(text, pos, 'T', t) || !ReadFraction(text, pos, t)) {
    return BadDateTime(text, "an ISO 8601 date and time");
  }
  int offset_minutes = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int hours = 0;
    int minutes = 0;
    if (!Digits(text, pos, 2, hours) || !Expect(text, pos, ':') || !Digits(text, pos, 2, minutes) ||
        hours > 23 || minutes > 59) {
      return BadDateTime(text, "an ISO 8601 date and time");
    }
    offset_minutes = sign * (hours * 60 + minutes);
  }
  if (pos != text.size()) return BadDateTime(text, "an ISO 8601 date and time");
  if (!Valid(t)) return BadDateTime(text, "a valid date and time");
  if (offset_minutes == 0) return t;
  const long long seconds = DaysFromCivil(t.year, t.month, t.day) * 86400LL + t.hour * 3600LL +
                            t.minute * 60LL + t.second - offset_minutes * 60LL;
  NovaDateTime utc = CivilFromSeconds(seconds, t.microsecond);
  if (!Valid(utc)) return BadDateTime(text, "a date and time within years 1 to 9999");
  return utc;
}

base::Result<IpAddress> ParseIpAddress(std::string_view text) {
  const std::string copy(text);
  if (!text.empty() && !HasNul(text)) {
    in_addr v4{};
    if (inet_aton(copy.c_str(), &v4) != 0) {
      std::array<char, INET_ADDRSTRLEN> out{};
      inet_ntop(AF_INET, &v4, out.data(), out.size());
      return IpAddress{IpVersion::kV4, out.data()};
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, copy.c_str(), &v6) == 1) {
      std::array<char, INET6_ADDRSTRLEN> out{};
      inet_ntop(AF_INET6, &v6, out.data(), out.size());
      return IpAddress{IpVersion::kV6, out.data()};
    }
  }
  return base::Status::InvalidInput("'" + copy + "' is not an IP address");
}

base::Result<IpVersion> IpNetworkVersion(std::string_view text) {
  if (!HasNul(text)) {
    const std::size_t slash = text.find('/');
    const std::string address(text.substr(0, slash));
    std::optional<std::string> prefix;
    if (slash != std::string_view::npos) prefix = std::string(text.substr(slash + 1));

    std::optional<std::string> v4 = PtonBytes(AF_INET, address) ? std::optional(address) : std::nullopt;
    if (!v4) {
      v4 = ExpandPartialIpv4(address);
      if (v4 && !PtonBytes(AF_INET, *v4)) v4.reset();
    }
    if (v4 && ValidPrefix(AF_INET, prefix)) return IpVersion::kV4;
    if (PtonBytes(AF_INET6, address) && ValidPrefix(AF_INET6, prefix)) return IpVersion::kV6;
  }
  return base::Status::InvalidInput("'" + std::string(text) + "' is not an IP network");
}

}  // namespace proto_compat
