#include "rpc/trace_file.h"

#include <limits>

#include "rpc/detail/trace_msgpack.h"

namespace rpc {
namespace {

using base::Status;

// msgpack::packer wants a stream with write(const char*, size_t).
struct StringSink {
  std::string& out;
  void write(const char* data, std::size_t size) { out.append(data, size); }
};

template <typename Sink>
void PackString(msgpack::packer<Sink>& pk, std::string_view text) {
  pk.pack_str(static_cast<std::uint32_t>(text.size()));
  pk.pack_str_body(text.data(), static_cast<std::uint32_t>(text.size()));
}

template <typename Sink>
void PackValue(msgpack::packer<Sink>& pk, const TraceValue& value);

template <typename Sink>
void PackTable(msgpack::packer<Sink>& pk, const TraceTable& table) {
  pk.pack_map(static_cast<std::uint32_t>(table.size()));
  for (const auto& [key, value] : table) {
    PackString(pk, key);
    PackValue(pk, value);
  }
}

template <typename Sink>
void PackValue(msgpack::packer<Sink>& pk, const TraceValue& value) {
  switch (value.kind) {
    case TraceValue::Kind::kNull: pk.pack_nil(); return;
    case TraceValue::Kind::kBool: value.boolean ? pk.pack_true() : pk.pack_false(); return;
    case TraceValue::Kind::kInt: pk.pack_int64(value.integer); return;
    case TraceValue::Kind::kDouble: pk.pack_double(value.real); return;
    case TraceValue::Kind::kString: PackString(pk, value.text); return;
    case TraceValue::Kind::kBytes:
      pk.pack_bin(static_cast<std::uint32_t>(value.text.size()));
      pk.pack_bin_body(value.text.data(), static_cast<std::uint32_t>(value.text.size()));
      return;
    case TraceValue::Kind::kArray:
      pk.pack_array(static_cast<std::uint32_t>(value.items.size()));
      for (const TraceValue& item : value.items) PackValue(pk, item);
      return;
    case TraceValue::Kind::kTable: PackTable(pk, value.table); return;
  }
}

template <typename Sink>
void PackProperties(msgpack::packer<Sink>& pk, const MessageProperties& p) {
  std::uint32_t count = 0;
  const auto counted = [&count](const auto& field) { count += field.has_value() ? 1 : 0; };
  counted(p.content_type), counted(p.content_encoding), counted(p.delivery_mode), counted(p.priority);
  counted(p.correlation_id), counted(p.reply_to), counted(p.expiration), counted(p.message_id);
  counted(p.timestamp), counted(p.type), counted(p.user_id), counted(p.app_id), counted(p.headers);
  pk.pack_map(count);
  const auto text = [&pk](std::string_view key, const std::optional<std::string>& field) {
    if (!field) return;
    PackString(pk, key);
    PackString(pk, *field);
  };
  const auto number = [&pk](std::string_view key, const auto& field) {
    if (!field) return;
    PackString(pk, key);
    pk.pack_uint64(*field);
  };
  text("content_type", p.content_type);
  text("content_encoding", p.content_encoding);
  number("delivery_mode", p.delivery_mode);
  number("priority", p.priority);
  text("correlation_id", p.correlation_id);
  text("reply_to", p.reply_to);
  text("expiration", p.expiration);
  text("message_id", p.message_id);
  number("timestamp", p.timestamp);
  text("type", p.type);
  text("user_id", p.user_id);
  text("app_id", p.app_id);
  if (p.headers) {
    PackString(pk, "headers");
    PackTable(pk, *p.headers);
  }
}

Status Malformed(std::string_view what) { return Status::Corrupt("trace: " + std::string(what)); }

// Reads the fields of a msgpack map by key; each Take* checks the type.
class MapReader {
 public:
  MapReader(const msgpack::object& object, std::string_view what) : what_(what) {
    if (object.type == msgpack::type::MAP) map_ = &object.via.map;
  }
  bool is_map() const { return map_ != nullptr; }

  const msgpack::object* Find(std::string_view key) const {
    for (std::uint32_t i = 0; i < map_->size; ++i) {
      const msgpack::object& k = map_->ptr[i].key;
      if (k.type == msgpack::type::STR && std::string_view(k.via.str.ptr, k.via.str.size) == key) {
        return &map_->ptr[i].val;
      }
    }
    return nullptr;
  }
  Status Text(std::string_view key, std::optional<std::string>& out) const {
    const msgpack::object* v = Find(key);
    if (v == nullptr || v->type == msgpack::type::NIL) return Status::Ok();
    if (v->type != msgpack::type::STR) return Mistyped(key, "a string");
    out.emplace(v->via.str.ptr, v->via.str.size);
    return Status::Ok();
  }
  Status RequiredText(std::string_view key, std::string& out) const {
    std::optional<std::string> value;
    if (Status s = Text(key, value); !s.ok()) return s;
    if (!value) return Missing(key);
    out = std::move(*value);
    return Status::Ok();
  }
  Status Bytes(std::string_view key, std::string& out) const {
    const msgpack::object* v = Find(key);
    if (v == nullptr) return Missing(key);
    if (v->type == msgpack::type::BIN) {
      out.assign(v->via.bin.ptr, v->via.bin.size);
    } else if (v->type == msgpack::type::STR) {  // a writer that stores text as str
      out.assign(v->via.str.ptr, v->via.str.size);
    } else {
      return Mistyped(key, "bytes");
    }
    return Status::Ok();
  }
  template <typename T>
  Status Unsigned(std::string_view key, std::optional<T>& out) const {
    const msgpack::object* v = Find(key);
    if (v == nullptr || v->type == msgpack::type::NIL) return Status::Ok();
    if (v->type != msgpack::type::POSITIVE_INTEGER || v->via.u64 > std::numeric_limits<T>::max()) {
      return Mistyped(key, "an unsigned integer in range");
    }
    out = static_cast<T>(v->via.u64);
    return Status::Ok();
  }
  Status RequiredInt(std::string_view key, std::int64_t& out) const {
    const msgpack::object* v = Find(key);
    if (v == nullptr) return Missing(key);
    if (v->type == msgpack::type::NEGATIVE_INTEGER) {
      out = v->via.i64;
    } else if (v->type == msgpack::type::POSITIVE_INTEGER &&
               v->via.u64 <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      out = static_cast<std::int64_t>(v->via.u64);
    } else {
      return Mistyped(key, "an integer");
    }
    return Status::Ok();
  }

 private:
  Status Missing(std::string_view key) const {
    return Malformed(std::string(what_) + " has no '" + std::string(key) + "'");
  }
  Status Mistyped(std::string_view key, std::string_view expected) const {
    return Malformed(std::string(what_) + "'s '" + std::string(key) + "' is not " + std::string(expected));
  }

  std::string_view what_;
  const msgpack::object_map* map_ = nullptr;
};

base::Result<TraceValue> ValueFromObject(const msgpack::object& object);

base::Result<TraceTable> TableFromObject(const msgpack::object& object) {
  if (object.type != msgpack::type::MAP) return Malformed("a header table is not a map");
  TraceTable table;
  table.reserve(object.via.map.size);
  for (std::uint32_t i = 0; i < object.via.map.size; ++i) {
    const msgpack::object_kv& kv = object.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) return Malformed("a header table has a key that is not a string");
    BASE_TRY_ASSIGN(TraceValue value, ValueFromObject(kv.val));
    table.emplace_back(std::string(kv.key.via.str.ptr, kv.key.via.str.size), std::move(value));
  }
  return table;
}

// Recursion is bounded by the unpacker's depth limit (kMaxTraceDepth).
base::Result<TraceValue> ValueFromObject(const msgpack::object& object) {
  TraceValue value;
  switch (object.type) {
    case msgpack::type::NIL: break;
    case msgpack::type::BOOLEAN:
      value.kind = TraceValue::Kind::kBool;
      value.boolean = object.via.boolean;
      break;
    case msgpack::type::POSITIVE_INTEGER:
      if (object.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return Malformed("a header integer is beyond 2^63-1");
      }
      value.kind = TraceValue::Kind::kInt;
      value.integer = static_cast<std::int64_t>(object.via.u64);
      break;
    case msgpack::type::NEGATIVE_INTEGER:
      value.kind = TraceValue::Kind::kInt;
      value.integer = object.via.i64;
      break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      value.kind = TraceValue::Kind::kDouble;
      value.real = object.via.f64;
      break;
    case msgpack::type::STR:
      value.kind = TraceValue::Kind::kString;
      value.text.assign(object.via.str.ptr, object.via.str.size);
      break;
    case msgpack::type::BIN:
      value.kind = TraceValue::Kind::kBytes;
      value.text.assign(object.via.bin.ptr, object.via.bin.size);
      break;
    case msgpack::type::ARRAY:
      value.kind = TraceValue::Kind::kArray;
      value.items.reserve(object.via.array.size);
      for (std::uint32_t i = 0; i < object.via.array.size; ++i) {
        BASE_TRY_ASSIGN(TraceValue item, ValueFromObject(object.via.array.ptr[i]));
        value.items.push_back(std::move(item));
      }
      break;
    case msgpack::type::MAP: {
      value.kind = TraceValue::Kind::kTable;
      BASE_TRY_ASSIGN(value.table, TableFromObject(object));
      break;
    }
    default: return Malformed("a header value has an extension type");
  }
  return value;
}

base::Result<MessageProperties> PropertiesFromObject(const msgpack::object& object) {
  const MapReader map(object, "a record's properties");
  if (!map.is_map()) return Malformed("a record's properties are not a map");
  MessageProperties p;
  BASE_TRY(map.Text("content_type", p.content_type));
  BASE_TRY(map.Text("content_encoding", p.content_encoding));
  BASE_TRY(map.Unsigned("delivery_mode", p.delivery_mode));
  BASE_TRY(map.Unsigned("priority", p.priority));
  BASE_TRY(map.Text("correlation_id", p.correlation_id));
  BASE_TRY(map.Text("reply_to", p.reply_to));
  BASE_TRY(map.Text("expiration", p.expiration));
  BASE_TRY(map.Text("message_id", p.message_id));
  BASE_TRY(map.Unsigned("timestamp", p.timestamp));
  BASE_TRY(map.Text("type", p.type));
  BASE_TRY(map.Text("user_id", p.user_id));
  BASE_TRY(map.Text("app_id", p.app_id));
  if (const msgpack::object* headers = map.Find("headers"); headers != nullptr && headers->type != msgpack::type::NIL) {
    BASE_TRY_ASSIGN(p.headers, TableFromObject(*headers));
  }
  return p;
}

// One msgpack object from `bytes`, all of them; the zone keeps it alive.
base::Result<msgpack::object_handle> UnpackWhole(std::string_view bytes) {
  if (bytes.size() > kMaxTraceRecordBytes) return Malformed("a record is larger than the limit");
  try {
    std::size_t offset = 0;
    msgpack::object_handle handle =
        msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr, detail::TraceUnpackLimit());
    if (offset != bytes.size()) return Malformed("bytes after the object");
    return handle;
  } catch (const msgpack::insufficient_bytes&) {
    return Malformed("the object is cut short");
  } catch (const std::exception& e) {  // msgpack's parse errors and limits
    return Malformed(std::string("not msgpack within the limits (") + e.what() + ")");
  }
}

}  // namespace

std::string_view TraceEventName(TraceEvent event) { return event == TraceEvent::kDeliver ? "deliver" : "publish"; }

void EncodeTraceHeader(const TraceHeader& header, std::string& out) {
  StringSink sink{out};
  msgpack::packer<StringSink> pk(sink);
  pk.pack_map(5);
  PackString(pk, "format");
  PackString(pk, kTraceFormat);
  PackString(pk, "version");
  pk.pack_int64(header.version);
  PackString(pk, "started_at");
  pk.pack_int64(header.started_at_ns);
  PackString(pk, "broker");
  PackString(pk, header.broker);
  PackString(pk, "recorder");
  PackString(pk, header.recorder);
}

void EncodeTraceRecord(const TraceRecord& record, std::string& out) {
  StringSink sink{out};
  msgpack::packer<StringSink> pk(sink);
  pk.pack_map(record.queue ? 7 : 6);
  PackString(pk, "t_ns");
  pk.pack_int64(record.t_ns);
  PackString(pk, "exchange");
  PackString(pk, record.exchange);
  PackString(pk, "routing_key");
  PackString(pk, record.routing_key);
  PackString(pk, "event");
  PackString(pk, TraceEventName(record.event));
  if (record.queue) {
    PackString(pk, "queue");
    PackString(pk, *record.queue);
  }
  PackString(pk, "properties");
  PackProperties(pk, record.properties);
  PackString(pk, "body");
  pk.pack_bin(static_cast<std::uint32_t>(record.body.size()));
  pk.pack_bin_body(record.body.data(), static_cast<std::uint32_t>(record.body.size()));
}

base::Result<TraceHeader> DecodeTraceHeader(std::string_view object_bytes) {
  BASE_TRY_ASSIGN(msgpack::object_handle handle, UnpackWhole(object_bytes));
  return detail::TraceHeaderFromObject(handle.get());
}

base::Result<TraceRecord> DecodeTraceRecord(std::string_view object_bytes) {
  BASE_TRY_ASSIGN(msgpack::object_handle handle, UnpackWhole(object_bytes));
  return detail::TraceRecordFromObject(handle.get());
}

namespace detail {

msgpack::unpack_limit TraceUnpackLimit() {
  return msgpack::unpack_limit(/*array=*/kMaxTraceTableEntries, /*map=*/kMaxTraceTableEntries,
                               /*str=*/kMaxTraceRecordBytes, /*bin=*/kMaxTraceRecordBytes, /*ext=*/0,
                               /*depth=*/kMaxTraceDepth);
}

base::Result<TraceHeader> TraceHeaderFromObject(const msgpack::object& object) {
  const MapReader map(object, "the header");
  if (!map.is_map()) return Malformed("the file does not start with a header map (not a bdm-agent trace)");
  std::string format;
  if (Status s = map.RequiredText("format", format); !s.ok() || format != kTraceFormat) {
    return Malformed("the file is not a bdm-agent trace (its header names no format '" + std::string(kTraceFormat) +
                     "')");
  }
  TraceHeader header;
  BASE_TRY(map.RequiredInt("version", header.version));
  if (header.version > kTraceVersion || header.version < 1) {
    return Status::FailedPrecondition("trace: format version " + std::to_string(header.version) +
                                      " is not one this bdm-agent reads (version " + std::to_string(kTraceVersion) +
                                      "); a newer bdm-agent wrote it");
  }
  BASE_TRY(map.RequiredInt("started_at", header.started_at_ns));
  BASE_TRY(map.RequiredText("broker", header.broker));
  BASE_TRY(map.RequiredText("recorder", header.recorder));
  return header;
}

base::Result<TraceRecord> TraceRecordFromObject(const msgpack::object& object) {
  const MapReader map(object, "a record");
  if (!map.is_map()) return Malformed("a record is not a map");
  TraceRecord record;
  BASE_TRY(map.RequiredInt("t_ns", record.t_ns));
  BASE_TRY(map.RequiredText("exchange", record.exchange));
  BASE_TRY(map.RequiredText("routing_key", record.routing_key));
  std::string event;
  BASE_TRY(map.RequiredText("event", event));
  if (event == "publish") {
    record.event = TraceEvent::kPublish;
  } else if (event == "deliver") {
    record.event = TraceEvent::kDeliver;
  } else {
    return Malformed("a record's event is neither 'publish' nor 'deliver'");
  }
  BASE_TRY(map.Text("queue", record.queue));
  const msgpack::object* properties = map.Find("properties");
  if (properties == nullptr) return Malformed("a record has no 'properties'");
  BASE_TRY_ASSIGN(record.properties, PropertiesFromObject(*properties));
  BASE_TRY(map.Bytes("body", record.body));
  return record;
}

}  // namespace detail
}  // namespace rpc
