// TransportUrl: an oslo.messaging transport URL ([DEFAULT] transport_url, or a
// cell mapping's transport_url), parsed the way oslo.messaging 14
// TransportURL.parse and the rabbit driver read it:
//
//   transport://user:pass@host:port[,user2:pass2@host2:port2]/virtual_host?query
//
// * The scheme is lower-cased; its part before '+' picks the driver, as
//   oslo's driver loader does ("kombu+memory" -> "kombu"). Note that oslo's
//   "amqp" driver is AMQP 1.0 (qpid-proton), not RabbitMQ; see Kind().
// * Hosts are split on ','; empty entries are skipped. Each host carries its
//   own credentials: a host that omits them gets none (oslo does not copy them
//   from another host; kombu would then log in as "guest", bdm-agent does not).
//   username, password and hostname are percent-decoded; IPv6 literals lose
//   their brackets; a missing port is 5672.
// * virtual_host is the percent-decoded path without its leading '/'; an
//   absent or empty path gives "/" (kombu's default).
// * query keeps every "key=value" pair in order, '+' and %XX decoded; like
//   Python's parse_qs, pairs with an empty value or without '=' are dropped.
//
// * A '@' after the host list (in the path, query or fragment) is refused:
//   it means a '/', '?' or '#' in a user name or password ended the host
//   list early, and the rest of the credentials would be taken (and shown)
//   as the virtual host or query. A raw ',' in a password splits the host
//   list, as in oslo; write it %2C.
// * No decoded part may contain a NUL (%00): librabbitmq would cut the text.
//
// Parsing never touches the network and keeps no state; results are plain
// values. Error messages name the option and quote no part of the URL (a
// secret option: oslo.messaging registers transport_url secret=True).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace rpc {

inline constexpr int kDefaultAmqpPort = 5672;

// What Redacted() forms (here and in agent/config/database_url.h) print in
// place of a password.
inline constexpr std::string_view kMaskedPassword = "***";

struct TransportHost {
  std::string username;  // empty: the URL gave none for this host
  std::string password;  // empty: the URL gave none for this host
  std::string hostname;  // never empty; IPv6 without brackets
  int port = kDefaultAmqpPort;
};

// What a transport URL asks for, by oslo.messaging driver.
enum class TransportKind {
  kRabbit,  // "rabbit", "kombu" and "rabbit+x"/"kombu+x": AMQP 0-9-1 (RabbitMQ)
  kAmqp1,   // "amqp": oslo's AMQP 1.0 driver, not RabbitMQ
  kKafka,   // "kafka": notifications only in oslo.messaging
  kFake,    // "fake": oslo's in-process test driver
  kNone,    // "none": Nova's placeholder for cell0 ("none:///"), no broker
};

struct TransportUrl {
  std::string transport;  // the scheme, lower-cased: "rabbit", "kombu+memory"
  std::vector<TransportHost> hosts;  // may be empty ("rabbit://", "none:///")
  std::string virtual_host = "/";
  std::vector<std::pair<std::string, std::string>> query;

  TransportKind Kind() const;

  // The value oslo.messaging sees for a query key: every occurrence joined
  // with ','; nullopt when the key is absent.
  std::optional<std::string> QueryValue(std::string_view key) const;

  // The URL rebuilt with each password replaced by "***"; safe to log.
  std::string Redacted() const;
};

// Parses `url`. `option_name` (e.g. "[DEFAULT] transport_url") starts every
// error message. Returns InvalidInput for: no scheme, a driver oslo does not
// have, unbalanced or malformed IPv6 brackets, a host without a hostname, a
// port that is not 1..65535, a '@' after the hosts, a NUL, or text that is
// not UTF-8 after percent-decoding.
base::Result<TransportUrl> ParseTransportUrl(std::string_view url, std::string_view option_name);

// Python's urllib.parse.unquote: "%XX" becomes the byte XX, and a '%' not
// followed by two hex digits stays as it is. Returns InvalidInput (without
// echoing the text) when the result is not valid UTF-8, where Python would
// silently put U+FFFD in its place.
base::Result<std::string> UrlUnquote(std::string_view text);

// Python's parse_qsl with its defaults: "&"-separated fields, '+' is a space,
// %XX decoded (as UrlUnquote), and fields with an empty value or without '='
// dropped. InvalidInput when a name or value is not UTF-8 once decoded.
base::Result<std::vector<std::pair<std::string, std::string>>> ParseQueryString(std::string_view query);

// Percent-encodes every byte except ASCII letters, digits and "-._~".
std::string UrlQuote(std::string_view text);

// The five parts of a URL as Python's urllib.parse.urlsplit returns them
// (which is what oslo.messaging and Nova's cell mapping code start from):
// leading C0 controls and spaces are dropped, as are tabs and newlines
// anywhere; the scheme is lower-cased (empty when the text has none); nothing
// is percent-decoded.
struct UrlParts {
  std::string scheme, netloc, path, query, fragment;
};

// Returns InvalidInput "invalid IPv6 URL" where Python 3.11.2's urlsplit
// raises ValueError: unbalanced brackets in the netloc, text before '[' or
// between ']' and ':', or a bracketed host that is not an IPv6 address. (With
// brackets anywhere in the netloc, 3.11.2 also checks the host after the last
// '@' as an IPv6 address, so "a@[::1],b@h" fails in oslo and Nova too.)
base::Result<UrlParts> SplitUrl(std::string_view url);

}  // namespace rpc
