// tools/bench trace: a publisher at the broker's ceiling, written straight on
// rabbitmq-c so that the publisher is never what limits the rate. It
// publishes one body (a file's bytes) to EXCHANGE with ROUTING_KEY as fast as
// the broker confirms, for SECONDS: publisher confirms on, at most WINDOW
// messages unconfirmed at a time, the properties an oslo.messaging call
// carries (JSON, UTF-8, delivery mode 2; no expiration, so that nothing a
// slow consumer has not taken yet expires). Then it waits for the last
// confirms (at most 60 s) and prints one JSON line:
//   {"published": N, "acked": A, "nacked": K, "seconds": S, "msgs_per_s": A / S}
// S is from the first publish to the last confirm. The exchange must exist.
//
// Usage: bench_publish URL EXCHANGE ROUTING_KEY BODY_FILE SECONDS [WINDOW]
// Exit 0 when every message was acked, 1 on a broker or connection failure or
// a message not acked, 64 on bad arguments.
#include <amqp.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/transport_url.h"
#include "tools/benchmarks/bench_amqp.h"

namespace {

using bench::Bytes;
using bench::kChannel;
using Clock = std::chrono::steady_clock;
constexpr const char* kProgram = "bench_publish";

bool Ok(const amqp_rpc_reply_t& reply, const char* what) { return bench::Ok(reply, kProgram, what); }

// A connection whose channel confirms publishes, or null.
bench::Connection OpenConfirming(const rpc::TransportHost& host, const std::string& vhost) {
  bench::Connection connection = bench::Open(host, vhost, kProgram);
  if (!connection) return nullptr;
  amqp_confirm_select(connection.get(), kChannel);
  if (!Ok(amqp_get_rpc_reply(connection.get()), "confirm.select")) return nullptr;
  return connection;
}

// The confirms of one channel: delivery tags 1, 2, ... in publish order,
// each settled once by an ack or a nack (alone or "multiple").
class Confirms {
 public:
  void Published() { settled_.push_back(0); }
  std::uint64_t Outstanding() const { return settled_.size() - acked_ - nacked_; }
  std::uint64_t acked() const { return acked_; }
  std::uint64_t nacked() const { return nacked_; }

  void Settle(std::uint64_t tag, bool multiple, bool ack) {
    const std::uint64_t from = multiple ? lowest_ : tag;
    for (std::uint64_t t = from; t <= tag && t <= settled_.size(); ++t) {
      if (settled_[t - 1] != 0) continue;
      settled_[t - 1] = 1;
      ++(ack ? acked_ : nacked_);
    }
    while (lowest_ <= settled_.size() && settled_[lowest_ - 1] != 0) ++lowest_;
  }

 private:
  std::vector<char> settled_;
  std::uint64_t lowest_ = 1;  // the lowest tag not yet settled
  std::uint64_t acked_ = 0;
  std::uint64_t nacked_ = 0;
};

// Reads the frames waiting (blocking up to `wait_us` for the first) and
// settles the confirms among them; false on a connection failure.
bool ReadConfirms(amqp_connection_state_t state, Confirms& confirms, long wait_us) {
  for (bool first = true;; first = false) {
    amqp_frame_t frame;
    timeval timeout{wait_us / 1000000, wait_us % 1000000};
    timeval zero{0, 0};
    const int status = amqp_simple_wait_frame_noblock(state, &frame, first ? &timeout : &zero);
    if (status == AMQP_STATUS_TIMEOUT) return true;
    if (status != AMQP_STATUS_OK) {
      std::fprintf(stderr, "bench_publish: reading confirms: %s\n", amqp_error_string2(status));
      return false;
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
      const auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
      confirms.Settle(ack->delivery_tag, ack->multiple != 0, true);
    } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
      const auto* nack = static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded);
      confirms.Settle(nack->delivery_tag, nack->multiple != 0, false);
    } else if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
               frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
      std::fprintf(stderr, "bench_publish: the broker closed the channel (does the exchange exist?)\n");
      return false;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6 && argc != 7) {
    std::fprintf(stderr, "usage: bench_publish URL EXCHANGE ROUTING_KEY BODY_FILE SECONDS [WINDOW]\n");
    return 64;
  }
  const double seconds = std::atof(argv[5]);
  const long window = argc == 7 ? std::atol(argv[6]) : 2000;
  std::ifstream in(argv[4], std::ios::binary);
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto url = rpc::ParseTransportUrl(argv[1], "URL");
  if (seconds <= 0 || window <= 0 || !in || !url.ok() || url->hosts.empty()) {
    std::fprintf(stderr, "usage: bench_publish URL EXCHANGE ROUTING_KEY BODY_FILE SECONDS [WINDOW]\n");
    return 64;
  }
  bench::Connection connection = OpenConfirming(url->hosts.front(), url->virtual_host);
  if (!connection) return 1;
  amqp_connection_state_t state = connection.get();
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_CONTENT_ENCODING_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  properties.content_type = Bytes("application/json");
  properties.content_encoding = Bytes("utf-8");
  properties.delivery_mode = 2;

  Confirms confirms;
  std::uint64_t published = 0;
  const Clock::time_point start = Clock::now();
  const Clock::time_point stop = start + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(seconds));
  bool ok = true;
  while (ok && Clock::now() < stop) {
    if (confirms.Outstanding() >= static_cast<std::uint64_t>(window)) {
      ok = ReadConfirms(state, confirms, 100000);
      continue;
    }
    if (amqp_basic_publish(state, kChannel, Bytes(argv[2]), Bytes(argv[3]), 0, 0, &properties, Bytes(body)) !=
        AMQP_STATUS_OK) {
      std::fprintf(stderr, "bench_publish: basic.publish failed\n");
      ok = false;
      break;
    }
    confirms.Published();
    ++published;
    if (published % 64 == 0) ok = ReadConfirms(state, confirms, 0);
  }
  const Clock::time_point drain_until = Clock::now() + std::chrono::seconds(60);
  while (ok && confirms.Outstanding() > 0 && Clock::now() < drain_until) ok = ReadConfirms(state, confirms, 100000);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"published\": %llu, \"acked\": %llu, \"nacked\": %llu, \"seconds\": %.3f, \"msgs_per_s\": %.0f}\n",
              static_cast<unsigned long long>(published), static_cast<unsigned long long>(confirms.acked()),
              static_cast<unsigned long long>(confirms.nacked()), elapsed,
              static_cast<double>(confirms.acked()) / elapsed);
  amqp_channel_close(state, kChannel, AMQP_REPLY_SUCCESS);
  amqp_connection_close(state, AMQP_REPLY_SUCCESS);
  return ok && confirms.acked() == published ? 0 : 1;
}
