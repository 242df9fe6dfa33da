// The rabbitmq-c plumbing the benchmarks' own broker clients share
// (bench_broker_server, bench_publish): a connection handle that destroys
// itself, bytes over a string, the check of a library reply, and the open
// of one channel. Errors are printed on stderr prefixed with the program's
// name; nothing here retries. Not thread-safe (one connection per thread).
#pragma once

#include <amqp.h>

#include <memory>
#include <string>
#include <string_view>

#include "rpc/transport_url.h"

namespace bench {

constexpr amqp_channel_t kChannel = 1;

struct ConnectionCloser {
  void operator()(amqp_connection_state_t_* state) const { amqp_destroy_connection(state); }
};
using Connection = std::unique_ptr<amqp_connection_state_t_, ConnectionCloser>;

// `text` as rabbitmq-c bytes; borrows `text`, which must outlive the use.
amqp_bytes_t Bytes(std::string_view text);

// True when `reply` is a success; otherwise prints "<program>: <what>: why".
bool Ok(const amqp_rpc_reply_t& reply, const char* program, const char* what);

// A logged-in connection to `host` with channel kChannel open, or null
// (the reason printed).
Connection Open(const rpc::TransportHost& host, const std::string& vhost, const char* program);

}  // namespace bench
