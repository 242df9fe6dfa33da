#include "tools/benchmarks/bench_amqp.h"

#include <amqp_tcp_socket.h>

#include <cstdio>

namespace bench {

amqp_bytes_t Bytes(std::string_view text) { return {text.size(), const_cast<char*>(text.data())}; }

bool Ok(const amqp_rpc_reply_t& reply, const char* program, const char* what) {
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) return true;
  if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
    std::fprintf(stderr, "%s: %s: %s\n", program, what, amqp_error_string2(reply.library_error));
  } else {
    std::fprintf(stderr, "%s: %s: the broker refused (method 0x%08x)\n", program, what, reply.reply.id);
  }
  return false;
}

Connection Open(const rpc::TransportHost& host, const std::string& vhost, const char* program) {
  Connection connection(amqp_new_connection());
  amqp_socket_t* socket = amqp_tcp_socket_new(connection.get());
  if (socket == nullptr || amqp_socket_open(socket, host.hostname.c_str(), host.port) != AMQP_STATUS_OK) {
    std::fprintf(stderr, "%s: cannot connect to %s:%d\n", program, host.hostname.c_str(), host.port);
    return nullptr;
  }
  if (!Ok(amqp_login(connection.get(), vhost.c_str(), 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, host.username.c_str(),
                     host.password.c_str()),
          program, "login")) {
    return nullptr;
  }
  amqp_channel_open(connection.get(), kChannel);
  if (!Ok(amqp_get_rpc_reply(connection.get()), program, "channel.open")) return nullptr;
  return connection;
}

}  // namespace bench
