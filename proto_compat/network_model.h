// The network_info text of an InstanceInfoCache primitive.
//
// Nova never sends the stored instance_info_caches.network_info text as is:
// the NetworkModel field hydrates it into nova.network.model objects
// (NetworkInfo.hydrate: VIF, Network, Subnet, FixedIP, IP, Route) and the
// primitive is NetworkInfo.json(), i.e. jsonutils.dumps of those objects.
// Hydration rewrites the document: every model gets its constructor's keys
// in the constructor's order with their defaults ("details": {}, "active":
// false, "vnic_type": "normal", ...), unknown keys move into "meta",
// "floating_ips"/"dns"/"ips"/"routes"/"subnets" become lists, falsy "network"
// becomes null, an IP's or subnet's missing "version" is derived from its
// address (see nova_fields.h), a fixed IP's empty "type" becomes "fixed".
// CanonicalNetworkInfo reproduces that rewrite, so its output equals what
// Python puts in the primitive, byte for byte.
//
// Python raises (so Nova cannot load the instance) for a document that is
// not JSON, for a non-iterable or non-dict where hydrate needs one, for a
// "meta" that is not a dict, for a key named "self", and for an address that
// netaddr refuses; all of these are kCorrupt here. For documents no Nova
// writes, a few of Python's accidental successes are refused instead
// (iterating a non-empty dict or string where a list belongs, an address
// that is a number rather than a string).
//
// A pure function; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace proto_compat {

// NetworkInfo.hydrate(stored).json() for the stored network_info text.
base::Result<std::string> CanonicalNetworkInfo(std::string_view stored);

}  // namespace proto_compat
