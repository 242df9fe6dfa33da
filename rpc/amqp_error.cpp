#include "rpc/amqp_error.h"

#include <amqp.h>
#include <amqp_framing.h>

#include <string>

namespace rpc {
namespace {

std::string Prefix(std::string_view context) {
  return context.empty() ? std::string() : std::string(context) + ": ";
}

std::string ReplyCodeName(int reply_code) {
  switch (reply_code) {
    case AMQP_CONTENT_TOO_LARGE: return "CONTENT_TOO_LARGE";
    case AMQP_NO_ROUTE: return "NO_ROUTE";
    case AMQP_NO_CONSUMERS: return "NO_CONSUMERS";
    case AMQP_CONNECTION_FORCED: return "CONNECTION_FORCED";
    case AMQP_INVALID_PATH: return "INVALID_PATH";
    case AMQP_ACCESS_REFUSED: return "ACCESS_REFUSED";
    case AMQP_NOT_FOUND: return "NOT_FOUND";
    case AMQP_RESOURCE_LOCKED: return "RESOURCE_LOCKED";
    case AMQP_PRECONDITION_FAILED: return "PRECONDITION_FAILED";
    case AMQP_FRAME_ERROR: return "FRAME_ERROR";
    case AMQP_SYNTAX_ERROR: return "SYNTAX_ERROR";
    case AMQP_COMMAND_INVALID: return "COMMAND_INVALID";
    case AMQP_CHANNEL_ERROR: return "CHANNEL_ERROR";
    case AMQP_UNEXPECTED_FRAME: return "UNEXPECTED_FRAME";
    case AMQP_RESOURCE_ERROR: return "RESOURCE_ERROR";
    case AMQP_NOT_ALLOWED: return "NOT_ALLOWED";
    case AMQP_NOT_IMPLEMENTED: return "NOT_IMPLEMENTED";
    case AMQP_INTERNAL_ERROR: return "INTERNAL_ERROR";
    default: return "reply code";
  }
}

std::string BytesText(const amqp_bytes_t& bytes) {
  if (bytes.bytes == nullptr) return {};
  return std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

}  // namespace

AmqpErrorScope ScopeOfReplyCode(int reply_code, bool connection_level) {
  if (connection_level) return AmqpErrorScope::kConnection;
  switch (reply_code) {
    case AMQP_CONTENT_TOO_LARGE:
    case AMQP_NO_ROUTE:
    case AMQP_NO_CONSUMERS:
    case AMQP_ACCESS_REFUSED:
    case AMQP_NOT_FOUND:
    case AMQP_RESOURCE_LOCKED:
    case AMQP_PRECONDITION_FAILED:
      return AmqpErrorScope::kChannel;
    default:
      return AmqpErrorScope::kConnection;  // a hard error even if sent on a channel
  }
}

base::Code CodeOfReplyCode(int reply_code, std::string_view reply_text) {
  switch (reply_code) {
    case AMQP_ACCESS_REFUSED: return base::Code::kPermissionDenied;
    case AMQP_NOT_FOUND: return base::Code::kNotFound;
    case AMQP_RESOURCE_LOCKED:
    case AMQP_PRECONDITION_FAILED: return base::Code::kFailedPrecondition;
    case AMQP_CONNECTION_FORCED: return base::Code::kUnavailable;
    case AMQP_INVALID_PATH: return base::Code::kNotFound;
    case AMQP_NOT_ALLOWED:
      // RabbitMQ: "vhost x not found" or "access to vhost 'x' refused for user 'u'".
      if (reply_text.find("not found") != std::string_view::npos) return base::Code::kNotFound;
      if (reply_text.find("refused") != std::string_view::npos) return base::Code::kPermissionDenied;
      return base::Code::kFailedPrecondition;
    default: return base::Code::kInternal;
  }
}

AmqpFailure AmqpCloseError(int reply_code, std::string_view reply_text, bool connection_level,
                           std::string_view context) {
  std::string message = Prefix(context) + (connection_level ? "broker closed the connection: " : "broker closed the channel: ") +
                        std::to_string(reply_code) + " " + ReplyCodeName(reply_code);
  if (!reply_text.empty()) message += " (" + std::string(reply_text) + ")";
  base::Status status;
  switch (CodeOfReplyCode(reply_code, reply_text)) {
    case base::Code::kPermissionDenied: status = base::Status::PermissionDenied(message); break;
    case base::Code::kNotFound: status = base::Status::NotFound(message); break;
    case base::Code::kFailedPrecondition: status = base::Status::FailedPrecondition(message); break;
    case base::Code::kUnavailable: status = base::Status::Unavailable(message); break;
    default: status = base::Status::Internal(message); break;
  }
  return {status, ScopeOfReplyCode(reply_code, connection_level), true};
}

AmqpFailure AmqpLibraryError(int library_status, std::string_view context) {
  if (library_status == AMQP_STATUS_OK) return {};
  std::string message = Prefix(context) + amqp_error_string2(library_status);
  switch (library_status) {
    case AMQP_STATUS_TIMEOUT:
      return {base::Status::Timeout(message), AmqpErrorScope::kNone};
    case AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED:
    case AMQP_STATUS_CONNECTION_CLOSED:
    case AMQP_STATUS_SOCKET_ERROR:
    case AMQP_STATUS_SOCKET_CLOSED:
    case AMQP_STATUS_HEARTBEAT_TIMEOUT:
    case AMQP_STATUS_TCP_ERROR:
    case AMQP_STATUS_SSL_ERROR:
    case AMQP_STATUS_SSL_CONNECTION_FAILED:
      return {base::Status::Unavailable(message), AmqpErrorScope::kConnection};
    case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED:
    case AMQP_STATUS_SSL_PEER_VERIFY_FAILED:
      return {base::Status::PermissionDenied(message), AmqpErrorScope::kConnection};
    case AMQP_STATUS_BROKER_UNSUPPORTED_SASL_METHOD:
    case AMQP_STATUS_INCOMPATIBLE_AMQP_VERSION:
      return {base::Status::FailedPrecondition(message), AmqpErrorScope::kConnection};
    default:
      return {base::Status::Internal(message), AmqpErrorScope::kConnection};
  }
}

AmqpFailure AmqpError(const amqp_rpc_reply_t_& reply, std::string_view context) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return {};
    case AMQP_RESPONSE_NONE:
      return {base::Status::Internal(Prefix(context) + "no reply from rabbitmq-c"), AmqpErrorScope::kConnection};
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return AmqpLibraryError(reply.library_error, context);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD && reply.reply.decoded != nullptr) {
        const auto* close = static_cast<const amqp_connection_close_t*>(reply.reply.decoded);
        return AmqpCloseError(close->reply_code, BytesText(close->reply_text), true, context);
      }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD && reply.reply.decoded != nullptr) {
        const auto* close = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
        return AmqpCloseError(close->reply_code, BytesText(close->reply_text), false, context);
      }
      return {base::Status::Internal(Prefix(context) + "unexpected method " + amqp_method_name(reply.reply.id)),
              AmqpErrorScope::kConnection};
  }
  return {base::Status::Internal(Prefix(context) + "unknown rabbitmq-c reply type"), AmqpErrorScope::kConnection};
}

}  // namespace rpc
