// RequestContext: Nova's request context (nova/context.py on top of
// oslo_context/context.py) as it travels in an RPC message's `_context_*`
// keys; rpc::RpcRequest::context_json holds the same object without the
// prefix.
//
// ToContextJson writes the 25 keys of Nova's to_dict() in its order:
// oslo.context's 17 (user, project_id, system_scope, project, domain,
// user_domain, project_domain, is_admin, read_only, show_deleted, auth_token,
// request_id, global_request_id, resource_uuid, roles, user_identity,
// is_admin_project), then Nova's 8 (user_id, read_deleted, remote_address,
// timestamp, quota_class, user_name, service_catalog, project_name), in
// Python's json.dumps format.
//
// ParseContextJson reads a received context as Nova's from_dict() does:
// unknown keys (user, project, user_identity, trace_info ...) are ignored,
// missing keys take Nova's defaults, a missing or empty request_id is made up
// and a missing or empty timestamp is `now`. It refuses, with kCorrupt, what
// would make from_dict raise (a timestamp not in "%Y-%m-%dT%H:%M:%S.%f",
// read_deleted other than no/yes/only, a service_catalog entry that is not an
// object) and what this struct cannot hold (a value of the wrong JSON type).
//
// Time and randomness come from the caller, so results are deterministic
// under test. Values only; no shared state.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rpc/rpc_codec.h"

namespace proto_compat {

// A UTC instant with Python datetime's precision.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

enum class ReadDeleted { kNo, kYes, kOnly };

// "no", "yes" or "only".
std::string_view ReadDeletedName(ReadDeleted read_deleted);

struct RequestContext {
  std::optional<std::string> user_id;            // written as "user" and "user_id"
  std::optional<std::string> project_id;         // written as "project_id" and "project"
  std::optional<std::string> system_scope;
  std::optional<std::string> domain_id;          // "domain"
  std::optional<std::string> user_domain_id;     // "user_domain"
  std::optional<std::string> project_domain_id;  // "project_domain"
  bool is_admin = false;
  bool read_only = false;
  bool show_deleted = false;
  std::optional<std::string> auth_token;
  std::string request_id;                        // "req-<uuid4>"
  std::optional<std::string> global_request_id;
  std::optional<std::string> resource_uuid;
  std::vector<std::string> roles;
  bool is_admin_project = true;
  ReadDeleted read_deleted = ReadDeleted::kNo;
  std::optional<std::string> remote_address;
  Timestamp timestamp{};
  std::optional<std::string> quota_class;
  std::optional<std::string> user_name;
  std::string service_catalog_json = "[]";       // JSON array, written as given
  std::optional<std::string> project_name;

  // "{user} {project_id} {domain} {user_domain} {project_domain}", "-" for
  // each one unset or empty.
  std::string UserIdentity() const;
};

// What nova.context.get_admin_context() builds and nova-manage sends:
// is_admin, no user or project, roles [], read_deleted "no", service_catalog
// [], request_id "req-" + a uuid4 drawn from `rng`, timestamp `now`.
RequestContext MakeAdminContext(Timestamp now, std::mt19937_64& rng);

// The context as a JSON object (see above). kInvalidInput when a string is
// not UTF-8 or service_catalog_json is not a JSON array.
base::Result<std::string> ToContextJson(const RequestContext& context);

// Reads a received context object (see above). `now` and `rng` are used only
// when the timestamp or request_id has to be made up.
base::Result<RequestContext> ParseContextJson(std::string_view context_json, Timestamp now,
                                              std::mt19937_64& rng);

// ParseContextJson for a request's context: when DecodeRequest made it, its
// members are read as DecodeRequest found them (context_members), or its
// trusted text (json_trusted) is only split.
base::Result<RequestContext> ParseRequestContext(const rpc::RpcRequest& request, Timestamp now,
                                                 std::mt19937_64& rng);

// utils.strtime: "%Y-%m-%dT%H:%M:%S.%f", UTC, no zone suffix.
std::string FormatContextTimestamp(Timestamp timestamp);

// timeutils.parse_strtime with that format, i.e. Python's strptime: month,
// day, hour, minute and second may have one digit, the year has four, the
// fraction 1 to 6 digits, and the date must exist. kInvalidInput otherwise.
base::Result<Timestamp> ParseContextTimestamp(std::string_view text);

}  // namespace proto_compat
