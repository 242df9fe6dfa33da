#include "rpc/transport_url.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace rpc {
namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    unsigned cp = len == 1 ? c : c & (0xFF >> (len + 1));
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// urlsplit's _check_bracketed_host: an IPv6 address (with an optional zone),
// or an IPvFuture "v<hex>.<something>".
bool IsBracketedHost(const std::string& host) {
  if (!host.empty() && host[0] == 'v') {
    size_t dot = host.find('.');
    if (dot == std::string::npos || dot < 2 || dot + 1 >= host.size()) return false;
    return std::all_of(host.begin() + 1, host.begin() + static_cast<long>(dot), IsHex);
  }
  std::string address = host;
  if (size_t pct = host.find('%'); pct != std::string::npos) {
    std::string zone = host.substr(pct + 1);
    if (zone.empty() || zone.find('%') != std::string::npos) return false;
    address = host.substr(0, pct);
  }
  in6_addr out{};
  return inet_pton(AF_INET6, address.c_str(), &out) == 1;
}

// urlsplit's _check_bracketed_netloc, applied to the text after the last '@'.
bool BracketsOk(std::string_view netloc) {
  const bool open = netloc.find('[') != std::string_view::npos;
  const bool close = netloc.find(']') != std::string_view::npos;
  if (open != close) return false;
  if (!open) return true;
  size_t at = netloc.rfind('@');
  std::string_view host_port = at == std::string_view::npos ? netloc : netloc.substr(at + 1);
  size_t lb = host_port.find('[');
  if (lb == std::string_view::npos) {
    // Python 3.11.2 (Debian 12, where Nova runs) checks this host as if it
    // were bracketed too: with brackets elsewhere it must be an IPv6 address.
    return IsBracketedHost(std::string(host_port.substr(0, host_port.find(':'))));
  }
  if (lb != 0) return false;
  std::string_view bracketed = host_port.substr(1);
  size_t rb = bracketed.find(']');
  std::string_view after = rb == std::string_view::npos ? std::string_view() : bracketed.substr(rb + 1);
  if (!after.empty() && after[0] != ':') return false;
  return IsBracketedHost(std::string(bracketed.substr(0, rb)));
}

// librabbitmq takes C strings (and SASL PLAIN separates user and password
// with NULs): a NUL would cut a name or password short.
bool HasNul(const TransportUrl& url) {
  auto nul = [](const std::string& text) { return text.find('\0') != std::string::npos; };
  bool found = nul(url.virtual_host);
  for (const TransportHost& h : url.hosts) found = found || nul(h.username) || nul(h.password) || nul(h.hostname);
  for (const auto& [key, value] : url.query) found = found || nul(key) || nul(value);
  return found;
}

base::Status Invalid(std::string_view option_name, std::string_view detail) {
  return base::Status::InvalidInput(std::string(option_name) + ": " + std::string(detail));
}

base::Result<int> ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return base::Status::InvalidInput("port is not a number from 1 to 65535");
  }
  int port = std::stoi(std::string(text));
  if (port < 1 || port > 65535) return base::Status::InvalidInput("port is not a number from 1 to 65535");
  return port;
}

// One comma-separated entry of the netloc, as TransportURL.parse reads it.
base::Result<TransportHost> ParseHost(std::string_view entry) {
  TransportHost host;
  std::string_view hostport = entry;
  if (size_t at = entry.rfind('@'); at != std::string_view::npos) {
    std::string_view user = entry.substr(0, at);
    hostport = entry.substr(at + 1);
    if (size_t colon = user.find(':'); colon != std::string_view::npos) {
      BASE_TRY_ASSIGN(host.password, UrlUnquote(user.substr(colon + 1)));
      user = user.substr(0, colon);
    }
    BASE_TRY_ASSIGN(host.username, UrlUnquote(user));
  }
  std::string_view name = hostport, port;
  if (!hostport.empty() && hostport[0] == '[') {
    size_t rb = hostport.find(']');
    if (rb == std::string_view::npos) return base::Status::InvalidInput("invalid IPv6 URL");
    std::string_view rest = hostport.substr(rb + 1);
    if (!rest.empty() && rest[0] != ':') return base::Status::InvalidInput("invalid IPv6 URL");
    name = hostport.substr(1, rb - 1);
    if (!rest.empty()) port = rest.substr(1);
  } else if (size_t colon = hostport.find(':'); colon != std::string_view::npos) {
    name = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  if (name.empty()) return base::Status::InvalidInput("no hostname");
  BASE_TRY_ASSIGN(host.hostname, UrlUnquote(name));
  if (!port.empty()) {
    BASE_TRY_ASSIGN(host.port, ParsePort(port));
  }
  return host;
}

}  // namespace

base::Result<std::string> UrlUnquote(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && IsHex(text[i + 1]) && IsHex(text[i + 2])) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  if (!IsValidUtf8(out)) return base::Status::InvalidInput("not valid UTF-8 after percent-decoding");
  return out;
}

base::Result<std::vector<std::pair<std::string, std::string>>> ParseQueryString(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    std::string_view field = query.substr(start, amp == std::string_view::npos ? amp : amp - start);
    start = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
    size_t eq = field.find('=');
    if (eq == std::string_view::npos || eq + 1 == field.size()) continue;
    std::string name(field.substr(0, eq)), value(field.substr(eq + 1));
    std::replace(name.begin(), name.end(), '+', ' ');
    std::replace(value.begin(), value.end(), '+', ' ');
    BASE_TRY_ASSIGN(std::string key, UrlUnquote(name));
    BASE_TRY_ASSIGN(std::string val, UrlUnquote(value));
    out.emplace_back(std::move(key), std::move(val));
  }
  return out;
}

std::string UrlQuote(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 && u < 0x80) {
      out.push_back(c);
    } else if (c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

base::Result<UrlParts> SplitUrl(std::string_view input) {
  std::string url(input);
  size_t lead = 0;
  while (lead < url.size() && static_cast<unsigned char>(url[lead]) <= 0x20) ++lead;
  url.erase(0, lead);
  std::erase_if(url, [](char c) { return c == '\t' || c == '\r' || c == '\n'; });

  UrlParts parts;
  std::string_view rest = url;
  size_t colon = rest.find(':');
  if (colon != std::string_view::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(rest[0])) != 0 &&
      static_cast<unsigned char>(rest[0]) < 0x80 &&
      std::all_of(rest.begin(), rest.begin() + static_cast<long>(colon), [](char c) {
        return (std::isalnum(static_cast<unsigned char>(c)) != 0 && static_cast<unsigned char>(c) < 0x80) ||
               c == '+' || c == '-' || c == '.';
      })) {
    parts.scheme = std::string(rest.substr(0, colon));
    for (char& c : parts.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    rest = rest.substr(colon + 1);
  }
  if (rest.substr(0, 2) == "//") {
    size_t end = rest.find_first_of("/?#", 2);
    parts.netloc = std::string(rest.substr(2, end == std::string_view::npos ? end : end - 2));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (!BracketsOk(parts.netloc)) return base::Status::InvalidInput("invalid IPv6 URL");
  }
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) {
    parts.fragment = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    parts.query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  parts.path = std::string(rest);
  return parts;
}

TransportKind TransportUrl::Kind() const {
  std::string_view driver = std::string_view(transport).substr(0, transport.find('+'));
  if (driver == "amqp") return TransportKind::kAmqp1;
  if (driver == "kafka") return TransportKind::kKafka;
  if (driver == "fake") return TransportKind::kFake;
  if (driver == "none") return TransportKind::kNone;
  return TransportKind::kRabbit;  // "rabbit" or "kombu"; ParseTransportUrl admits nothing else
}

std::optional<std::string> TransportUrl::QueryValue(std::string_view key) const {
  std::optional<std::string> joined;
  for (const auto& [k, v] : query) {
    if (k != key) continue;
    joined = joined ? *joined + "," + v : v;
  }
  return joined;
}

std::string TransportUrl::Redacted() const {
  std::string out = transport + "://";
  for (size_t i = 0; i < hosts.size(); ++i) {
    const TransportHost& h = hosts[i];
    if (i > 0) out += ',';
    if (!h.username.empty() || !h.password.empty()) {
      out += UrlQuote(h.username);
      if (!h.password.empty()) out += ":" + std::string(kMaskedPassword);
      out += '@';
    }
    out += h.hostname.find(':') != std::string::npos ? "[" + h.hostname + "]" : UrlQuote(h.hostname);
    out += ':' + std::to_string(h.port);
  }
  out += '/';
  out += UrlQuote(virtual_host);
  for (size_t i = 0; i < query.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += UrlQuote(query[i].first) + "=" + UrlQuote(query[i].second);
  }
  return out;
}

base::Result<TransportUrl> ParseTransportUrl(std::string_view url, std::string_view option_name) {
  base::Result<UrlParts> split = SplitUrl(url);
  if (!split.ok()) return split.error().WithContext(option_name);
  const UrlParts& parts = *split;
  if (parts.scheme.empty()) return Invalid(option_name, "no scheme (expected rabbit://...)");

  TransportUrl out;
  out.transport = parts.scheme;
  std::string driver = parts.scheme.substr(0, parts.scheme.find('+'));
  static constexpr std::string_view kDrivers[] = {"rabbit", "kombu", "amqp", "kafka", "fake", "none"};
  if (std::find(std::begin(kDrivers), std::end(kDrivers), driver) == std::end(kDrivers)) {
    return Invalid(option_name, "unknown transport (the scheme must name an oslo.messaging driver: rabbit, kombu, "
                                "amqp, kafka, fake)");
  }
  if ((parts.path + parts.query + parts.fragment).find('@') != std::string::npos) {
    // urlsplit ended the host list at a '/', '?' or '#' inside a user name or
    // password, so the rest of it (and the real host) landed after it.
    return Invalid(option_name, "'@' after the hosts: percent-encode a '/', '?', '#' or ',' in a user name or "
                                "password (%2F, %3F, %23, %2C)");
  }

  auto query = ParseQueryString(parts.query);
  if (!query.ok()) return query.error().WithContext("query").WithContext(option_name);
  out.query = std::move(*query);

  if (!parts.path.empty() && parts.path[0] == '/') {
    auto vhost = UrlUnquote(std::string_view(parts.path).substr(1));
    if (!vhost.ok()) return vhost.error().WithContext("virtual host").WithContext(option_name);
    if (!vhost->empty()) out.virtual_host = std::move(*vhost);
  }

  std::string_view netloc = parts.netloc;
  for (size_t start = 0; start <= netloc.size();) {
    size_t comma = std::min(netloc.find(',', start), netloc.size());
    std::string_view entry = netloc.substr(start, comma - start);
    start = comma + 1;
    if (entry.empty()) continue;
    auto host = ParseHost(entry);
    if (!host.ok()) {
      return host.error().WithContext("host " + std::to_string(out.hosts.size() + 1)).WithContext(option_name);
    }
    out.hosts.push_back(std::move(*host));
  }
  if (HasNul(out)) {
    return Invalid(option_name, "contains a NUL character (%00), which cannot be sent to the broker");
  }
  return out;
}

}  // namespace rpc
