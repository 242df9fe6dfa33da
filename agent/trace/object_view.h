// Nova versioned objects made readable: a JSON value in which every
// primitive {"nova_object.name": N, "nova_object.version": V,
// "nova_object.namespace": S, "nova_object.data": {...},
// "nova_object.changes": [...]} (proto_compat/nova_object.h) becomes
// {"object": N, "version": V, "namespace": S, "fields": {...},
// "changes": [...]}, nested objects (in fields, lists and dicts) too.
// Anything else is kept as it is. Pure; recursion is bounded by the
// caller's parse (JsonNestingWithin).
#pragma once

#include <rapidjson/document.h>

namespace agent::trace {

// Rewrites `value` in place.
void ExpandNovaObjects(rapidjson::Value& value, rapidjson::Document::AllocatorType& allocator);

}  // namespace agent::trace
