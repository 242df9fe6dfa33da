// How `trace replay --compare` judges a live reply against the one the
// trace recorded for the same call, and how it shows a reply.
//
// Equal means: both results, or both failures of the same class (module
// and class name; the message and traceback may differ, they carry ids and
// paths). Results are compared as JSON values (key order and spacing
// aside, numbers by value), not as text. A reply is shown as "result
// <compact JSON>" or "failure <module.Class>: <message>", secrets masked as
// `show` masks them (agent/secret_mask.h), control characters escaped, at
// most kMaxShownReply bytes of it (then "...").
//
// Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>

#include "rpc/rpc_codec.h"

namespace agent::trace {

inline constexpr std::size_t kMaxShownReply = 400;

struct ReplyComparison {
  bool equal = false;
  std::string detail;  // "equal: <reply>" or "differs: recorded <reply>, live <reply>"
};

ReplyComparison CompareReplies(const rpc::RpcReply& recorded, const rpc::RpcReply& live);

// "result null", "failure oslo_messaging.rpc.dispatcher.NoSuchMethod: ...".
std::string ShowReply(const rpc::RpcReply& reply);

}  // namespace agent::trace
