#include "rpc/detail/amqp_tables.h"

#include <variant>

namespace rpc::detail {
namespace {

amqp_table_entry_t BoolEntry(const char* key, bool value) {
  amqp_table_entry_t entry{};
  entry.key = amqp_cstring_bytes(key);
  entry.value.kind = AMQP_FIELD_KIND_BOOLEAN;
  entry.value.value.boolean = value ? 1 : 0;
  return entry;
}

}  // namespace

amqp_bytes_t BytesOf(const std::string& text) {
  amqp_bytes_t bytes;
  bytes.len = text.size();
  bytes.bytes = const_cast<char*>(text.data());
  return bytes;
}

std::string CopyBytes(const amqp_bytes_t& bytes) {
  if (bytes.bytes == nullptr || bytes.len == 0) return {};
  return std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

amqp_table_t TableBuilder::Arguments(const AmqpArguments& arguments) {
  auto& entries = entries_.emplace_back();
  entries.reserve(arguments.size());
  for (const auto& [key, value] : arguments) {
    amqp_table_entry_t entry{};
    entry.key = BytesOf(key);
    if (const auto* number = std::get_if<std::int32_t>(&value)) {
      entry.value.kind = AMQP_FIELD_KIND_I32;
      entry.value.value.i32 = *number;
    } else {
      entry.value.kind = AMQP_FIELD_KIND_UTF8;
      entry.value.value.bytes = BytesOf(std::get<std::string>(value));
    }
    entries.push_back(entry);
  }
  amqp_table_t table;
  table.num_entries = static_cast<int>(entries.size());
  table.entries = entries.empty() ? nullptr : entries.data();
  return table;
}

amqp_table_t TableBuilder::ClientProperties(const std::string& connection_name) {
  auto& capabilities = entries_.emplace_back();
  capabilities.push_back(BoolEntry("authentication_failure_close", true));
  capabilities.push_back(BoolEntry("connection.blocked", true));
  capabilities.push_back(BoolEntry("consumer_cancel_notify", true));

  auto& top = entries_.emplace_back();
  amqp_table_entry_t caps{};
  caps.key = amqp_cstring_bytes("capabilities");
  caps.value.kind = AMQP_FIELD_KIND_TABLE;
  caps.value.value.table.num_entries = static_cast<int>(capabilities.size());
  caps.value.value.table.entries = capabilities.data();
  top.push_back(caps);

  amqp_table_entry_t name{};
  name.key = amqp_cstring_bytes("connection_name");
  name.value.kind = AMQP_FIELD_KIND_UTF8;
  name.value.value.bytes = BytesOf(connection_name);
  top.push_back(name);

  amqp_table_t table;
  table.num_entries = static_cast<int>(top.size());
  table.entries = top.data();
  return table;
}

amqp_basic_properties_t BuildProperties(const MessageProperties& properties) {
  amqp_basic_properties_t out{};
  out._flags = 0;
  if (properties.content_type) {
    out._flags |= AMQP_BASIC_CONTENT_TYPE_FLAG;
    out.content_type = BytesOf(*properties.content_type);
  }
  if (properties.content_encoding) {
    out._flags |= AMQP_BASIC_CONTENT_ENCODING_FLAG;
    out.content_encoding = BytesOf(*properties.content_encoding);
  }
  if (properties.headers_present) {
    out._flags |= AMQP_BASIC_HEADERS_FLAG;
    out.headers = amqp_empty_table;
  }
  if (properties.delivery_mode) {
    out._flags |= AMQP_BASIC_DELIVERY_MODE_FLAG;
    out.delivery_mode = *properties.delivery_mode;
  }
  if (properties.priority) {
    out._flags |= AMQP_BASIC_PRIORITY_FLAG;
    out.priority = *properties.priority;
  }
  if (properties.expiration) {
    out._flags |= AMQP_BASIC_EXPIRATION_FLAG;
    out.expiration = BytesOf(*properties.expiration);
  }
  return out;
}

MessageProperties CopyProperties(const amqp_basic_properties_t& in) {
  MessageProperties out;
  if (in._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) out.content_type = CopyBytes(in.content_type);
  if (in._flags & AMQP_BASIC_CONTENT_ENCODING_FLAG) out.content_encoding = CopyBytes(in.content_encoding);
  if (in._flags & AMQP_BASIC_HEADERS_FLAG) out.headers_present = true;
  if (in._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) out.delivery_mode = in.delivery_mode;
  if (in._flags & AMQP_BASIC_PRIORITY_FLAG) out.priority = in.priority;
  if (in._flags & AMQP_BASIC_EXPIRATION_FLAG) out.expiration = CopyBytes(in.expiration);
  return out;
}

}  // namespace rpc::detail
