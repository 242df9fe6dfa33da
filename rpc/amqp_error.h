// AmqpError: the one place that turns a rabbitmq-c return value into a
// base::Status, with the context of the operation in front of the library's
// or the broker's text ("declare queue reply_ab12: 406 PRECONDITION_FAILED -
// inequivalent arg 'x-expires' ...").
//
// Every failure is also sorted by what survives it (as SimpleAmqpClient's
// is_soft_error does):
//   kChannel     the broker closed the channel (reply codes 311-313, 403-406);
//                the connection is still usable after reopening the channel
//   kConnection  the connection is gone or must be dropped (connection.close,
//                socket errors, heartbeat timeout, any library failure)
//   kNone        a timeout that left the connection intact
// Codes, by what the caller does next:
//   403 ACCESS_REFUSED, login refused          -> kPermissionDenied
//   404 NOT_FOUND; 530 "vhost ... not found"   -> kNotFound
//   405 RESOURCE_LOCKED, 406 PRECONDITION_FAILED -> kFailedPrecondition
//   320 CONNECTION_FORCED, socket and heartbeat failures -> kUnavailable
//   AMQP_STATUS_TIMEOUT                        -> kTimeout
//   other reply codes                          -> kInternal
//
// Nothing here throws or keeps state. <amqp.h> stays out of this header; the
// C struct is only forward-declared.
#pragma once

#include <string_view>

#include "base/status.h"

struct amqp_rpc_reply_t_;

namespace rpc {

enum class AmqpErrorScope { kNone, kChannel, kConnection };

struct AmqpFailure {
  base::Status status;  // OK when the reply was a success
  AmqpErrorScope scope = AmqpErrorScope::kNone;
  bool broker_closed = false;  // the broker sent channel.close/connection.close: answer with close-ok
};

// From the reply of a synchronous rabbitmq-c call (amqp_get_rpc_reply,
// amqp_login, amqp_consume_message ...). A normal reply gives an OK status.
AmqpFailure AmqpError(const amqp_rpc_reply_t_& reply, std::string_view context);

// From a negative amqp_status_enum value returned by a rabbitmq-c function.
// AMQP_STATUS_OK gives an OK status.
AmqpFailure AmqpLibraryError(int library_status, std::string_view context);

// From a channel.close or connection.close the broker sent.
// `connection_level` tells which one it was.
AmqpFailure AmqpCloseError(int reply_code, std::string_view reply_text, bool connection_level,
                           std::string_view context);

// The scope and code of a broker reply code alone (pure; for tests).
AmqpErrorScope ScopeOfReplyCode(int reply_code, bool connection_level);
base::Code CodeOfReplyCode(int reply_code, std::string_view reply_text);

}  // namespace rpc
