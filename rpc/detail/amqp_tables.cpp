#include "rpc/detail/amqp_tables.h"

#include <cstdint>
#include <limits>
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

void SetString(amqp_flags_t flag, const std::optional<std::string>& value, amqp_basic_properties_t& out,
               amqp_bytes_t& field) {
  if (!value) return;
  out._flags |= flag;
  field = BytesOf(*value);
}

void CopyString(amqp_flags_t flag, const amqp_basic_properties_t& in, const amqp_bytes_t& field,
                std::optional<std::string>& out) {
  if (in._flags & flag) out = CopyBytes(field);
}

AmqpFieldValue CopyField(const amqp_field_value_t& in, std::size_t depth);

// `depth` counts the tables and arrays this one is nested in, the headers
// table itself being 1.
AmqpFieldTable CopyTable(const amqp_table_t& in, std::size_t depth) {
  AmqpFieldTable out;
  const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(std::max(in.num_entries, 0)),
                                                  kMaxFieldEntries);
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    out.emplace_back(CopyBytes(in.entries[i].key), CopyField(in.entries[i].value, depth + 1));
  }
  return out;
}

AmqpFieldValue Int(std::int64_t value) {
  AmqpFieldValue out;
  out.kind = AmqpFieldValue::Kind::kInt;
  out.integer = value;
  return out;
}

AmqpFieldValue Real(double value) {
  AmqpFieldValue out;
  out.kind = AmqpFieldValue::Kind::kDouble;
  out.real = value;
  return out;
}

AmqpFieldValue CopyField(const amqp_field_value_t& in, std::size_t depth) {
  using Kind = AmqpFieldValue::Kind;
  AmqpFieldValue out;
  switch (in.kind) {
    case AMQP_FIELD_KIND_BOOLEAN:
      out.kind = Kind::kBool;
      out.boolean = in.value.boolean != 0;
      return out;
    case AMQP_FIELD_KIND_I8: return Int(in.value.i8);
    case AMQP_FIELD_KIND_U8: return Int(in.value.u8);
    case AMQP_FIELD_KIND_I16: return Int(in.value.i16);
    case AMQP_FIELD_KIND_U16: return Int(in.value.u16);
    case AMQP_FIELD_KIND_I32: return Int(in.value.i32);
    case AMQP_FIELD_KIND_U32: return Int(in.value.u32);
    case AMQP_FIELD_KIND_I64: return Int(in.value.i64);
    case AMQP_FIELD_KIND_U64:
    case AMQP_FIELD_KIND_TIMESTAMP:
      if (in.value.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return Real(static_cast<double>(in.value.u64));
      }
      return Int(static_cast<std::int64_t>(in.value.u64));
    case AMQP_FIELD_KIND_F32: return Real(in.value.f32);
    case AMQP_FIELD_KIND_F64: return Real(in.value.f64);
    case AMQP_FIELD_KIND_DECIMAL: {
      double value = in.value.decimal.value;
      for (int i = 0; i < in.value.decimal.decimals; ++i) value /= 10;
      return Real(value);
    }
    case AMQP_FIELD_KIND_UTF8:
      out.kind = Kind::kString;
      out.text = CopyBytes(in.value.bytes);
      return out;
    case AMQP_FIELD_KIND_BYTES:
      out.kind = Kind::kBytes;
      out.text = CopyBytes(in.value.bytes);
      return out;
    case AMQP_FIELD_KIND_ARRAY: {
      if (depth > kMaxFieldDepth) return out;
      out.kind = Kind::kArray;
      const std::size_t count = std::min<std::size_t>(
          static_cast<std::size_t>(std::max(in.value.array.num_entries, 0)), kMaxFieldEntries);
      out.items.reserve(count);
      for (std::size_t i = 0; i < count; ++i) out.items.push_back(CopyField(in.value.array.entries[i], depth + 1));
      return out;
    }
    case AMQP_FIELD_KIND_TABLE:
      if (depth > kMaxFieldDepth) return out;
      out.kind = Kind::kTable;
      out.table = CopyTable(in.value.table, depth);
      return out;
    default:  // void, and kinds rabbitmq-c does not decode
      return out;
  }
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

amqp_field_value_t TableBuilder::FieldValue(const AmqpFieldValue& value) {
  using Kind = AmqpFieldValue::Kind;
  amqp_field_value_t out{};
  switch (value.kind) {
    case Kind::kNull: out.kind = AMQP_FIELD_KIND_VOID; break;
    case Kind::kBool:
      out.kind = AMQP_FIELD_KIND_BOOLEAN;
      out.value.boolean = value.boolean ? 1 : 0;
      break;
    case Kind::kInt:
      out.kind = AMQP_FIELD_KIND_I64;
      out.value.i64 = value.integer;
      break;
    case Kind::kDouble:
      out.kind = AMQP_FIELD_KIND_F64;
      out.value.f64 = value.real;
      break;
    case Kind::kString:
      out.kind = AMQP_FIELD_KIND_UTF8;
      out.value.bytes = BytesOf(value.text);
      break;
    case Kind::kBytes:
      out.kind = AMQP_FIELD_KIND_BYTES;
      out.value.bytes = BytesOf(value.text);
      break;
    case Kind::kArray: {
      std::vector<amqp_field_value_t> items;
      items.reserve(value.items.size());
      for (const AmqpFieldValue& item : value.items) items.push_back(FieldValue(item));
      auto& stored = arrays_.emplace_back(std::move(items));
      out.kind = AMQP_FIELD_KIND_ARRAY;
      out.value.array.num_entries = static_cast<int>(stored.size());
      out.value.array.entries = stored.empty() ? nullptr : stored.data();
      break;
    }
    case Kind::kTable:
      out.kind = AMQP_FIELD_KIND_TABLE;
      out.value.table = Fields(value.table);
      break;
  }
  return out;
}

amqp_table_t TableBuilder::Fields(const AmqpFieldTable& table) {
  std::vector<amqp_table_entry_t> built;
  built.reserve(table.size());
  for (const auto& [key, value] : table) {
    amqp_table_entry_t entry{};
    entry.key = BytesOf(key);
    entry.value = FieldValue(value);
    built.push_back(entry);
  }
  auto& entries = entries_.emplace_back(std::move(built));
  amqp_table_t out;
  out.num_entries = static_cast<int>(entries.size());
  out.entries = entries.empty() ? nullptr : entries.data();
  return out;
}

amqp_basic_properties_t BuildProperties(const MessageProperties& properties, TableBuilder& tables) {
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
  if (properties.headers) {
    out._flags |= AMQP_BASIC_HEADERS_FLAG;
    out.headers = tables.Fields(*properties.headers);
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
  SetString(AMQP_BASIC_CORRELATION_ID_FLAG, properties.correlation_id, out, out.correlation_id);
  SetString(AMQP_BASIC_REPLY_TO_FLAG, properties.reply_to, out, out.reply_to);
  SetString(AMQP_BASIC_MESSAGE_ID_FLAG, properties.message_id, out, out.message_id);
  if (properties.timestamp) {
    out._flags |= AMQP_BASIC_TIMESTAMP_FLAG;
    out.timestamp = *properties.timestamp;
  }
  SetString(AMQP_BASIC_TYPE_FLAG, properties.type, out, out.type);
  SetString(AMQP_BASIC_USER_ID_FLAG, properties.user_id, out, out.user_id);
  SetString(AMQP_BASIC_APP_ID_FLAG, properties.app_id, out, out.app_id);
  return out;
}

MessageProperties CopyProperties(const amqp_basic_properties_t& in) {
  MessageProperties out;
  if (in._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) out.content_type = CopyBytes(in.content_type);
  if (in._flags & AMQP_BASIC_CONTENT_ENCODING_FLAG) out.content_encoding = CopyBytes(in.content_encoding);
  if (in._flags & AMQP_BASIC_HEADERS_FLAG) out.headers = CopyTable(in.headers, 1);
  if (in._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) out.delivery_mode = in.delivery_mode;
  if (in._flags & AMQP_BASIC_PRIORITY_FLAG) out.priority = in.priority;
  if (in._flags & AMQP_BASIC_EXPIRATION_FLAG) out.expiration = CopyBytes(in.expiration);
  CopyString(AMQP_BASIC_CORRELATION_ID_FLAG, in, in.correlation_id, out.correlation_id);
  CopyString(AMQP_BASIC_REPLY_TO_FLAG, in, in.reply_to, out.reply_to);
  CopyString(AMQP_BASIC_MESSAGE_ID_FLAG, in, in.message_id, out.message_id);
  if (in._flags & AMQP_BASIC_TIMESTAMP_FLAG) out.timestamp = in.timestamp;
  CopyString(AMQP_BASIC_TYPE_FLAG, in, in.type, out.type);
  CopyString(AMQP_BASIC_USER_ID_FLAG, in, in.user_id, out.user_id);
  CopyString(AMQP_BASIC_APP_ID_FLAG, in, in.app_id, out.app_id);
  return out;
}

}  // namespace rpc::detail
