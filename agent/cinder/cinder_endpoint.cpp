#include "agent/cinder/cinder_endpoint.h"

#include <array>
#include <utility>
#include <vector>

namespace agent::cinder {
namespace {

using base::Result;
using base::Status;

struct UrlParts {
  std::string_view scheme_netloc;  // "http://host:port"
  std::string_view path;           // from the first '/' after the netloc, without ?query or #fragment
};

UrlParts SplitUrl(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  size_t path = url.find_first_of("/?#", start);
  if (path == std::string_view::npos) return {url, {}};
  std::string_view rest = url.substr(path);
  rest = rest.substr(0, rest.find_first_of("?#"));
  return {url.substr(0, path), rest};
}

std::vector<std::string_view> Components(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t slash = path.find('/', pos);
    out.push_back(path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return out;
}

// RequestContext.to_dict() of nova.context.get_admin_context(), as str(),
// without request_id and timestamp, which change with every run.
constexpr std::array<std::pair<std::string_view, std::string_view>, 23> kAdminContext = {{
    {"user", "None"}, {"project_id", "None"}, {"system_scope", "None"}, {"project", "None"},
    {"domain", "None"}, {"user_domain", "None"}, {"project_domain", "None"}, {"is_admin", "True"},
    {"read_only", "False"}, {"show_deleted", "False"}, {"auth_token", "None"},
    {"global_request_id", "None"}, {"resource_uuid", "None"}, {"roles", "[]"},
    {"user_identity", "- - - - -"}, {"is_admin_project", "True"}, {"user_id", "None"},
    {"read_deleted", "no"}, {"remote_address", "None"}, {"quota_class", "None"},
    {"user_name", "None"}, {"service_catalog", "[]"}, {"project_name", "None"},
}};

}  // namespace

Result<std::string> ExpandEndpointTemplate(std::string_view tmpl) {
  const std::string label = "[cinder] endpoint_template";
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '%') {
      out += tmpl[i];
      continue;
    }
    if (i + 1 < tmpl.size() && tmpl[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    size_t close = tmpl.find(')', i);
    if (i + 1 >= tmpl.size() || tmpl[i + 1] != '(' || close == std::string_view::npos || close + 1 >= tmpl.size() ||
        tmpl[close + 1] != 's') {
      return Status::InvalidInput(label + ": only %(name)s and %% may follow '%' (offset " + std::to_string(i) + ")");
    }
    std::string_view name = tmpl.substr(i + 2, close - i - 2);
    bool found = false;
    for (const auto& [key, value] : kAdminContext) {
      if (key == name) {
        out += value;
        found = true;
        break;
      }
    }
    if (!found) {
      return Status::InvalidInput(label + ": %(" + std::string(name) + ")s is not a field of Nova's request context");
    }
    i = close + 1;
  }
  return out;
}

Status CheckVolumeApiV3(std::string_view url) {
  std::vector<std::string_view> components = Components(SplitUrl(url).path);
  auto has = [&](std::string_view v) {
    for (std::string_view c : components) {
      if (c == v) return true;
    }
    return false;
  };
  const std::string shown = RedactedUrl(url);
  for (std::string_view old : {"v1", "v2"}) {
    if (has(old)) {
      return Status::InvalidInput("Cinder endpoint " + shown + " is a volume API " + std::string(old) +
                                  " endpoint; Nova and bdm-agent need v3");
    }
  }
  if (!has("v3")) {
    return Status::InvalidInput("Cinder endpoint " + shown +
                                " does not name the volume API version (no /v3 in its path)");
  }
  return Status::Ok();
}

std::string VersionRootUrl(std::string_view url) {
  UrlParts parts = SplitUrl(url);
  for (std::string_view ver : {"v2", "v3"}) {
    const std::string inner = "/" + std::string(ver) + "/";
    if (parts.path.ends_with(ver) || parts.path.find(inner) != std::string_view::npos) {
      return std::string(parts.scheme_netloc) + std::string(parts.path.substr(0, parts.path.rfind(ver)));
    }
  }
  return std::string(url);
}

std::string EndpointUrl(std::string_view endpoint, std::initializer_list<std::string_view> segments) {
  std::string out(endpoint);
  while (!out.empty() && out.back() == '/') out.pop_back();
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (std::string_view segment : segments) {
    out += '/';
    for (char c : segment) {
      const auto u = static_cast<unsigned char>(c);
      if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' || c == '.' ||
          c == '_' || c == '~') {
        out += c;
      } else {
        out += '%';
        out += kHex[u >> 4];
        out += kHex[u & 15];
      }
    }
  }
  return out;
}

std::string RedactedUrl(std::string_view url) {
  UrlParts parts = SplitUrl(url);
  std::string_view head = parts.scheme_netloc;
  size_t at = head.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  size_t start = head.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  return std::string(url.substr(0, start)) + "***@" + std::string(url.substr(at + 1));
}

}  // namespace agent::cinder
