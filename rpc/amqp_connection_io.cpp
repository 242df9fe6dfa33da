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

// After basic.deliver or basic.return: read the content header and body
// frames and copy them out, each frame's memory released once copied. A body
// larger than kMaxDeliveryBytes is read off the socket but not kept
// (rabbitmq-c's amqp_consume_message would allocate whatever size the header
// announces): *dropped_body_bytes is then its size.
base::Status AmqpConnection::ReadContent(std::string_view what, MessageProperties* properties, std::string* body,
                                         std::uint64_t* dropped_body_bytes) {
  const std::string context = "read " + std::string(what);
  amqp_frame_t frame;
  int rc = amqp_simple_wait_frame(state_.get(), &frame);
  if (rc != AMQP_STATUS_OK) return Check(AmqpLibraryError(rc, context));
  if (frame.frame_type != AMQP_FRAME_HEADER) {
    broken_ = true;
    return base::Status::Internal(context + ": expected a content header");
  }
  if (properties != nullptr) {
    *properties =
        detail::CopyProperties(*static_cast<const amqp_basic_properties_t*>(frame.payload.properties.decoded));
  }
  const std::uint64_t size = frame.payload.properties.body_size;
  const bool keep = size <= kMaxDeliveryBytes;
  if (!keep) *dropped_body_bytes = size;
  for (std::uint64_t read = 0; read < size;) {
    amqp_maybe_release_buffers_on_channel(state_.get(), kChannel);  // what came before is copied
    rc = amqp_simple_wait_frame(state_.get(), &frame);
    if (rc != AMQP_STATUS_OK) return Check(AmqpLibraryError(rc, context));
    if (frame.frame_type != AMQP_FRAME_BODY || frame.payload.body_fragment.len == 0) {
      broken_ = true;
      return base::Status::Internal(context + ": expected a body frame");
    }
    read += frame.payload.body_fragment.len;
    if (keep) *body += detail::CopyBytes(frame.payload.body_fragment);
  }
  return base::Status::Ok();
}

base::Result<Delivery> AmqpConnection::ReadDeliveredContent(const void* deliver_method) {
  const auto* deliver = static_cast<const amqp_basic_deliver_t*>(deliver_method);
  Delivery delivery;
  delivery.exchange = detail::CopyBytes(deliver->exchange);
  delivery.routing_key = detail::CopyBytes(deliver->routing_key);
  delivery.delivery_tag = deliver->delivery_tag;
  delivery.redelivered = deliver->redelivered != 0;
  BASE_TRY(ReadContent("delivery", &delivery.properties, &delivery.body, &delivery.dropped_body_bytes));
  return delivery;
}

// A basic.return: its content is read, and kept as a ConfirmEvent when
// events are kept.
base::Status AmqpConnection::ReadReturn(const void* return_method) {
  const auto* returned = static_cast<const amqp_basic_return_t*>(return_method);
  ConfirmEvent event;
  event.kind = ConfirmEvent::Kind::kReturn;
  event.routing_key = detail::CopyBytes(returned->routing_key);
  std::uint64_t dropped = 0;
  BASE_TRY(ReadContent("returned message", nullptr, &event.body, &dropped));
  if (keep_confirm_events_) confirm_events_.push_back(std::move(event));
  return base::Status::Ok();
}

// A basic.ack or basic.nack, kept as a ConfirmEvent when events are kept.
void AmqpConnection::KeepConfirm(std::uint32_t method_id, const void* decoded) {
  if (!keep_confirm_events_) return;
  ConfirmEvent event;
  if (method_id == AMQP_BASIC_ACK_METHOD) {
    const auto* ack = static_cast<const amqp_basic_ack_t*>(decoded);
    event.sequence = ack->delivery_tag;
    event.multiple = ack->multiple != 0;
  } else {
    const auto* nack = static_cast<const amqp_basic_nack_t*>(decoded);
    event.kind = ConfirmEvent::Kind::kNack;
    event.sequence = nack->delivery_tag;
    event.multiple = nack->multiple != 0;
  }
  confirm_events_.push_back(std::move(event));
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
    if (method.id == AMQP_BASIC_ACK_METHOD || method.id == AMQP_BASIC_NACK_METHOD) KeepConfirm(method.id, method.decoded);
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
      BASE_TRY(ReadReturn(method.decoded));
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
  detail::TableBuilder tables;
  amqp_basic_properties_t c_properties = detail::BuildProperties(properties, tables);
  int rc = amqp_basic_publish(state_.get(), kChannel, detail::BytesOf(exchange), detail::BytesOf(routing_key),
                              mandatory == Mandatory::kYes ? 1 : 0, 0, &c_properties, detail::BytesOf(body));
  if (rc != AMQP_STATUS_OK) return Check(AmqpLibraryError(rc, context));
  if (!confirms_) return PublishOutcome{};
  return AwaitConfirm(++publish_sequence_, deadline);
}

base::Result<std::uint64_t> AmqpConnection::PublishNoWait(const std::string& exchange, const std::string& routing_key,
                                                          const MessageProperties& properties, const std::string& body,
                                                          Mandatory mandatory) {
  const std::string context = "publish to exchange '" + exchange + "' with routing key " + routing_key;
  if (!usable()) return base::Status::Unavailable(context + ": connection is closed");
  if (!confirms_) return base::Status::FailedPrecondition(context + ": publisher confirms are not enabled");
  keep_confirm_events_ = true;
  detail::TableBuilder tables;
  amqp_basic_properties_t c_properties = detail::BuildProperties(properties, tables);
  int rc = amqp_basic_publish(state_.get(), kChannel, detail::BytesOf(exchange), detail::BytesOf(routing_key),
                              mandatory == Mandatory::kYes ? 1 : 0, 0, &c_properties, detail::BytesOf(body));
  if (rc != AMQP_STATUS_OK) return Check(AmqpLibraryError(rc, context));
  return ++publish_sequence_;
}

std::vector<ConfirmEvent> AmqpConnection::TakeConfirmEvents() {
  std::vector<ConfirmEvent> events;
  events.swap(confirm_events_);
  return events;
}

bool AmqpConnection::InputBuffered() const {
  if (!pending_.empty()) return true;
  if (!usable()) return false;
  return amqp_frames_enqueued(state_.get()) || amqp_data_in_buffer(state_.get());
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
    BASE_TRY(ReadReturn(method.decoded));
  } else if (method.id == AMQP_BASIC_ACK_METHOD || method.id == AMQP_BASIC_NACK_METHOD) {
    KeepConfirm(method.id, method.decoded);
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
