// ConfirmEvent: what the broker says about a message published on a channel
// in confirm mode (RabbitMQ publisher confirms), as AmqpConnection reports it
// to a publisher that does not wait (AmqpConnection::PublishNoWait):
//
// * kAck / kNack: basic.ack / basic.nack with the publish sequence number
//   (the channel's count of publishes since confirm.select, from 1); with
//   `multiple`, every sequence up to and including it;
// * kReturn: basic.return of a mandatory message no queue took. It carries
//   no sequence number: `routing_key` and `body` (the returned message's,
//   empty when larger than kMaxDeliveryBytes) identify it, and RabbitMQ
//   sends it before the basic.ack of the same message (confirm_tracker.h
//   correlates the two).
#pragma once

#include <cstdint>
#include <string>

namespace rpc {

struct ConfirmEvent {
  enum class Kind { kAck, kNack, kReturn };
  Kind kind = Kind::kAck;
  std::uint64_t sequence = 0;  // kAck, kNack
  bool multiple = false;       // kAck, kNack
  std::string routing_key;     // kReturn
  std::string body;            // kReturn
};

}  // namespace rpc
