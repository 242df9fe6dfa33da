// detail/amqp_tables: builds rabbitmq-c tables and basic properties from the
// plain values in amqp_topology.h / message_properties.h, and copies received
// properties back out. Internal to rpc/; includes <amqp.h>.
//
// The built C structs *borrow* the strings of their sources: keep the source
// value (and the Builder holding the entry arrays) alive and unmodified until
// the rabbitmq-c call that uses them has returned. CopyProperties copies, so
// its result does not depend on rabbitmq-c's pool memory.
#pragma once

#include <amqp.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "rpc/amqp_topology.h"
#include "rpc/message_properties.h"

namespace rpc::detail {

class TableBuilder {
 public:
  TableBuilder() = default;
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;

  // Queue/exchange arguments: int32 as 'I' (AMQP_FIELD_KIND_I32), strings as 'S'.
  amqp_table_t Arguments(const AmqpArguments& arguments);

  // Client properties as oslo sends them: capabilities
  // {authentication_failure_close, connection.blocked,
  // consumer_cancel_notify} all true, and connection_name. rabbitmq-c merges
  // its own product/version/platform into these at login.
  amqp_table_t ClientProperties(const std::string& connection_name);

  // A message's application headers (message_properties.h says which AMQP
  // kind each value takes), nested tables and arrays included.
  amqp_table_t Fields(const AmqpFieldTable& table);

 private:
  amqp_field_value_t FieldValue(const AmqpFieldValue& value);

  std::deque<std::vector<amqp_table_entry_t>> entries_;  // stable addresses
  std::deque<std::vector<amqp_field_value_t>> arrays_;   // stable addresses
};

// The C properties for `properties`, with the flags of the set fields; the
// headers table's entries are kept in `tables`.
amqp_basic_properties_t BuildProperties(const MessageProperties& properties, TableBuilder& tables);

// Copies every basic property out of received properties (cluster_id, which
// AMQP 0-9-1 deprecated, excepted), the headers table converted as
// rpc/amqp_field_value.h says.
MessageProperties CopyProperties(const amqp_basic_properties_t& properties);

std::string CopyBytes(const amqp_bytes_t& bytes);

// Borrows the bytes of `text`.
amqp_bytes_t BytesOf(const std::string& text);

}  // namespace rpc::detail
