// AmqpConnection's message traffic: publish with publisher confirms, and
// receiving deliveries. (Connection set-up and declarations are in
// amqp_connection.cpp.)
#include "rpc/amqp_connection.h"

#include <amqp.h>
#include <amqp_framing.h>
#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include <algorithm>

#include "rpc/detail/amqp_tables.h"

namespace rpc {
namespace {

constexpr amqp_channel_t kChannel = 1;

timeval UntilDeadline(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() < 0) left = std::chrono::microseconds(0);
  timeval tv;
  tv.tv_sec = static_cast<time_t>(left.count() / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(left.count() % 1000000);
  return tv;
}

}  // namespace

base::Status AmqpConnection::HandleBrokerMethod(std::uint32_t method_id, const void* decoded,
                                                std::string_view context) {
  switch (method_id) {
    case AMQP_CHANNEL_CLOSE_METHOD: {
      const auto* close = static_cast<const amqp_channel_close_t*>(decoded);
      return Check(AmqpCloseError(close->reply_code, detail::CopyBytes(close->reply_text), false, context));
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
      const auto* close = static_cast<const amqp_connection_close_t*>(decoded);
      return Check(AmqpCloseError(close->reply_code, detail::CopyBytes(close->reply_text), true, context));
    }
    case AMQP_BASIC_CANCEL_METHOD:
      // The queue went away (deleted, or lost in a broker restart): start over.
      broken_ = true;
      return base::Status::Unavailable(std::string(context) + ": the broker cancelled the consumer");
    default:
      return base::Status::Ok();  // connection.blocked/unblocked and the like
  }
}

// A basic.return is followed by a content header and body frames; read and
// drop them.
base::Status AmqpConnection::DrainReturnedContent() {
  amqp_frame_t frame;
  int rc = amqp_simple_wait_frame(state_.get(), &frame);
  if (rc != AMQP_STATUS_OK) return Check(AmqpLibraryError(rc, "read returned message"));
  if (frame.frame_type != AMQP_FRAME_HEADER) {
    broken_ = true;
    return base::Status::Internal("read returned message: expected a content header");
  }
  std::uint64_t left = frame.payload.properties.body_size;
  while (left > 0) {
    amqp_maybe_release_buffers_on_channel(state_.get(), kChannel);
    rc = amqp_simple_wait_frame(state_.get(), &frame);
    if (rc != AMQP_STATUS_OK) return Check(AmqpLibraryError(rc, "read returned message"));
    if (frame.frame_type != AMQP_FRAME_BODY) {
      broken_ = true;
      return base::Status::Internal("read returned message: expected a body frame");
    }
    left -= std::min<std::uint64_t>(left, frame.payload.body_fragment.len);
  }
  return base::Status::Ok();
}

// After basic.deliver: read its content header and body frames and copy them
// out, each frame's memory released once copied. A body larger than
// kMaxDeliveryBytes is read off the socket but not kept (rabbitmq-c's
// amqp_consume_message would allocate whatever size the header announces).
base::Result<Delivery> AmqpConnection::ReadDeliveredContent(const void* deliver_method) {
  const auto* deliver = static_cast<const amqp_basic_deliver_t*>(deliver_method);
  Delivery delivery;
  delivery.exchange = detail::CopyBytes(deliver->exchange);
  delivery.routing_key = detail::CopyBytes(deliver->routing_key);
  delivery.delivery_tag = deliver->delivery_tag;
  delivery.redelivered = deliver->redelivered != 0;
  amqp_frame_t frame;
  int rc = amqp_simple_wait_frame(state_.get(), &frame);
  if (rc != AMQP_STATUS_OK) return Check(AmqpLibraryError(rc, "read delivery"));
  if (frame.frame_type != AMQP_FRAME_HEADER) {
    broken_ = true;
    return base::Status::Internal("read delivery: expected a content header");
  }
  delivery.properties =
      detail::CopyProperties(*static_cast<const amqp_basic_properties_t*>(frame.payload.properties.decoded));
  const std::uint64_t size = frame.payload.properties.body_size;
  const bool keep = size <= kMaxDeliveryBytes;
  if (!keep) delivery.dropped_body_bytes = size;
  for (std::uint64_t read = 0; read < size;) {
    amqp_maybe_release_buffers_on_channel(state_.get(), kChannel);  // what came before is copied
    rc = amqp_simple_wait_frame(state_.get(), &frame);
    if (rc != AMQP_STATUS_OK) return Check(AmqpLibraryError(rc, "read delivery"));
    if (frame.frame_type != AMQP_FRAME_BODY || frame.payload.body_fragment.len == 0) {
      broken_ = true;
      return base::Status::Internal("read delivery: expected a body frame");
    }
    read += frame.payload.body_fragment.len;
    if (keep) delivery.body += detail::CopyBytes(frame.payload.body_fragment);
  }
  return delivery;
}

base::Result<PublishOutcome> AmqpConnection::AwaitConfirm(std::uint64_t sequence,
                                                          std::chrono::steady_clock::time_point deadline) {
  PublishOutcome outcome;
  const std::string context = "publisher confirm from " + peer_;
  while (true) {
    amqp_frame_t frame;
    timeval tv = UntilDeadline(deadline);
    int rc = amqp_simple_wait_frame_noblock(state_.get(), &frame, &tv);
    if (rc == AMQP_STATUS_TIMEOUT) {
      broken_ = true;  // the ack may still come; this connection's sequence is no longer trustworthy
      return base::Status::Timeout(context + ": no basic.ack before the deadline");
    }
    if (rc != AMQP_STATUS_OK) return Check(AmqpLibraryError(rc, context));
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    const amqp_method_t& method = frame.payload.method;
    if (method.id == AMQP_BASIC_ACK_METHOD) {
      const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
      if (ack->delivery_tag == sequence || (ack->multiple && ack->delivery_tag >= sequence)) {
        outcome.confirmed = true;
        return outcome;
      }
    } else if (method.id == AMQP_BASIC_NACK_METHOD) {
      const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
      if (nack->delivery_tag == sequence || (nack->multiple && nack->delivery_tag >= sequence)) {
        return base::Status::Unavailable(context + ": the broker refused the message (basic.nack)");
      }
    } else if (method.id == AMQP_BASIC_RETURN_METHOD) {
      outcome.returned = true;
      BASE_TRY(DrainReturnedContent());
    } else if (method.id == AMQP_BASIC_DELIVER_METHOD) {
      auto delivery = ReadDeliveredContent(method.decoded);
      if (!delivery.ok()) return delivery.error();
      pending_.push_back(std::move(delivery).value());
    } else {
      BASE_TRY(HandleBrokerMethod(method.id, method.decoded, context));
      if (method.id == AMQP_CHANNEL_CLOSE_METHOD) {
        return base::Status::Unavailable(context + ": channel closed before the ack");
      }
    }
  }
}

base::Result<PublishOutcome> AmqpConnection::Publish(const std::string& exchange, const std::string& routing_key,
                                                     const MessageProperties& properties, const std::string& body,
                                                     Mandatory mandatory,
                                                     std::chrono::steady_clock::time_point deadline) {
  const std::string context = "publish to exchange '" + exchange + "' with routing key " + routing_key;
  if (!usable()) return base::Status::Unavailable(context + ": connection is closed");
  amqp_maybe_release_buffers(state_.get());
  amqp_basic_properties_t c_properties = detail::BuildProperties(properties);
  int rc = amqp_basic_publish(state_.get(), kChannel, detail::BytesOf(exchange), detail::BytesOf(routing_key),
                              mandatory == Mandatory::kYes ? 1 : 0, 0, &c_properties, detail::BytesOf(body));
  if (rc != AMQP_STATUS_OK) return Check(AmqpLibraryError(rc, context));
  if (!confirms_) return PublishOutcome{};
  return AwaitConfirm(++publish_sequence_, deadline);
}

base::Result<std::optional<Delivery>> AmqpConnection::Receive(std::chrono::milliseconds timeout) {
  if (!pending_.empty()) {
    Delivery delivery = std::move(pending_.front());
    pending_.pop_front();
    return std::optional<Delivery>(std::move(delivery));
  }
  if (!usable()) return base::Status::Unavailable("receive: connection is closed");
  amqp_maybe_release_buffers(state_.get());
  // Frame by frame rather than amqp_consume_message, which allocates the
  // size a content header announces before reading the body.
  const std::string context = "receive from " + peer_;
  amqp_frame_t frame;
  timeval tv = UntilDeadline(std::chrono::steady_clock::now() + timeout);
  int rc = amqp_simple_wait_frame_noblock(state_.get(), &frame, &tv);
  if (rc == AMQP_STATUS_TIMEOUT) return std::optional<Delivery>();
  if (rc != AMQP_STATUS_OK) return Check(AmqpLibraryError(rc, context));
  if (frame.frame_type != AMQP_FRAME_METHOD) return std::optional<Delivery>();
  const amqp_method_t& method = frame.payload.method;
  if (method.id == AMQP_BASIC_DELIVER_METHOD) {
    auto delivery = ReadDeliveredContent(method.decoded);
    if (!delivery.ok()) return delivery.error();
    return std::optional<Delivery>(std::move(delivery).value());
  }
  if (method.id == AMQP_BASIC_RETURN_METHOD) {
    BASE_TRY(DrainReturnedContent());
  } else {
    BASE_TRY(HandleBrokerMethod(method.id, method.decoded, context));
    if (method.id == AMQP_CHANNEL_CLOSE_METHOD) return base::Status::Unavailable(context + ": channel closed, consumer lost");
  }
  return std::optional<Delivery>();
}

}  // namespace rpc

namespace rpc {

base::Result<AmqpConnection::Readiness> AmqpConnection::WaitForInput(std::chrono::milliseconds timeout, int wake_fd) {
  if (!pending_.empty()) return Readiness::kInput;
  if (!usable()) return base::Status::Unavailable("wait for input: connection is closed");
  if (amqp_frames_enqueued(state_.get()) || amqp_data_in_buffer(state_.get())) return Readiness::kInput;
  pollfd fds[2] = {{amqp_get_sockfd(state_.get()), POLLIN, 0}, {wake_fd, POLLIN, 0}};
  const int count = wake_fd >= 0 ? 2 : 1;
  const int waited = ::poll(fds, count, static_cast<int>(std::max<std::int64_t>(timeout.count(), 0)));
  if (waited < 0) {
    if (errno == EINTR) return Readiness::kTimeout;
    return base::Status::Unavailable(std::string("wait for input from ") + peer_ + ": " + std::strerror(errno));
  }
  if (fds[0].revents != 0) return Readiness::kInput;  // also POLLHUP/POLLERR: Receive reports them
  if (count == 2 && fds[1].revents != 0) return Readiness::kWoken;
  return Readiness::kTimeout;
}

}  // namespace rpc
