#include "proto_compat/network_model.h"

#include <initializer_list>
#include <utility>
#include <vector>

#include "proto_compat/nova_fields.h"
#include "rpc/python_json.h"

namespace proto_compat {
namespace {

using rpc::JsonKind;
using rpc::JsonMember;
using rpc::JsonPart;

// A model dict being built: (key, value in Python's JSON format), dict order.
using Model = std::vector<std::pair<std::string, std::string>>;

struct Param {
  std::string_view name;
  std::string_view default_json;
};

base::Status Bad(std::string_view what) { return base::Status::Corrupt(std::string(what)); }

// Python's truthiness of a json.loads() value.
bool Truthy(const JsonPart& value) {
  switch (value.kind) {
    case JsonKind::kNull: return false;
    case JsonKind::kBool: return value.json == "true";
    case JsonKind::kNumber: return value.json != "0" && value.json != "0.0" && value.json != "-0.0";
    case JsonKind::kString: return !value.string_value.empty();
    case JsonKind::kArray: return value.json != "[]";
    case JsonKind::kObject: return value.json != "{}";
  }
  return false;
}

std::string* Find(Model& model, std::string_view key) {
  for (auto& [k, v] : model) {
    if (k == key) return &v;
  }
  return nullptr;
}

// dict.__setitem__: replaces in place, or appends.
void Set(Model& model, std::string_view key, std::string json) {
  if (std::string* value = Find(model, key)) {
    *value = std::move(json);
  } else {
    model.emplace_back(std::string(key), std::move(json));
  }
}

base::Result<std::string> Dump(const Model& model) {
  rpc::PythonJsonObjectWriter writer;
  for (const auto& [key, value] : model) writer.TrustedJson(key, value);
  return std::move(writer).Finish();
}

base::Result<JsonPart> Parse(std::string_view json) {
  auto part = rpc::ToPythonJson(json);
  if (!part.ok()) return Bad(part.error().message());
  return part;
}

// The members `cls(**value)` binds: `value` must be a dict, and a key named
// "self" collides with the bound instance (TypeError in Python).
base::Result<std::vector<JsonMember>> Kwargs(const JsonPart& value, std::string_view model) {
  if (value.kind != JsonKind::kObject) {
    return Bad(std::string(model) + " is not an object: " + value.json.substr(0, 80));
  }
  auto members = rpc::SplitJsonObject(value.json);
  if (!members.ok()) return Bad(members.error().message());
  for (const JsonMember& member : *members) {
    if (member.key == "self") return Bad(std::string(model) + " has a key named 'self'");
  }
  return members;
}

// Model.__init__: the named parameters in order (from kwargs or their
// defaults), then _set_meta(): meta = kwargs.pop('meta', {}), updated with the
// remaining kwargs.
base::Result<Model> Construct(std::vector<JsonMember> kwargs, std::initializer_list<Param> params,
                              std::string_view model_name) {
  Model model;
  for (const Param& param : params) {
    std::string value(param.default_json);
    for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
      if (it->key == param.name) {
        value = it->value.json;
        kwargs.erase(it);
        break;
      }
    }
    model.emplace_back(std::string(param.name), std::move(value));
  }
  Model meta;
  for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
    if (it->key != "meta") continue;
    if (it->value.kind != JsonKind::kObject) return Bad(std::string(model_name) + " meta is not an object");
    auto members = rpc::SplitJsonObject(it->value.json);
    if (!members.ok()) return Bad(members.error().message());
    for (JsonMember& member : *members) meta.emplace_back(std::move(member.key), std::move(member.value.json));
    kwargs.erase(it);
    break;
  }
  for (JsonMember& member : kwargs) Set(meta, member.key, std::move(member.value.json));
  BASE_TRY_ASSIGN(std::string meta_json, Dump(meta));
  model.emplace_back("meta", std::move(meta_json));
  return model;
}

base::Result<JsonPart> Get(Model& model, std::string_view key) { return Parse(*Find(model, key)); }

// `self[key] = self[key] or <empty>`.
base::Status DefaultIfFalsy(Model& model, std::string_view key, std::string_view empty) {
  BASE_TRY_ASSIGN(JsonPart value, Get(model, key));
  if (!Truthy(value)) Set(model, key, std::string(empty));
  return base::Status::Ok();
}

// The items of a list that hydrate iterates.
base::Result<std::vector<JsonPart>> Items(const JsonPart& value, std::string_view what) {
  if (value.kind != JsonKind::kArray) return Bad(std::string(what) + " is not a list");
  auto items = rpc::SplitJsonArray(value.json);
  if (!items.ok()) return Bad(items.error().message());
  return items;
}

template <typename Hydrate>
base::Status HydrateList(Model& model, std::string_view key, Hydrate hydrate) {
  BASE_TRY_ASSIGN(JsonPart list, Get(model, key));
  BASE_TRY_ASSIGN(std::vector<JsonPart> items, Items(list, key));
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    BASE_TRY_ASSIGN(std::string item, hydrate(items[i]));
    if (i > 0) out += ", ";
    out += item;
  }
  Set(model, key, out + "]");
  return base::Status::Ok();
}

// `if self[source] and not self['version']: self['version'] = version_of(...)`
template <typename VersionOf>
base::Status DeriveVersion(Model& model, std::string_view source, VersionOf version_of) {
  BASE_TRY_ASSIGN(JsonPart value, Get(model, source));
  BASE_TRY_ASSIGN(JsonPart version, Get(model, "version"));
  if (!Truthy(value) || Truthy(version)) return base::Status::Ok();
  if (value.kind != JsonKind::kString) return Bad(std::string(source) + " is not a string");
  auto derived = version_of(value.string_value);
  if (!derived.ok()) return Bad(derived.error().message());
  Set(model, "version", *derived == IpVersion::kV4 ? "4" : "6");
  return base::Status::Ok();
}

base::Result<Model> ConstructIp(std::vector<JsonMember> kwargs) {
  BASE_TRY_ASSIGN(Model ip, Construct(std::move(kwargs), {{"address", "null"}, {"type", "null"}, {"version", "null"}},
                                      "IP"));
  auto version_of = [](std::string_view text) -> base::Result<IpVersion> {
    BASE_TRY_ASSIGN(IpAddress address, ParseIpAddress(text));
    return address.version;
  };
  BASE_TRY(DeriveVersion(ip, "address", version_of));
  return ip;
}

// IP.hydrate: None for a falsy value, else IP(**value).
base::Result<std::string> HydrateIp(const JsonPart& value) {
  if (!Truthy(value)) return std::string("null");
  BASE_TRY_ASSIGN(std::vector<JsonMember> kwargs, Kwargs(value, "IP"));
  BASE_TRY_ASSIGN(Model ip, ConstructIp(std::move(kwargs)));
  return Dump(ip);
}

base::Result<std::string> HydrateFixedIp(const JsonPart& value) {
  BASE_TRY_ASSIGN(std::vector<JsonMember> kwargs, Kwargs(value, "FixedIP"));
  std::string floating_ips = "null";
  for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
    if (it->key == "floating_ips") {
      floating_ips = it->value.json;
      kwargs.erase(it);
      break;
    }
  }
  BASE_TRY_ASSIGN(Model ip, ConstructIp(std::move(kwargs)));
  ip.emplace_back("floating_ips", std::move(floating_ips));
  BASE_TRY(DefaultIfFalsy(ip, "floating_ips", "[]"));
  BASE_TRY(DefaultIfFalsy(ip, "type", "\"fixed\""));
  BASE_TRY(HydrateList(ip, "floating_ips", HydrateIp));
  return Dump(ip);
}

base::Result<std::string> HydrateRoute(const JsonPart& value) {
  BASE_TRY_ASSIGN(std::vector<JsonMember> kwargs, Kwargs(value, "Route"));
  BASE_TRY_ASSIGN(Model route, Construct(std::move(kwargs),
                                         {{"cidr", "null"}, {"gateway", "null"}, {"interface", "null"}}, "Route"));
  BASE_TRY_ASSIGN(JsonPart gateway, Get(route, "gateway"));
  BASE_TRY_ASSIGN(std::string hydrated, HydrateIp(gateway));
  Set(route, "gateway", std::move(hydrated));
  return Dump(route);
}

base::Result<std::string> HydrateSubnet(const JsonPart& value) {
  BASE_TRY_ASSIGN(std::vector<JsonMember> kwargs, Kwargs(value, "Subnet"));
  BASE_TRY_ASSIGN(Model subnet, Construct(std::move(kwargs),
                                          {{"cidr", "null"},
                                           {"dns", "null"},
                                           {"gateway", "null"},
                                           {"ips", "null"},
                                           {"routes", "null"},
                                           {"version", "null"}},
                                          "Subnet"));
  for (std::string_view list : {"dns", "ips", "routes"}) BASE_TRY(DefaultIfFalsy(subnet, list, "[]"));
  BASE_TRY(DeriveVersion(subnet, "cidr", IpNetworkVersion));
  BASE_TRY(HydrateList(subnet, "dns", HydrateIp));
  BASE_TRY(HydrateList(subnet, "ips", HydrateFixedIp));
  BASE_TRY(HydrateList(subnet, "routes", HydrateRoute));
  BASE_TRY_ASSIGN(JsonPart gateway, Get(subnet, "gateway"));
  BASE_TRY_ASSIGN(std::string hydrated, HydrateIp(gateway));
  Set(subnet, "gateway", std::move(hydrated));
  return Dump(subnet);
}

// Network.hydrate: a falsy value is returned as it is.
base::Result<std::string> HydrateNetwork(const JsonPart& value) {
  if (!Truthy(value)) return value.json;
  BASE_TRY_ASSIGN(std::vector<JsonMember> kwargs, Kwargs(value, "Network"));
  BASE_TRY_ASSIGN(Model network,
                  Construct(std::move(kwargs),
                            {{"id", "null"}, {"bridge", "null"}, {"label", "null"}, {"subnets", "null"}}, "Network"));
  BASE_TRY(DefaultIfFalsy(network, "subnets", "[]"));
  BASE_TRY(HydrateList(network, "subnets", HydrateSubnet));
  return Dump(network);
}

base::Result<std::string> HydrateVif(const JsonPart& value) {
  BASE_TRY_ASSIGN(std::vector<JsonMember> kwargs, Kwargs(value, "VIF"));
  BASE_TRY_ASSIGN(Model vif, Construct(std::move(kwargs),
                                       {{"id", "null"},
                                        {"address", "null"},
                                        {"network", "null"},
                                        {"type", "null"},
                                        {"details", "null"},
                                        {"devname", "null"},
                                        {"ovs_interfaceid", "null"},
                                        {"qbh_params", "null"},
                                        {"qbg_params", "null"},
                                        {"active", "false"},
                                        {"vnic_type", "\"normal\""},
                                        {"profile", "null"},
                                        {"preserve_on_delete", "false"},
                                        {"delegate_create", "false"}},
                                       "VIF"));
  BASE_TRY(DefaultIfFalsy(vif, "network", "null"));
  BASE_TRY(DefaultIfFalsy(vif, "details", "{}"));
  BASE_TRY_ASSIGN(JsonPart network, Get(vif, "network"));
  BASE_TRY_ASSIGN(std::string hydrated, HydrateNetwork(network));
  Set(vif, "network", std::move(hydrated));
  return Dump(vif);
}

}  // namespace

base::Result<std::string> CanonicalNetworkInfo(std::string_view stored) {
  auto document = rpc::ToPythonJson(stored);
  if (!document.ok()) return Bad("network_info is not JSON: " + document.error().message());
  // NetworkInfo([VIF.hydrate(vif) for vif in document]): iterating an empty
  // dict or string gives no VIFs; other non-lists cannot be hydrated.
  if (!Truthy(*document) && (document->kind == JsonKind::kObject || document->kind == JsonKind::kString)) {
    return std::string("[]");
  }
  BASE_TRY_ASSIGN(std::vector<JsonPart> vifs, Items(*document, "network_info"));
  std::string out = "[";
  for (std::size_t i = 0; i < vifs.size(); ++i) {
    auto vif = HydrateVif(vifs[i]);
    if (!vif.ok()) return vif.error().WithContext("network_info VIF " + std::to_string(i));
    if (i > 0) out += ", ";
    out += *vif;
  }
  return out + "]";
}

}  // namespace proto_compat
