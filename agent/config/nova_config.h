// NovaConfig: the nova.conf options bdm-agent reads, typed, with Nova's
// defaults, loaded from oslo.config-style files (see ini_file.h) the way
// nova-manage would see them:
// * deprecated names still count (e.g. [DEFAULT] sql_connection for both
//   [database] connection and [api_database] connection, rabbit_use_ssl for
//   [oslo_messaging_rabbit] ssl, iscsi_use_multipath for [libvirt]
//   volume_use_multipath, auth_plugin/tenant_name/... for keystone auth);
// * "$name", "${name}" and "${group.name}" in values are replaced by other
//   options as oslo.config does (a bare name is looked up in the option's own
//   section, then in DEFAULT); a literal '$' must be written "$$" (or "\$"),
//   and a '$' naming an option that does not exist is an error, as in Nova.
//   Nova only accepts options it registered; bdm-agent accepts the options
//   above and any option present in the files;
// * a NUL in a [cinder] or [service_user] username or password is an error
//   (Keystone's default bcrypt hashing refuses it);
// * booleans are true/false/on/off/yes/no/1/0 in any case, integers may be
//   signed and padded; an empty integer is an error here (oslo makes it None).
// Options Nova computes at start-up: host defaults to gethostname(); my_ip
// (Nova: this host's IPv4 address) is left unset, and my_block_storage_ip
// defaults to my_ip. transport_url is left unset when absent (oslo's
// "rabbit://" default means guest@localhost, which bdm-agent never assumes).
// Environment variables (OS_<GROUP>__<OPT>) are not read.
//
// Substitution follows a chain of up to 100 options (oslo.config has no
// bound of its own and stops at Python's recursion limit, about 120); a loop
// is an error naming the options in it, and a value may grow to
// kMaxExpandedValue bytes (ini_file.h).
//
// Error messages name "[section] key" and the file:line the value came from.
// They quote a value only when it is the option's own text or default: never
// the value of a secret option (transport_url of [DEFAULT] and
// [oslo_messaging_notifications], [database] and [api_database]
// connection, [cinder] and [service_user] password,
// application_credential_secret and token, as Nova and keystoneauth register
// them secret=True), nor a value that holds text substituted from another
// option (NovaConfig::Shown). A NovaConfig is a plain value; loading only reads files.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/config/ini_file.h"
#include "base/result.h"

namespace agent::config {

// keystoneauth options of a [cinder] or [service_user] section.
struct KeystoneAuthOptions {
  std::optional<std::string> auth_type, auth_url, username, password;
  std::optional<std::string> user_domain_name, user_domain_id;
  std::optional<std::string> project_name, project_id, project_domain_name, project_domain_id;
  std::optional<std::string> system_scope;
  std::optional<std::string> user_id;
  // auth_type v3applicationcredential
  std::optional<std::string> application_credential_id, application_credential_name, application_credential_secret;
  std::optional<std::string> token;  // auth_type token
};

struct CinderOptions {
  std::string catalog_info = "volumev3::publicURL";
  std::optional<std::string> endpoint_template, os_region_name;
  int http_retries = 3;
  std::optional<int> timeout;
  std::optional<std::string> cafile;
  bool insecure = false;
  KeystoneAuthOptions auth;
};

struct ServiceUserOptions {
  bool send_service_user_token = false;
  KeystoneAuthOptions auth;
};

struct RabbitOptions {  // [oslo_messaging_rabbit]
  bool ssl = false;
  std::string ssl_ca_file, ssl_cert_file, ssl_key_file;
  bool ssl_enforce_hostname_verification = false;  // Debian's oslo 14; only with ssl_ca_file
  int heartbeat_timeout_threshold = 60;
  int rabbit_transient_queues_ttl = 1800;
  bool amqp_durable_queues = false, amqp_auto_delete = false;
  bool rabbit_quorum_queue = false, rabbit_ha_queues = false;
};

struct NovaConfig {
  // [DEFAULT]
  std::optional<std::string> transport_url;
  std::string control_exchange = "nova";
  std::string host;
  std::optional<std::string> my_ip, my_block_storage_ip;
  int rpc_response_timeout = 60;
  // [database] / [api_database]
  std::optional<std::string> database_connection, api_database_connection;
  CinderOptions cinder;
  ServiceUserOptions service_user;
  // [upgrade_levels] compute, as written; unset means "auto" to bdm-agent
  // (proto_compat::ResolveComputeRpcCap), unlike Nova (no cap).
  std::optional<std::string> upgrade_levels_compute;
  RabbitOptions rabbit;
  bool libvirt_volume_use_multipath = false;  // [libvirt] volume_use_multipath

  IniValues files;              // everything the files said, for Get()
  std::string system_hostname;  // the default of [DEFAULT] host

  // Any option, by section and key, with substitution done: the files' value
  // (through deprecated names for the options above), else the default of an
  // option above, else nullopt. Errors as for loading.
  base::Result<std::optional<std::string>> Get(std::string_view section, std::string_view key) const;

  // Get() read as oslo.config reads a BoolOpt (true/false, yes/no, on/off,
  // 1/0) or an IntOpt; nullopt when unset. kInvalidInput naming the option
  // (its value quoted only as Shown() allows).
  base::Result<std::optional<bool>> GetBool(std::string_view section, std::string_view key) const;
  base::Result<std::optional<int>> GetInt(std::string_view section, std::string_view key) const;
  // Get() read as a ListOpt: comma-separated, each item trimmed, empty ones dropped.
  base::Result<std::optional<std::vector<std::string>>> GetList(std::string_view section, std::string_view key) const;

  // How an error about an option's value may show `value` (the option's
  // value, or a part of it): "'value'" when the value is the option's own text
  // or its default, else a phrase that says it is withheld because the option
  // is a secret or its value came from a '$' substitution. Every message that
  // quotes an option's value goes through this.
  std::string Shown(std::string_view section, std::string_view key, std::string_view value) const;
  // Whether Shown() quotes the value of that option.
  bool MayQuote(std::string_view section, std::string_view key) const;
};

// Reads `sources` (use WithDefaultSources for the command-line arguments) and
// builds the config with gethostname() as the host default. NotFound or
// InvalidInput for unreadable or malformed files; InvalidInput for a bad
// value, naming "[section] key" and file:line.
base::Result<NovaConfig> LoadNovaConfig(const ConfigSources& sources);

// The same from values already read; `system_hostname` is the host default.
base::Result<NovaConfig> BuildNovaConfig(IniValues values, std::string system_hostname);

}  // namespace agent::config
