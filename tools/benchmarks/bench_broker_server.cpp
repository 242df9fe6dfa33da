// tools/bench serve: the broker's ceiling. The least an RPC server can do
// per call on this machine, written straight on rabbitmq-c: consume a
// request, publish a fixed reply to its reply queue, ack. No oslo code, no
// JSON parser, no publisher confirms, one thread, one connection: what is
// left is the broker's and the socket's cost, which no server can beat.
//
// It speaks just enough of oslo's envelope that the bench's client
// (bench_rpc_client, i.e. bdm-agent's rpc::RpcClient) works against it
// unchanged, so the three servers the bench compares see the same client:
// the request's "_msg_id" and "_reply_q" are found by a text search in the
// body (they are hex/underscore words inside the escaped oslo.message), and
// the reply is the ping answer {"host": SERVER, "version": "0", "uptime_s": 0}
// in the 2.0 envelope with that _msg_id. A body without both ids (a cast) is
// acked and dropped.
//
// Declares the topic exchange "nova" (oslo's flags: not durable, not
// auto-delete) and the queue "<TOPIC>.<SERVER>" bound by that key, consumes
// it (no prefetch limit, as bdm-agent serve), prints "ready", and runs until
// its stdin closes; then deletes the queue and closes the connection.
//
// Usage: bench_broker_server URL TOPIC SERVER
// Exit 0 after a clean stop, 1 on a broker or connection failure, 64 on bad
// arguments.
#include <amqp.h>
#include <poll.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "rpc/transport_url.h"
#include "tools/benchmarks/bench_amqp.h"

namespace {

using bench::Bytes;
using bench::kChannel;
constexpr const char* kExchange = "nova";  // the client's default control_exchange

bool Ok(const amqp_rpc_reply_t& reply, const char* what) { return bench::Ok(reply, "bench_broker_server", what); }

// The word after `key` in the (escaped) oslo.message: skips the quotes,
// backslashes, colon and space between them, then takes [0-9A-Za-z_-].
std::string_view WordAfter(std::string_view body, std::string_view key) {
  std::size_t at = body.find(key);
  if (at == std::string_view::npos) return {};
  at += key.size();
  while (at < body.size() && std::strchr("\\\": ", body[at]) != nullptr) ++at;
  std::size_t end = at;
  while (end < body.size() && (std::isalnum(static_cast<unsigned char>(body[end])) || body[end] == '_' ||
                               body[end] == '-')) {
    ++end;
  }
  return body.substr(at, end - at);
}

// True once stdin reached its end (the bench closed it).
bool StdinClosed() {
  pollfd fd{STDIN_FILENO, POLLIN, 0};
  if (poll(&fd, 1, 0) <= 0) return false;
  char buffer[256];
  return read(STDIN_FILENO, buffer, sizeof buffer) <= 0;
}

bool DeclareAndConsume(amqp_connection_state_t state, const std::string& queue) {
  amqp_exchange_declare(state, kChannel, Bytes(kExchange), Bytes("topic"), 0, 0, 0, 0, amqp_empty_table);
  if (!Ok(amqp_get_rpc_reply(state), "exchange.declare")) return false;
  amqp_queue_declare(state, kChannel, Bytes(queue), 0, 0, 0, 0, amqp_empty_table);
  if (!Ok(amqp_get_rpc_reply(state), "queue.declare")) return false;
  amqp_queue_bind(state, kChannel, Bytes(queue), Bytes(kExchange), Bytes(queue), amqp_empty_table);
  if (!Ok(amqp_get_rpc_reply(state), "queue.bind")) return false;
  amqp_basic_consume(state, kChannel, Bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  return Ok(amqp_get_rpc_reply(state), "basic.consume");
}

// Answers one request; false when the connection failed.
bool Answer(amqp_connection_state_t state, const amqp_envelope_t& envelope, const std::string& server,
            unsigned long long& replies) {
  const std::string_view body(static_cast<const char*>(envelope.message.body.bytes), envelope.message.body.len);
  const std::string_view msg_id = WordAfter(body, "_msg_id");
  const std::string_view reply_q = WordAfter(body, "_reply_q");
  if (!msg_id.empty() && !reply_q.empty()) {
    char reply[512];
    const int length = std::snprintf(
        reply, sizeof reply,
        "{\"oslo.version\": \"2.0\", \"oslo.message\": \"{\\\"result\\\": {\\\"host\\\": \\\"%s\\\", "
        "\\\"version\\\": \\\"0\\\", \\\"uptime_s\\\": 0}, \\\"failure\\\": null, \\\"ending\\\": true, "
        "\\\"_msg_id\\\": \\\"%.*s\\\", \\\"_unique_id\\\": \\\"%032llx\\\"}\"}",
        server.c_str(), static_cast<int>(msg_id.size()), msg_id.data(), ++replies);
    if (length < 0 || static_cast<std::size_t>(length) >= sizeof reply) return true;  // too long: dropped
    amqp_basic_properties_t properties{};
    properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_CONTENT_ENCODING_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    properties.content_type = Bytes("application/json");
    properties.content_encoding = Bytes("utf-8");
    properties.delivery_mode = 2;
    const std::string key(reply_q);
    if (amqp_basic_publish(state, kChannel, amqp_empty_bytes, Bytes(key), 0, 0, &properties,
                           Bytes(std::string_view(reply, static_cast<std::size_t>(length)))) != AMQP_STATUS_OK) {
      std::fprintf(stderr, "bench_broker_server: basic.publish failed\n");
      return false;
    }
  }
  if (amqp_basic_ack(state, kChannel, envelope.delivery_tag, 0) != AMQP_STATUS_OK) {
    std::fprintf(stderr, "bench_broker_server: basic.ack failed\n");
    return false;
  }
  return true;
}

// Consumes and answers until stdin closes; false on a failure.
bool Serve(amqp_connection_state_t state, const std::string& server) {
  unsigned long long replies = 0;
  while (true) {
    amqp_maybe_release_buffers(state);
    amqp_envelope_t envelope;
    timeval timeout{0, 200000};
    const amqp_rpc_reply_t got = amqp_consume_message(state, &envelope, &timeout, 0);
    if (got.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && got.library_error == AMQP_STATUS_TIMEOUT) {
      if (StdinClosed()) return true;
      continue;
    }
    if (!Ok(got, "basic.consume")) return false;
    const bool answered = Answer(state, envelope, server, replies);
    amqp_destroy_envelope(&envelope);
    if (!answered) return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || argv[2][0] == '\0' || argv[3][0] == '\0') {
    std::fprintf(stderr, "usage: bench_broker_server URL TOPIC SERVER\n");
    return 64;
  }
  auto url = rpc::ParseTransportUrl(argv[1], "URL");
  if (!url.ok() || url->hosts.empty()) {
    std::fprintf(stderr, "bench_broker_server: %s\n", url.ok() ? "URL names no host" : url.error().ToString().c_str());
    return 64;
  }
  const std::string server = argv[3];
  const std::string queue = std::string(argv[2]) + "." + server;
  bench::Connection connection = bench::Open(url->hosts.front(), url->virtual_host, "bench_broker_server");
  if (!connection || !DeclareAndConsume(connection.get(), queue)) return 1;
  std::printf("ready\n");
  std::fflush(stdout);
  const bool served = Serve(connection.get(), server);
  amqp_queue_delete(connection.get(), kChannel, Bytes(queue), 0, 0);
  const bool deleted = Ok(amqp_get_rpc_reply(connection.get()), "queue.delete");
  amqp_channel_close(connection.get(), kChannel, AMQP_REPLY_SUCCESS);
  amqp_connection_close(connection.get(), AMQP_REPLY_SUCCESS);
  return served && deleted ? 0 : 1;
}
