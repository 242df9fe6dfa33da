#include "rpc/amqp_connection.h"

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "rpc/detail/amqp_tables.h"
#include "rpc/detail/amqp_tls.h"
#include "rpc/uuid4.h"

namespace rpc {
namespace {

constexpr amqp_channel_t kChannel = 1;
constexpr int kFrameMax = 131072;  // py-amqp's default

timeval ToTimeval(std::chrono::milliseconds duration) {
  if (duration.count() < 0) duration = std::chrono::milliseconds(0);
  timeval tv;
  tv.tv_sec = static_cast<time_t>(duration.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((duration.count() % 1000) * 1000);
  return tv;
}

std::optional<bool> ParseBool(std::string value) {
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  if (value == "1" || value == "true" || value == "yes" || value == "on") return true;
  if (value == "0" || value == "false" || value == "no" || value == "off") return false;
  return std::nullopt;
}

}  // namespace

std::string PeerName(const TransportHost& host) {
  if (host.hostname.find(':') != std::string::npos) return "[" + host.hostname + "]:" + std::to_string(host.port);
  return host.hostname + ":" + std::to_string(host.port);
}

base::Result<AmqpConnectOptions> ConnectOptionsFromUrl(const TransportUrl& url, const TlsOptions& tls) {
  if (url.Kind() != TransportKind::kRabbit) {
    return base::Status::InvalidInput("transport URL " + url.Redacted() + ": not a RabbitMQ URL");
  }
  if (url.hosts.empty()) return base::Status::InvalidInput("transport URL " + url.Redacted() + ": no host");
  AmqpConnectOptions options;
  options.hosts = url.hosts;
  options.virtual_host = url.virtual_host;
  options.tls = tls;
  if (auto ssl = url.QueryValue("ssl")) {
    auto enabled = ParseBool(*ssl);
    if (!enabled) return base::Status::InvalidInput("transport URL query ssl: not a boolean");
    options.tls.enabled = *enabled;
  }
  return options;
}

std::string OsloConnectionName(std::string_view program, std::mt19937_64& rng) {
  return std::string(program) + ":" + std::to_string(getpid()) + ":" + NewUuid4(rng);
}

void AmqpConnection::StateDeleter::operator()(amqp_connection_state_t_* state) const {
  amqp_destroy_connection(state);
}

AmqpConnection::AmqpConnection(StateHandle state, std::string peer)
    : state_(std::move(state)), peer_(std::move(peer)) {}
AmqpConnection::AmqpConnection(AmqpConnection&&) noexcept = default;
AmqpConnection& AmqpConnection::operator=(AmqpConnection&&) noexcept = default;
AmqpConnection::~AmqpConnection() = default;

base::Result<AmqpConnection> AmqpConnection::Open(const AmqpConnectOptions& options) {
  if (options.hosts.empty()) return base::Status::InvalidInput("connect to RabbitMQ: no hosts");
  std::string messages;
  base::Status chosen;
  for (const TransportHost& host : options.hosts) {
    auto connection = OpenOne(options, host);
    if (connection.ok()) return connection;
    base::Status status = connection.error();
    if (!messages.empty()) messages += "; ";
    messages += status.message();
    // Prefer a definite refusal (credentials, vhost) over "unreachable".
    if (chosen.ok() || (chosen.IsUnavailable() && !status.IsUnavailable())) chosen = status;
  }
  switch (chosen.code()) {
    case base::Code::kPermissionDenied: return base::Status::PermissionDenied(messages);
    case base::Code::kNotFound: return base::Status::NotFound(messages);
    case base::Code::kInvalidInput: return base::Status::InvalidInput(messages);
    case base::Code::kUnavailable: return base::Status::Unavailable(messages);
    case base::Code::kFailedPrecondition: return base::Status::FailedPrecondition(messages);
    default: return base::Status::Internal(messages);
  }
}

base::Result<AmqpConnection> AmqpConnection::OpenOne(const AmqpConnectOptions& options, const TransportHost& host) {
  const std::string peer = PeerName(host);
  const std::string context = "connect to RabbitMQ at " + peer;
  detail::TlsObservations tls_seen;  // declared before `state`: the socket's callbacks point here
  StateHandle state(amqp_new_connection());
  if (!state) return base::Status::Internal(context + ": out of memory");

  amqp_socket_t* socket = options.tls.enabled ? amqp_ssl_socket_new(state.get()) : amqp_tcp_socket_new(state.get());
  if (socket == nullptr) return base::Status::Internal(context + ": cannot create socket");
  if (options.tls.enabled) BASE_TRY(detail::ConfigureTlsSocket(socket, options.tls, host.hostname, &tls_seen, context));

  timeval connect_timeout = ToTimeval(options.connect_timeout);
  int rc = amqp_socket_open_noblock(socket, host.hostname.c_str(), host.port, &connect_timeout);
  if (rc != AMQP_STATUS_OK) {
    auto failure = AmqpLibraryError(rc, context);
    base::Status status = failure.status;
    if (status.code() == base::Code::kTimeout) status = base::Status::Unavailable(status.message());
    if (!options.tls.enabled) return status;
    return detail::DescribeTlsFailure(status, options.tls, tls_seen, detail::TlsPhase::kOpen, context);
  }
  timeval handshake_timeout = ToTimeval(options.connect_timeout);
  amqp_set_handshake_timeout(state.get(), &handshake_timeout);
  timeval rpc_timeout = ToTimeval(options.rpc_timeout);
  amqp_set_rpc_timeout(state.get(), &rpc_timeout);

  detail::TableBuilder tables;
  amqp_table_t client_properties = tables.ClientProperties(options.connection_name);
  amqp_rpc_reply_t login = amqp_login_with_properties(
      state.get(), options.virtual_host.c_str(), 0, kFrameMax, std::max(options.heartbeat_seconds, 0),
      &client_properties, AMQP_SASL_METHOD_PLAIN, host.username.c_str(), host.password.c_str());
  if (login.reply_type != AMQP_RESPONSE_NORMAL) {
    const std::string login_context = context + " (user '" + host.username + "', vhost '" + options.virtual_host + "')";
    auto failure = AmqpError(login, login_context);
    base::Status status = failure.status;
    if (status.code() == base::Code::kTimeout) status = base::Status::Unavailable(status.message());
    // With TLS 1.3 the broker checks the client certificate after the
    // handshake, so its refusal arrives as an alert during login.
    if (options.tls.enabled) {
      return detail::DescribeTlsFailure(status, options.tls, tls_seen, detail::TlsPhase::kLogin, login_context);
    }
    // A TLS-only listener drops a plain AMQP client before login.
    if (login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        (login.library_error == AMQP_STATUS_SOCKET_ERROR || login.library_error == AMQP_STATUS_CONNECTION_CLOSED)) {
      status = base::Status::Unavailable(status.message() +
                                         " (if this port is a TLS listener, enable TLS: [oslo_messaging_rabbit] ssl)");
    }
    return status;
  }
  amqp_channel_open(state.get(), kChannel);
  auto opened = AmqpError(amqp_get_rpc_reply(state.get()), context + ": open channel");
  if (!opened.status.ok()) return opened.status;
  if (options.tls.enabled) detail::DetachTlsObservations(socket);
  return AmqpConnection(std::move(state), peer);
}

int AmqpConnection::heartbeat_seconds() const { return state_ ? amqp_get_heartbeat(state_.get()) : 0; }

base::Status AmqpConnection::ReopenChannel() {
  amqp_channel_open(state_.get(), kChannel);
  auto opened = AmqpError(amqp_get_rpc_reply(state_.get()), "reopen channel");
  if (!opened.status.ok()) {
    broken_ = true;
    return opened.status;
  }
  if (confirms_) {
    amqp_confirm_select(state_.get(), kChannel);
    auto selected = AmqpError(amqp_get_rpc_reply(state_.get()), "confirm.select after reopening the channel");
    if (!selected.status.ok()) {
      broken_ = true;
      return selected.status;
    }
  }
  return base::Status::Ok();
}

// After a failed rabbitmq-c call: finish the broker's close handshake and
// keep the connection (channel error) or mark it broken (anything else).
base::Status AmqpConnection::Check(const AmqpFailure& failure) {
  if (failure.status.ok()) return failure.status;
  if (failure.scope == AmqpErrorScope::kChannel && failure.broker_closed) {
    amqp_channel_close_ok_t close_ok{};
    if (amqp_send_method(state_.get(), kChannel, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok) != AMQP_STATUS_OK) {
      broken_ = true;
      return failure.status;
    }
    base::Status reopened = ReopenChannel();
    (void)reopened;  // the channel error is what the caller needs to see
  } else if (failure.scope != AmqpErrorScope::kNone) {
    if (failure.broker_closed) {
      amqp_connection_close_ok_t close_ok{};
      (void)amqp_send_method(state_.get(), 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &close_ok);
    }
    broken_ = true;
  }
  return failure.status;
}

base::Status AmqpConnection::DeclareExchange(const ExchangeDeclaration& exchange) {
  if (!usable()) return base::Status::Unavailable("declare exchange " + exchange.name + ": connection is closed");
  amqp_exchange_declare(state_.get(), kChannel, amqp_cstring_bytes(exchange.name.c_str()),
                        amqp_cstring_bytes(exchange.type.c_str()), 0, exchange.durable ? 1 : 0,
                        exchange.auto_delete ? 1 : 0, 0, amqp_empty_table);
  return Check(AmqpError(amqp_get_rpc_reply(state_.get()), "declare exchange " + exchange.name));
}

base::Status AmqpConnection::DeclareQueue(const QueueDeclaration& queue) {
  if (!usable()) return base::Status::Unavailable("declare queue " + queue.name + ": connection is closed");
  detail::TableBuilder tables;
  amqp_queue_declare(state_.get(), kChannel, detail::BytesOf(queue.name), 0, queue.durable ? 1 : 0,
                     queue.exclusive ? 1 : 0, queue.auto_delete ? 1 : 0, tables.Arguments(queue.arguments));
  return Check(AmqpError(amqp_get_rpc_reply(state_.get()), "declare queue " + queue.name));
}

base::Result<std::string> AmqpConnection::DeclareQueueNamed(const QueueDeclaration& queue) {
  const std::string context = "declare queue " + (queue.name.empty() ? std::string("(server-named)") : queue.name);
  if (!usable()) return base::Status::Unavailable(context + ": connection is closed");
  detail::TableBuilder tables;
  amqp_queue_declare_ok_t* ok = amqp_queue_declare(state_.get(), kChannel, detail::BytesOf(queue.name), 0,
                                                   queue.durable ? 1 : 0, queue.exclusive ? 1 : 0,
                                                   queue.auto_delete ? 1 : 0, tables.Arguments(queue.arguments));
  BASE_TRY(Check(AmqpError(amqp_get_rpc_reply(state_.get()), context)));
  if (ok == nullptr) return base::Status::Internal(context + ": no declare-ok");
  return detail::CopyBytes(ok->queue);
}

base::Status AmqpConnection::BindQueue(const std::string& queue, const std::string& exchange,
                                       const std::string& routing_key) {
  const std::string context = "bind queue " + queue + " to " + exchange + " with " + routing_key;
  if (!usable()) return base::Status::Unavailable(context + ": connection is closed");
  amqp_queue_bind(state_.get(), kChannel, detail::BytesOf(queue), detail::BytesOf(exchange),
                  detail::BytesOf(routing_key), amqp_empty_table);
  return Check(AmqpError(amqp_get_rpc_reply(state_.get()), context));
}

base::Status AmqpConnection::EnableConfirms() {
  if (!usable()) return base::Status::Unavailable("confirm.select: connection is closed");
  if (confirms_) return base::Status::Ok();
  amqp_confirm_select(state_.get(), kChannel);
  BASE_TRY(Check(AmqpError(amqp_get_rpc_reply(state_.get()), "confirm.select")));
  confirms_ = true;
  publish_sequence_ = 0;
  return base::Status::Ok();
}

base::Result<std::string> AmqpConnection::Consume(const std::string& queue) {
  if (!usable()) return base::Status::Unavailable("consume " + queue + ": connection is closed");
  amqp_basic_consume_ok_t* ok = amqp_basic_consume(state_.get(), kChannel, detail::BytesOf(queue), amqp_empty_bytes,
                                                   0, 0, 0, amqp_empty_table);
  BASE_TRY(Check(AmqpError(amqp_get_rpc_reply(state_.get()), "consume " + queue)));
  if (ok == nullptr) return base::Status::Internal("consume " + queue + ": no consume-ok");
  return detail::CopyBytes(ok->consumer_tag);
}

base::Status AmqpConnection::SetPrefetch(std::uint16_t count) {
  if (!usable()) return base::Status::Unavailable("basic.qos: connection is closed");
  amqp_basic_qos(state_.get(), kChannel, 0, count, 1);
  return Check(AmqpError(amqp_get_rpc_reply(state_.get()), "basic.qos prefetch " + std::to_string(count)));
}

base::Status AmqpConnection::CancelConsumer(const std::string& consumer_tag) {
  const std::string context = "cancel consumer " + consumer_tag;
  if (!usable()) return base::Status::Unavailable(context + ": connection is closed");
  amqp_basic_cancel(state_.get(), kChannel, detail::BytesOf(consumer_tag));
  return Check(AmqpError(amqp_get_rpc_reply(state_.get()), context));
}

base::Status AmqpConnection::Ack(std::uint64_t delivery_tag) {
  if (!usable()) return base::Status::Unavailable("ack: connection is closed");
  return Check(AmqpLibraryError(amqp_basic_ack(state_.get(), kChannel, delivery_tag, 0), "ack"));
}

base::Status AmqpConnection::Close() {
  if (!state_ || broken_) {
    state_.reset();
    return base::Status::Ok();
  }
  broken_ = true;
  auto closed = AmqpError(amqp_connection_close(state_.get(), AMQP_REPLY_SUCCESS), "close connection to " + peer_);
  state_.reset();
  return closed.status;
}

}  // namespace rpc
