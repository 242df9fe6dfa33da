// AmqpConnection: one AMQP 0-9-1 connection to RabbitMQ with one channel,
// opened the way oslo.messaging's rabbit driver (kombu/py-amqp) opens it:
//
// * hosts of the transport URL tried in the given order (oslo shuffles a
//   multi-host list first; the caller may do so), each with its own
//   credentials, SASL PLAIN (oslo's default is AMQPLAIN, which rabbitmq-c does
//   not offer; the broker treats both the same), the URL's virtual host;
// * TLS when AmqpConnectOptions::tls.enabled, set up as py-amqp 5 sets up
//   oslo's SSLContext (detail/amqp_tls.h): the broker's certificate is always
//   verified, against ca_file when given, else against the system CA store;
//   a client certificate is sent when cert_file is given (key_file defaults
//   to cert_file); the host name is checked only when verify_hostname is set
//   (oslo 14's default is off). TLS failures name the verification error or
//   the broker's alert and the option to check;
// * heartbeat proposed as heartbeat_timeout_threshold seconds (0: none);
//   rabbitmq-c answers heartbeats only while a call on this object is inside
//   the library, so a connection idle longer than ~2 heartbeats may be closed
//   by the broker; the next call then reports kUnavailable;
// * client properties with oslo's capabilities and a connection_name.
//
// Failures are Status values from AmqpError (amqp_error.h); nothing throws.
// After a channel-level error (e.g. PRECONDITION_FAILED on a declare) the
// channel is reopened at once (publisher confirms re-enabled, consumers lost)
// and usable() stays true; after a connection-level error usable() is false
// and only a new Open() helps. Message bodies and properties are copied out
// of rabbitmq-c's memory before a call returns.
//
// Not thread-safe: one thread uses an object at a time (an RPC server keeps
// it on its I/O thread and wakes that thread with WaitForInput's wake_fd).
// A delivery that arrives while Publish waits for its confirm is kept and
// returned by the next Receive.
//
// Two ways to publish with confirms, not to be mixed on one connection while
// a PublishNoWait is unconfirmed: Publish waits for the message's own
// basic.ack (RpcClient, Notifier); PublishNoWait returns the message's
// sequence number at once, and from the first PublishNoWait on, every
// basic.ack, basic.nack and basic.return read by Receive (or by a Publish)
// is kept as a ConfirmEvent for TakeConfirmEvents (RpcServer's replies; see
// confirm_tracker.h for matching them up). Movable, not copyable; the destructor closes
// the socket without the AMQP close handshake (Close() does the handshake
// and reports its failure).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rpc/amqp_error.h"
#include "rpc/amqp_topology.h"
#include "rpc/confirm_event.h"
#include "rpc/message_properties.h"
#include "rpc/transport_url.h"

struct amqp_connection_state_t_;

namespace rpc {

struct TlsOptions {
  bool enabled = false;         // [oslo_messaging_rabbit] ssl
  std::string ca_file;          // ssl_ca_file
  std::string cert_file;        // ssl_cert_file
  std::string key_file;         // ssl_key_file
  bool verify_hostname = false; // ssl_enforce_hostname_verification (Debian)
};

struct AmqpConnectOptions {
  std::vector<TransportHost> hosts;  // tried in this order
  std::string virtual_host = "/";
  TlsOptions tls;
  int heartbeat_seconds = 60;        // heartbeat_timeout_threshold; 0 disables
  std::string connection_name;       // oslo: "<argv0 basename>:<pid>:<uuid4>"
  std::chrono::milliseconds connect_timeout{10000};  // per host: TCP + TLS + login
  std::chrono::milliseconds rpc_timeout{30000};      // each synchronous AMQP method
};

// Options for `url` (hosts, virtual host). TLS is enabled when the URL's
// query has ssl=1/true/yes/on (a bdm-agent extension: oslo 14's rabbit driver
// ignores the query); other TLS settings start from `tls`. InvalidInput when
// the URL is not a RabbitMQ URL or names no host, or a query ssl value is not
// a boolean.
base::Result<AmqpConnectOptions> ConnectOptionsFromUrl(const TransportUrl& url, const TlsOptions& tls);

// "host:port" ("[v6]:port" for an IPv6 address), as errors and peer() name a broker.
std::string PeerName(const TransportHost& host);

// "<program>:<pid>:<uuid4>", as oslo names its connections.
std::string OsloConnectionName(std::string_view program, std::mt19937_64& rng);

enum class Mandatory { kNo, kYes };

struct PublishOutcome {
  bool confirmed = false;  // the broker sent basic.ack (confirms on)
  bool returned = false;   // mandatory and unroutable: basic.return came back
};

// The largest message body Receive keeps (Nova's largest RPC messages are
// some hundred KiB; RabbitMQ's own max_message_size defaults to 128 MiB). A
// larger body is read off the socket in frames and dropped, never held whole.
inline constexpr std::uint64_t kMaxDeliveryBytes = std::uint64_t{16} << 20;  // 16 MiB

struct Delivery {
  std::string exchange;
  std::string routing_key;
  std::uint64_t delivery_tag = 0;
  bool redelivered = false;
  MessageProperties properties;
  std::string body;
  // Non-zero when the body was larger than kMaxDeliveryBytes: its size; body
  // is then empty. The delivery still needs its Ack.
  std::uint64_t dropped_body_bytes = 0;
};

class AmqpConnection {
 public:
  // Connects to the first host that accepts. Returns, for the last host
  // tried (all hosts' messages are joined): kUnavailable (unreachable,
  // refused, TLS alert not about certificates, closed during login),
  // kPermissionDenied (bad credentials, no access to the vhost, broker
  // certificate not verified, client certificate missing or rejected),
  // kNotFound (the virtual host does not exist), kInvalidInput (no hosts,
  // unreadable TLS files). The options are copied.
  static base::Result<AmqpConnection> Open(const AmqpConnectOptions& options);

  AmqpConnection(AmqpConnection&&) noexcept;
  AmqpConnection& operator=(AmqpConnection&&) noexcept;
  AmqpConnection(const AmqpConnection&) = delete;
  AmqpConnection& operator=(const AmqpConnection&) = delete;
  ~AmqpConnection();

  // "host:port" of the connected broker (no credentials).
  const std::string& peer() const { return peer_; }
  int heartbeat_seconds() const;  // as negotiated
  bool usable() const { return state_ != nullptr && !broken_; }

  // Declarations (never passive). Channel errors (e.g. kFailedPrecondition
  // for PRECONDITION_FAILED, kPermissionDenied, kNotFound) leave the
  // connection usable; kUnavailable/kInternal mean it is not.
  base::Status DeclareExchange(const ExchangeDeclaration& exchange);
  base::Status DeclareQueue(const QueueDeclaration& queue);
  // The same, returning the queue's name: the broker's choice when
  // queue.name is empty (an "amq.gen-..." name).
  base::Result<std::string> DeclareQueueNamed(const QueueDeclaration& queue);
  base::Status BindQueue(const std::string& queue, const std::string& exchange, const std::string& routing_key);

  // confirm.select on the channel; from then on Publish waits for the ack.
  base::Status EnableConfirms();

  // basic.publish; with confirms on, waits until `deadline` for basic.ack.
  // kUnavailable when the broker nacks or the connection fails (the message
  // may or may not have been routed: not confirmed), kTimeout when no ack
  // came in time (the connection is then dropped, as its ack stream is out of
  // step). The borrowed strings need to live only during the call.
  base::Result<PublishOutcome> Publish(const std::string& exchange, const std::string& routing_key,
                                       const MessageProperties& properties, const std::string& body,
                                       Mandatory mandatory, std::chrono::steady_clock::time_point deadline);

  // basic.publish without waiting (confirms must be on: kFailedPrecondition
  // otherwise): the message's publish sequence number, whose ack, nack or
  // return comes later as ConfirmEvents. kUnavailable when the connection
  // failed. The caller enforces its own confirm deadline: a confirm that
  // never comes means the connection is to be dropped.
  base::Result<std::uint64_t> PublishNoWait(const std::string& exchange, const std::string& routing_key,
                                            const MessageProperties& properties, const std::string& body,
                                            Mandatory mandatory);
  // The confirm events read since the last call, in the broker's order.
  std::vector<ConfirmEvent> TakeConfirmEvents();
  // True when a frame is already read or buffered (Receive(0) would not wait).
  bool InputBuffered() const;

  // basic.qos: at most `count` deliveries unacked on the channel, shared by
  // all its consumers (global); 0 means no limit.
  base::Status SetPrefetch(std::uint16_t count);

  // basic.consume (no_ack=false, not exclusive). Returns the consumer tag.
  base::Result<std::string> Consume(const std::string& queue);
  // basic.cancel of a consumer Consume made; deliveries already sent stay
  // unacked (and are returned by Receive) until acked or the connection closes.
  base::Status CancelConsumer(const std::string& consumer_tag);

  enum class Readiness { kInput, kWoken, kTimeout };
  // Waits up to `timeout` until the broker sent something (or something is
  // already buffered): kInput, then Receive(0) reads it; until `wake_fd`
  // (may be -1) is readable: kWoken; else kTimeout. Reads nothing itself,
  // so rabbitmq-c's own heartbeats are sent by the next Receive (a loop
  // must call Receive at least once per wait). kUnavailable when polling fails.
  base::Result<Readiness> WaitForInput(std::chrono::milliseconds timeout, int wake_fd);

  // Waits up to `timeout` for one delivery; nullopt when none came (or when a
  // frame that is not a delivery, like a late basic.ack, arrived). A body
  // over kMaxDeliveryBytes is not kept (Delivery::dropped_body_bytes). kUnavailable
  // when the connection failed or the broker cancelled the consumer (the
  // connection is then marked unusable so the caller reconnects).
  base::Result<std::optional<Delivery>> Receive(std::chrono::milliseconds timeout);

  base::Status Ack(std::uint64_t delivery_tag);

  // The AMQP close handshake; the object is unusable afterwards.
  base::Status Close();

 private:
  struct StateDeleter {
    void operator()(amqp_connection_state_t_* state) const;
  };
  using StateHandle = std::unique_ptr<amqp_connection_state_t_, StateDeleter>;

  AmqpConnection(StateHandle state, std::string peer);
  static base::Result<AmqpConnection> OpenOne(const AmqpConnectOptions& options, const TransportHost& host);

  base::Status Check(const AmqpFailure& failure);
  base::Status ReopenChannel();
  base::Status HandleBrokerMethod(std::uint32_t method_id, const void* decoded, std::string_view context);
  base::Status ReadContent(std::string_view what, MessageProperties* properties, std::string* body,
                           std::uint64_t* dropped_body_bytes);
  base::Status ReadReturn(const void* return_method);
  void KeepConfirm(std::uint32_t method_id, const void* decoded);
  base::Result<Delivery> ReadDeliveredContent(const void* deliver_method);
  base::Result<PublishOutcome> AwaitConfirm(std::uint64_t sequence, std::chrono::steady_clock::time_point deadline);

  StateHandle state_;
  std::string peer_;
  bool broken_ = false;
  bool confirms_ = false;
  std::uint64_t publish_sequence_ = 0;
  std::deque<Delivery> pending_;  // deliveries read while awaiting a confirm
  bool keep_confirm_events_ = false;  // a PublishNoWait was made
  std::vector<ConfirmEvent> confirm_events_;
};

}  // namespace rpc
