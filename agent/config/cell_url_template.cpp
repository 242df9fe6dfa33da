#include "agent/config/cell_url_template.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "rpc/transport_url.h"

namespace agent::config {
namespace {

using base::Result;
using base::Status;
using Subs = std::map<std::string, std::optional<std::string>, std::less<>>;

std::string_view LocalOptionName(CellUrlField field) {
  return field == CellUrlField::kDatabaseConnection ? "[database] connection" : "[DEFAULT] transport_url";
}

std::string_view CellFieldName(CellUrlField field) {
  return field == CellUrlField::kDatabaseConnection ? "database_connection" : "transport_url";
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The username/password/hostname/port properties of Python's SplitResult.
Result<Subs> UrlSubs(const rpc::UrlParts& parts) {
  Subs subs;
  std::string_view netloc = parts.netloc;
  size_t at = netloc.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = netloc.substr(0, at);
    size_t colon = userinfo.find(':');
    subs["username"] = std::string(userinfo.substr(0, colon));
    subs["password"] = colon == std::string_view::npos ? std::nullopt
                                                       : std::optional<std::string>(userinfo.substr(colon + 1));
  } else {
    subs["username"] = subs["password"] = std::nullopt;
  }
  std::string_view hostinfo = at == std::string_view::npos ? netloc : netloc.substr(at + 1);
  std::string_view hostname, port;
  if (size_t lb = hostinfo.find('['); lb != std::string_view::npos) {
    std::string_view bracketed = hostinfo.substr(lb + 1);
    size_t rb = bracketed.find(']');
    hostname = bracketed.substr(0, rb);
    std::string_view after = rb == std::string_view::npos ? std::string_view() : bracketed.substr(rb + 1);
    if (size_t colon = after.find(':'); colon != std::string_view::npos) port = after.substr(colon + 1);
  } else {
    size_t colon = hostinfo.find(':');
    hostname = hostinfo.substr(0, colon);
    if (colon != std::string_view::npos) port = hostinfo.substr(colon + 1);
  }
  if (hostname.empty()) {
    subs["hostname"] = std::nullopt;
  } else {
    size_t pct = hostname.find('%');  // an IPv6 zone keeps its case
    subs["hostname"] = AsciiLower(hostname.substr(0, pct)) +
                       std::string(pct == std::string_view::npos ? std::string_view() : hostname.substr(pct));
  }
  if (port.empty()) {
    subs["port"] = std::nullopt;
  } else {
    bool digits = std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    std::string_view trimmed = port.substr(std::min(port.find_first_not_of('0'), port.size() - 1));
    if (!digits || trimmed.size() > 5 || std::stoi(std::string(trimmed)) > 65535) {
      return Status::InvalidInput("port is not a number from 0 to 65535");
    }
    subs["port"] = std::to_string(std::stoi(std::string(trimmed)));
  }
  subs["scheme"] = parts.scheme;
  subs["query"] = parts.query;
  subs["fragment"] = parts.fragment;
  std::string_view path = parts.path;
  subs["path"] = std::string(path.substr(std::min(path.find_first_not_of('/'), path.size())));
  return subs;
}

// Nova's _parse_netloc for one comma-separated host, as keys "<name><index>".
Status AddIndexedSubs(std::string_view netloc, int index, Subs& subs) {
  const std::string n = std::to_string(index);
  std::string_view userpass, hostport = netloc;
  if (size_t at = netloc.find('@'); at != std::string_view::npos) {
    userpass = netloc.substr(0, at);
    hostport = netloc.substr(at + 1);
  }
  std::optional<std::string> port;
  if (!hostport.empty() && hostport[0] == '[') {
    size_t rb = hostport.find(']');
    if (rb == std::string_view::npos) return Status::InvalidInput("invalid IPv6 URL");
    subs["hostname" + n] = std::string(hostport.substr(1, rb - 1));
    port = std::string(hostport.substr(rb + 1));  // keeps the ':', as Nova does
  } else if (size_t colon = hostport.find(':'); colon != std::string_view::npos) {
    subs["hostname" + n] = std::string(hostport.substr(0, colon));
    port = std::string(hostport.substr(colon + 1));
  } else {
    subs["hostname" + n] = std::string(hostport);
  }
  subs["port" + n] = port;
  size_t colon = userpass.find(':');
  subs["username" + n] = std::string(userpass.substr(0, colon));
  subs["password" + n] =
      colon == std::string_view::npos ? std::nullopt : std::optional<std::string>(userpass.substr(colon + 1));
  return Status::Ok();
}

// Where the template's user/password part lies, so that a brace in a literal
// password is never quoted back in a message.
std::pair<size_t, size_t> UserinfoRange(std::string_view url) {
  size_t start = url.find("://");
  if (start == std::string_view::npos) return {0, 0};
  start += 3;
  size_t end = std::min(url.find('/', start), url.size());
  size_t at = url.substr(0, end).rfind('@');
  return at == std::string_view::npos || at < start ? std::pair<size_t, size_t>{0, 0}
                                                     : std::pair<size_t, size_t>{start, at};
}

// str.format(**subs), limited to plain names.
Result<std::string> Format(std::string_view tmpl, const Subs& subs) {
  const auto [user_begin, user_end] = UserinfoRange(tmpl);
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    const char c = tmpl[i];
    if (c == '}') {
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      return Status::InvalidInput("single '}' in the template");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    size_t close = tmpl.find('}', i + 1);
    if (close == std::string_view::npos) return Status::InvalidInput("unmatched '{' in the template");
    std::string_view name = tmpl.substr(i + 1, close - i - 1);
    const bool secret_part = i >= user_begin && i < user_end;
    if (name.find_first_of("!:.[{") != std::string_view::npos || name.empty() ||
        std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      return Status::InvalidInput(secret_part ? std::string("unsupported placeholder in the user/password part")
                                              : "unsupported placeholder '{" + std::string(name) + "}'");
    }
    auto it = subs.find(name);
    if (it == subs.end()) {
      return Status::InvalidInput(secret_part ? std::string("unknown placeholder in the user/password part")
                                              : "unknown placeholder '{" + std::string(name) + "}'");
    }
    out += it->second.value_or("None");
    i = close;
  }
  return out;
}

}  // namespace

Result<std::string> FormatCellUrl(std::string_view cell_url, CellUrlField field,
                                  const std::optional<std::string>& local_url, std::string_view cell_name,
                                  OnTemplateError on_error) {
  if (cell_url.find_first_of("{}") == std::string_view::npos) return std::string(cell_url);
  const std::string context =
      "cell '" + std::string(cell_name) + "': " + std::string(CellFieldName(field));
  auto fail = [&](Status status) -> Result<std::string> {
    if (on_error == OnTemplateError::kKeepTemplate) return std::string(cell_url);
    return status.WithContext(context);
  };
  if (!local_url) {
    if (cell_url.find('{') == std::string_view::npos) return std::string(cell_url);
    return fail(Status::FailedPrecondition("is a template but " + std::string(LocalOptionName(field)) +
                                           " is not set"));
  }
  const std::string local_context = "cannot read " + std::string(LocalOptionName(field));
  auto parts = rpc::SplitUrl(*local_url);
  if (!parts.ok()) return fail(parts.error().WithContext(local_context));
  auto subs = UrlSubs(*parts);
  if (!subs.ok()) return fail(subs.error().WithContext(local_context));
  if (parts->netloc.find(',') != std::string::npos) {
    std::string_view netloc = parts->netloc;
    int index = 0;
    for (size_t start = 0; start <= netloc.size();) {
      size_t comma = std::min(netloc.find(',', start), netloc.size());
      Status added = AddIndexedSubs(netloc.substr(start, comma - start), ++index, *subs);
      if (!added.ok()) return fail(added.WithContext(local_context));
      start = comma + 1;
    }
  }
  auto formatted = Format(cell_url, *subs);
  if (!formatted.ok()) return fail(formatted.error());
  return formatted;
}

}  // namespace agent::config
