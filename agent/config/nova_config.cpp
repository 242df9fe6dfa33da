#include "agent/config/nova_config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <map>
#include <vector>

namespace agent::config {
namespace {

namespace po = boost::program_options;
using base::Result;
using base::Status;

enum class Type { kString, kBool, kInt };
enum class Default { kNone, kValue, kHostname, kNovaComputes, kSameAsMyIp };

struct Spec {
  OptionName name;
  Type type = Type::kString;
  Default kind = Default::kNone;
  std::string value;  // for Default::kValue
  int min = INT_MIN;
  std::vector<OptionName> deprecated;
};

std::vector<Spec> BuildSpecs() {
  const std::vector<OptionName> old_connection = {
      {"DEFAULT", "sql_connection"}, {"database", "sql_connection"}, {"sql", "connection"}};
  std::vector<Spec> specs = {
      {{"DEFAULT", "transport_url"}, Type::kString, Default::kNone, "", INT_MIN, {}},
      {{"DEFAULT", "control_exchange"}, Type::kString, Default::kValue, "nova", INT_MIN, {}},
      {{"DEFAULT", "host"}, Type::kString, Default::kHostname, "", INT_MIN, {}},
      {{"DEFAULT", "my_ip"}, Type::kString, Default::kNovaComputes, "", INT_MIN, {}},
      {{"DEFAULT", "my_block_storage_ip"}, Type::kString, Default::kSameAsMyIp, "", INT_MIN, {}},
      {{"DEFAULT", "rpc_response_timeout"}, Type::kInt, Default::kValue, "60", INT_MIN, {}},
      {{"database", "connection"}, Type::kString, Default::kNone, "", INT_MIN, old_connection},
      {{"api_database", "connection"}, Type::kString, Default::kNone, "", INT_MIN, old_connection},
      {{"cinder", "catalog_info"}, Type::kString, Default::kValue, "volumev3::publicURL", INT_MIN, {}},
      {{"cinder", "endpoint_template"}, Type::kString, Default::kNone, "", INT_MIN, {}},
      {{"cinder", "os_region_name"}, Type::kString, Default::kNone, "", INT_MIN, {}},
      {{"cinder", "http_retries"}, Type::kInt, Default::kValue, "3", 0, {}},
      {{"cinder", "timeout"}, Type::kInt, Default::kNone, "", INT_MIN, {}},
      {{"cinder", "cafile"}, Type::kString, Default::kNone, "", INT_MIN, {}},
      {{"cinder", "insecure"}, Type::kBool, Default::kValue, "false", INT_MIN, {}},
      {{"service_user", "send_service_user_token"}, Type::kBool, Default::kValue, "false", INT_MIN, {}},
      {{"upgrade_levels", "compute"}, Type::kString, Default::kNone, "", INT_MIN, {}},
      {{"libvirt", "volume_use_multipath"}, Type::kBool, Default::kValue, "false", INT_MIN,
       {{"libvirt", "iscsi_use_multipath"}}},
  };
  const std::string rabbit = "oslo_messaging_rabbit";
  auto add_rabbit = [&](const char* key, Type type, const char* value, int min, std::vector<OptionName> old) {
    specs.push_back({{rabbit, key}, type, Default::kValue, value, min, std::move(old)});
  };
  add_rabbit("ssl", Type::kBool, "false", INT_MIN, {{rabbit, "rabbit_use_ssl"}});
  add_rabbit("ssl_ca_file", Type::kString, "", INT_MIN, {{rabbit, "kombu_ssl_ca_certs"}});
  add_rabbit("ssl_cert_file", Type::kString, "", INT_MIN, {{rabbit, "kombu_ssl_certfile"}});
  add_rabbit("ssl_key_file", Type::kString, "", INT_MIN, {{rabbit, "kombu_ssl_keyfile"}});
  add_rabbit("ssl_enforce_hostname_verification", Type::kBool, "false", INT_MIN, {});
  add_rabbit("heartbeat_timeout_threshold", Type::kInt, "60", INT_MIN, {});
  add_rabbit("rabbit_transient_queues_ttl", Type::kInt, "1800", 1, {});
  add_rabbit("amqp_durable_queues", Type::kBool, "false", INT_MIN, {});
  add_rabbit("amqp_auto_delete", Type::kBool, "false", INT_MIN, {{"DEFAULT", "amqp_auto_delete"}});
  add_rabbit("rabbit_quorum_queue", Type::kBool, "false", INT_MIN, {});
  add_rabbit("rabbit_ha_queues", Type::kBool, "false", INT_MIN, {{"DEFAULT", "rabbit_ha_queues"}});
  const std::string notifications = "oslo_messaging_notifications";  // oslo.messaging notify/notifier.py
  specs.push_back({{notifications, "driver"}, Type::kString, Default::kNone, "", INT_MIN,
                   {{"DEFAULT", "notification_driver"}}});
  specs.push_back({{notifications, "transport_url"}, Type::kString, Default::kNone, "", INT_MIN,
                   {{"DEFAULT", "notification_transport_url"}}});
  specs.push_back({{notifications, "topics"}, Type::kString, Default::kValue, "notifications", INT_MIN,
                   {{"rpc_notifier2", "topics"}, {"DEFAULT", "notification_topics"}}});
  specs.push_back({{notifications, "retry"}, Type::kInt, Default::kValue, "-1", INT_MIN, {}});
  for (const char* section : {"cinder", "service_user"}) {  // keystoneauth, with its deprecated names
    const std::pair<const char*, const char*> keys[] = {
        {"auth_type", "auth_plugin"}, {"auth_url", nullptr}, {"username", "user_name"}, {"password", nullptr},
        {"user_domain_name", nullptr}, {"user_domain_id", nullptr}, {"project_name", "tenant_name"},
        {"project_id", "tenant_id"}, {"project_domain_name", nullptr}, {"project_domain_id", nullptr},
        {"system_scope", nullptr}, {"user_id", nullptr}, {"application_credential_id", nullptr},
        {"application_credential_name", nullptr}, {"application_credential_secret", nullptr}, {"token", nullptr}};
    for (const auto& [key, old] : keys) {
      std::vector<OptionName> deprecated;
      if (old != nullptr) deprecated.push_back({section, old});
      specs.push_back({{section, key}, Type::kString, Default::kNone, "", INT_MIN, std::move(deprecated)});
    }
  }
  return specs;
}

const std::vector<Spec>& Specs() {
  static const std::vector<Spec> specs = BuildSpecs();
  return specs;
}

const Spec* FindSpec(const OptionName& name) {
  for (const Spec& spec : Specs()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string Label(const OptionName& name) { return "[" + name.section + "] " + name.key; }

std::string Where(const IniValue& v) { return " (" + v.file + ":" + std::to_string(v.line) + ")"; }

// Options Nova registers with secret=True (oslo.messaging, oslo.db,
// keystoneauth): their values are never quoted in messages.
bool IsSecretOption(const OptionName& name) {
  static const OptionName kSecrets[] = {{"DEFAULT", "transport_url"},
                                        {"oslo_messaging_notifications", "transport_url"},
                                        {"database", "connection"},
                                        {"api_database", "connection"},
                                        {"cinder", "password"},
                                        {"service_user", "password"},
                                        {"cinder", "application_credential_secret"},
                                        {"service_user", "application_credential_secret"},
                                        {"cinder", "token"},
                                        {"service_user", "token"}};
  return std::find(std::begin(kSecrets), std::end(kSecrets), name) != std::end(kSecrets);
}

// oslo.config does not bound substitution: a chain of options stops at
// Python's recursion limit (about 120 links when read from a shallow stack,
// oslo.config 9.0 on Python 3.11; fewer from deep in Nova), and a loop is a
// RecursionError. Here a loop is reported as such, and a chain may have
// kMaxChain links.
constexpr size_t kMaxChain = 100;

// Finds option values: files (or the Boost variables_map for declared
// options), then substitution, then defaults. Each option is expanded once
// (memo_), so values that refer to one another many times cost no more than
// their length.
class Resolver {
 public:
  Resolver(const IniValues& files, std::string_view hostname, const po::variables_map* map)
      : files_(files), hostname_(hostname), map_(map) {}

  std::optional<IniValue> Raw(const OptionName& name) const {
    const Spec* spec = FindSpec(name);
    std::vector<OptionName> names{name};
    if (spec != nullptr) names.insert(names.end(), spec->deprecated.begin(), spec->deprecated.end());
    std::optional<IniValue> found = files_.Find(names);
    if (found && spec != nullptr && map_ != nullptr && map_->count(name.Dotted()) != 0) {
      found->value = (*map_)[name.Dotted()].as<std::string>();
    }
    return found;
  }

  Result<std::optional<std::string>> Value(const OptionName& name) const {
    std::vector<OptionName> chain;
    return Resolve(name, chain);
  }

  // Whether a message may quote the value of `name`: not when the option is
  // a secret, nor when its value (or the default it falls back to) holds
  // text substituted from other options.
  bool Quotable(const OptionName& name) const {
    if (IsSecretOption(name)) return false;
    if (std::optional<IniValue> raw = Raw(name)) return !HasOsloSubstitution(raw->value);
    const Spec* spec = FindSpec(name);
    return spec == nullptr || spec->kind != Default::kSameAsMyIp || Quotable({"DEFAULT", "my_ip"});
  }

  std::string Shown(const OptionName& name, std::string_view value) const {
    if (Quotable(name)) return "'" + std::string(value) + "'";
    return IsSecretOption(name) ? "the value (a secret, not shown)"
                                : "the value (from a '$' substitution, not shown)";
  }

 private:
  // `chain`: the options whose values are being expanded, outermost first.
  Result<std::optional<std::string>> Resolve(const OptionName& name, std::vector<OptionName>& chain) const {
    if (auto known = memo_.find(name); known != memo_.end()) return known->second;
    Result<std::optional<std::string>> value = Expand(name, chain);
    if (value.ok()) memo_.emplace(name, *value);
    return value;
  }

  Result<std::optional<std::string>> Expand(const OptionName& name, std::vector<OptionName>& chain) const {
    if (std::optional<IniValue> raw = Raw(name)) {
      if (std::find(chain.begin(), chain.end(), name) != chain.end()) {
        std::string loop;
        for (auto it = std::find(chain.begin(), chain.end(), name); it != chain.end(); ++it) loop += Label(*it) + " -> ";
        return Status::InvalidInput(Label(name) + ": substitution is recursive (" + loop + Label(name) + ")" +
                                    Where(*raw));
      }
      if (chain.size() >= kMaxChain) {
        return Status::InvalidInput(Label(chain.front()) + ": substitution goes through more than " +
                                    std::to_string(kMaxChain) + " options" + Where(*Raw(chain.front())));
      }
      chain.push_back(name);
      bool lookup_failed = false;  // its errors already name the option
      auto lookup = [&](std::string_view ref) {
        Result<std::string> value = Lookup(name, *raw, ref, chain);
        lookup_failed = !value.ok();
        return value;
      };
      Result<std::string> expanded = ExpandOsloTemplate(raw->value, lookup);
      chain.pop_back();
      if (!expanded.ok()) {
        return lookup_failed ? expanded.error() : expanded.error().WithContext(Label(name) + Where(*raw));
      }
      return std::optional<std::string>(std::move(*expanded));
    }
    const Spec* spec = FindSpec(name);
    if (spec == nullptr) return std::optional<std::string>();
    switch (spec->kind) {
      case Default::kValue: return std::optional<std::string>(spec->value);
      case Default::kHostname: return std::optional<std::string>(hostname_);
      case Default::kSameAsMyIp: return Resolve({"DEFAULT", "my_ip"}, chain);
      case Default::kNone:
      case Default::kNovaComputes: break;
    }
    return std::optional<std::string>();
  }

  // oslo's StrSubWrapper: "group.opt" or "opt" in the current group, then
  // the name in DEFAULT. Errors name the option whose value has the '$'.
  Result<std::string> Lookup(const OptionName& where, const IniValue& origin, std::string_view ref,
                             std::vector<OptionName>& chain) const {
    const std::string context = Label(where) + Where(origin);
    std::vector<OptionName> candidates;
    if (size_t dot = ref.find('.'); dot != std::string_view::npos) {
      candidates.push_back({std::string(ref.substr(0, dot)), std::string(ref.substr(dot + 1))});
    } else {
      candidates.push_back({where.section, std::string(ref)});
    }
    candidates.push_back({"DEFAULT", std::string(ref)});
    for (const OptionName& candidate : candidates) {
      const Spec* spec = FindSpec(candidate);
      const bool in_files = Raw(candidate).has_value();
      if (spec == nullptr && !in_files) continue;
      if (!in_files && spec != nullptr && spec->kind == Default::kNovaComputes) {
        return Status::InvalidInput(context + ": refers to " + Label(candidate) +
                                    ", which is not set (Nova would compute it; set it in the config)");
      }
      BASE_TRY_ASSIGN(std::optional<std::string> value, Resolve(candidate, chain));
      return value.value_or("");
    }
    return Status::InvalidInput(context + ": a '$' names an option that does not exist; write '$$' for a literal '$'");
  }

  const IniValues& files_;
  std::string_view hostname_;
  const po::variables_map* map_;
  mutable std::map<OptionName, std::optional<std::string>> memo_;
};

// Typed reads with oslo.config's conversions.
class Reader {
 public:
  explicit Reader(const Resolver& resolver) : resolver_(resolver) {}

  Result<std::optional<std::string>> Str(const char* section, const char* key) const {
    return resolver_.Value({section, key});
  }

  Result<std::string> StrOr(const char* section, const char* key) const {
    BASE_TRY_ASSIGN(std::optional<std::string> value, Str(section, key));
    return value.value_or("");
  }

  Result<bool> Bool(const char* section, const char* key) const {
    BASE_TRY_ASSIGN(std::optional<std::string> value, Str(section, key));
    std::string lower = value.value_or("false");
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "true" || lower == "1" || lower == "on" || lower == "yes") return true;
    if (lower == "false" || lower == "0" || lower == "off" || lower == "no") return false;
    return Invalid(section, key, resolver_.Shown({section, key}, *value) +
                                     " is not a boolean (true/false, yes/no, on/off, 1/0)");
  }

  Result<std::optional<int>> Int(const char* section, const char* key) const {
    BASE_TRY_ASSIGN(std::optional<std::string> value, Str(section, key));
    if (!value) return std::optional<int>();
    std::string_view text = *value;
    text.remove_prefix(std::min(text.find_first_not_of(" \t\n\r\f\v"), text.size()));
    text = text.substr(0, text.find_last_not_of(" \t\n\r\f\v") + 1);
    std::string_view digits = text.substr(!text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0);
    long long number = 0;
    bool ok = !digits.empty() && digits.size() <= 10 &&
              std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (ok) number = std::stoll(std::string(digits)) * (text[0] == '-' ? -1 : 1);
    if (!ok || number < INT_MIN || number > INT_MAX) {
      return Invalid(section, key, resolver_.Shown({section, key}, *value) + " is not an integer");
    }
    const Spec* spec = FindSpec({section, key});
    if (spec != nullptr && number < spec->min) {
      return Invalid(section, key, resolver_.Shown({section, key}, std::to_string(number)) +
                                       " is less than the minimum " + std::to_string(spec->min));
    }
    return std::optional<int>(static_cast<int>(number));
  }

  Result<int> IntOr(const char* section, const char* key, int fallback) const {
    BASE_TRY_ASSIGN(std::optional<int> value, Int(section, key));
    return value.value_or(fallback);
  }

 private:
  Status Invalid(const char* section, const char* key, const std::string& what) const {
    std::optional<IniValue> raw = resolver_.Raw({section, key});
    return Status::InvalidInput(Label({section, key}) + ": " + what + (raw ? Where(*raw) : ""));
  }

  const Resolver& resolver_;
};

Status ReadKeystone(const Reader& r, const char* s, KeystoneAuthOptions& a) {
  BASE_TRY_ASSIGN(a.auth_type, r.Str(s, "auth_type"));
  BASE_TRY_ASSIGN(a.auth_url, r.Str(s, "auth_url"));
  BASE_TRY_ASSIGN(a.username, r.Str(s, "username"));
  BASE_TRY_ASSIGN(a.password, r.Str(s, "password"));
  BASE_TRY_ASSIGN(a.user_domain_name, r.Str(s, "user_domain_name"));
  BASE_TRY_ASSIGN(a.user_domain_id, r.Str(s, "user_domain_id"));
  BASE_TRY_ASSIGN(a.project_name, r.Str(s, "project_name"));
  BASE_TRY_ASSIGN(a.project_id, r.Str(s, "project_id"));
  BASE_TRY_ASSIGN(a.project_domain_name, r.Str(s, "project_domain_name"));
  BASE_TRY_ASSIGN(a.project_domain_id, r.Str(s, "project_domain_id"));
  BASE_TRY_ASSIGN(a.system_scope, r.Str(s, "system_scope"));
  BASE_TRY_ASSIGN(a.user_id, r.Str(s, "user_id"));
  BASE_TRY_ASSIGN(a.application_credential_id, r.Str(s, "application_credential_id"));
  BASE_TRY_ASSIGN(a.application_credential_name, r.Str(s, "application_credential_name"));
  BASE_TRY_ASSIGN(a.application_credential_secret, r.Str(s, "application_credential_secret"));
  BASE_TRY_ASSIGN(a.token, r.Str(s, "token"));
  // Keystone hashes passwords with bcrypt by default, which refuses a NUL
  // (bcrypt 3.2: "password may not contain NUL bytes"); the other hashers
  // it offers are seldom used, and a NUL in a nova.conf value is a mistake.
  for (const auto& [key, value] : {std::pair{"username", &a.username}, std::pair{"password", &a.password}}) {
    if (*value && (*value)->find('\0') != std::string::npos) {
      return Status::InvalidInput(Label({s, key}) + ": contains a NUL character (Keystone's default bcrypt hashing refuses it)");
    }
  }
  return Status::Ok();
}

Status ReadAll(const Reader& r, NovaConfig& c) {
  BASE_TRY_ASSIGN(c.transport_url, r.Str("DEFAULT", "transport_url"));
  BASE_TRY_ASSIGN(c.control_exchange, r.StrOr("DEFAULT", "control_exchange"));
  BASE_TRY_ASSIGN(c.host, r.StrOr("DEFAULT", "host"));
  BASE_TRY_ASSIGN(c.my_ip, r.Str("DEFAULT", "my_ip"));
  BASE_TRY_ASSIGN(c.my_block_storage_ip, r.Str("DEFAULT", "my_block_storage_ip"));
  BASE_TRY_ASSIGN(c.rpc_response_timeout, r.IntOr("DEFAULT", "rpc_response_timeout", 60));
  BASE_TRY_ASSIGN(c.database_connection, r.Str("database", "connection"));
  BASE_TRY_ASSIGN(c.api_database_connection, r.Str("api_database", "connection"));
  BASE_TRY_ASSIGN(c.cinder.catalog_info, r.StrOr("cinder", "catalog_info"));
  BASE_TRY_ASSIGN(c.cinder.endpoint_template, r.Str("cinder", "endpoint_template"));
  BASE_TRY_ASSIGN(c.cinder.os_region_name, r.Str("cinder", "os_region_name"));
  BASE_TRY_ASSIGN(c.cinder.http_retries, r.IntOr("cinder", "http_retries", 3));
  BASE_TRY_ASSIGN(c.cinder.timeout, r.Int("cinder", "timeout"));
  BASE_TRY_ASSIGN(c.cinder.cafile, r.Str("cinder", "cafile"));
  BASE_TRY_ASSIGN(c.cinder.insecure, r.Bool("cinder", "insecure"));
  BASE_TRY(ReadKeystone(r, "cinder", c.cinder.auth));
  BASE_TRY_ASSIGN(c.service_user.send_service_user_token, r.Bool("service_user", "send_service_user_token"));
  BASE_TRY(ReadKeystone(r, "service_user", c.service_user.auth));
  BASE_TRY_ASSIGN(c.upgrade_levels_compute, r.Str("upgrade_levels", "compute"));
  const char* q = "oslo_messaging_rabbit";
  BASE_TRY_ASSIGN(c.rabbit.ssl, r.Bool(q, "ssl"));
  BASE_TRY_ASSIGN(c.rabbit.ssl_ca_file, r.StrOr(q, "ssl_ca_file"));
  BASE_TRY_ASSIGN(c.rabbit.ssl_cert_file, r.StrOr(q, "ssl_cert_file"));
  BASE_TRY_ASSIGN(c.rabbit.ssl_key_file, r.StrOr(q, "ssl_key_file"));
  BASE_TRY_ASSIGN(c.rabbit.ssl_enforce_hostname_verification, r.Bool(q, "ssl_enforce_hostname_verification"));
  BASE_TRY_ASSIGN(c.rabbit.heartbeat_timeout_threshold, r.IntOr(q, "heartbeat_timeout_threshold", 60));
  BASE_TRY_ASSIGN(c.rabbit.rabbit_transient_queues_ttl, r.IntOr(q, "rabbit_transient_queues_ttl", 1800));
  BASE_TRY_ASSIGN(c.rabbit.amqp_durable_queues, r.Bool(q, "amqp_durable_queues"));
  BASE_TRY_ASSIGN(c.rabbit.amqp_auto_delete, r.Bool(q, "amqp_auto_delete"));
  BASE_TRY_ASSIGN(c.rabbit.rabbit_quorum_queue, r.Bool(q, "rabbit_quorum_queue"));
  BASE_TRY_ASSIGN(c.rabbit.rabbit_ha_queues, r.Bool(q, "rabbit_ha_queues"));
  BASE_TRY_ASSIGN(c.libvirt_volume_use_multipath, r.Bool("libvirt", "volume_use_multipath"));
  return Status::Ok();
}

}  // namespace

Result<std::optional<std::string>> NovaConfig::Get(std::string_view section, std::string_view key) const {
  Resolver resolver(files, system_hostname, nullptr);
  return resolver.Value({NormalizeSection(section), std::string(key)});
}

Result<std::optional<bool>> NovaConfig::GetBool(std::string_view section, std::string_view key) const {
  BASE_TRY_ASSIGN(std::optional<std::string> value, Get(section, key));
  if (!value) return std::optional<bool>();
  const Resolver resolver(files, system_hostname, nullptr);
  const std::string s = NormalizeSection(section), k(key);
  BASE_TRY_ASSIGN(bool flag, Reader(resolver).Bool(s.c_str(), k.c_str()));
  return std::optional<bool>(flag);
}

Result<std::optional<std::vector<std::string>>> NovaConfig::GetList(std::string_view section,
                                                                    std::string_view key) const {
  BASE_TRY_ASSIGN(std::optional<std::string> value, Get(section, key));
  if (!value) return std::optional<std::vector<std::string>>();
  std::vector<std::string> items;
  for (size_t start = 0; start <= value->size();) {
    size_t end = value->find(',', start);
    if (end == std::string::npos) end = value->size();
    std::string_view item = std::string_view(*value).substr(start, end - start);
    const size_t first = item.find_first_not_of(" \t");
    if (first != std::string_view::npos) items.emplace_back(item.substr(first, item.find_last_not_of(" \t") - first + 1));
    start = end + 1;
  }
  return std::optional<std::vector<std::string>>(std::move(items));
}

Result<std::optional<int>> NovaConfig::GetInt(std::string_view section, std::string_view key) const {
  const Resolver resolver(files, system_hostname, nullptr);
  const std::string s = NormalizeSection(section), k(key);
  return Reader(resolver).Int(s.c_str(), k.c_str());
}

std::string NovaConfig::Shown(std::string_view section, std::string_view key, std::string_view value) const {
  Resolver resolver(files, system_hostname, nullptr);
  return resolver.Shown({NormalizeSection(section), std::string(key)}, value);
}

bool NovaConfig::MayQuote(std::string_view section, std::string_view key) const {
  Resolver resolver(files, system_hostname, nullptr);
  return resolver.Quotable({NormalizeSection(section), std::string(key)});
}

Result<NovaConfig> BuildNovaConfig(IniValues values, std::string system_hostname) {
  po::options_description description("nova.conf options read by bdm-agent");
  std::vector<DeclaredOption> declared;
  for (const Spec& spec : Specs()) {
    const std::string dotted = spec.name.Dotted();
    description.add_options()(dotted.c_str(), po::value<std::string>());
    declared.push_back({spec.name, spec.deprecated});
  }
  BASE_TRY_ASSIGN(po::variables_map map, StoreIniValues(values, description, declared));

  NovaConfig config;
  config.files = std::move(values);
  config.system_hostname = std::move(system_hostname);
  Resolver resolver(config.files, config.system_hostname, &map);
  BASE_TRY(ReadAll(Reader(resolver), config));
  return config;
}

Result<NovaConfig> LoadNovaConfig(const ConfigSources& sources) {
  BASE_TRY_ASSIGN(IniValues values, ReadConfigSources(sources));
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return Status::Internal("gethostname() failed");
  return BuildNovaConfig(std::move(values), name);
}

}  // namespace agent::config
