// Unit tests of rpc/detail/amqp_tables: received basic properties copied out
// of rabbitmq-c's structs, every property and the headers table included
// (the broker's frames cannot be made to hold every field kind on demand,
// so the C structs are built here by hand, as rabbitmq-c's decoder fills them).
#include "rpc/detail/amqp_tables.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace {

using Kind = rpc::AmqpFieldValue::Kind;

amqp_table_entry_t Entry(const char* key, amqp_field_value_t value) {
  amqp_table_entry_t entry{};
  entry.key = amqp_cstring_bytes(key);
  entry.value = value;
  return entry;
}

amqp_field_value_t Utf8(const char* text) {
  amqp_field_value_t value{};
  value.kind = AMQP_FIELD_KIND_UTF8;
  value.value.bytes = amqp_cstring_bytes(text);
  return value;
}

}  // namespace

TEST_CASE("rpc::detail::CopyProperties copies every property and the headers table") {
  std::vector<amqp_field_value_t> routing_keys = {Utf8("compute.compute1")};
  amqp_field_value_t array{};
  array.kind = AMQP_FIELD_KIND_ARRAY;
  array.value.array.num_entries = 1;
  array.value.array.entries = routing_keys.data();

  amqp_field_value_t small{};
  small.kind = AMQP_FIELD_KIND_I8;
  small.value.i8 = -3;
  amqp_field_value_t huge{};
  huge.kind = AMQP_FIELD_KIND_U64;
  huge.value.u64 = 18446744073709551615ull;
  amqp_field_value_t yes{};
  yes.kind = AMQP_FIELD_KIND_BOOLEAN;
  yes.value.boolean = 1;
  amqp_field_value_t bytes{};
  bytes.kind = AMQP_FIELD_KIND_BYTES;
  bytes.value.bytes = amqp_cstring_bytes("\x01\x02");
  amqp_field_value_t decimal{};
  decimal.kind = AMQP_FIELD_KIND_DECIMAL;
  decimal.value.decimal.decimals = 2;
  decimal.value.decimal.value = 1234;
  amqp_field_value_t nothing{};
  nothing.kind = AMQP_FIELD_KIND_VOID;

  std::vector<amqp_table_entry_t> inner = {Entry("delivery_mode", small)};
  amqp_field_value_t table{};
  table.kind = AMQP_FIELD_KIND_TABLE;
  table.value.table.num_entries = static_cast<int>(inner.size());
  table.value.table.entries = inner.data();

  std::vector<amqp_table_entry_t> top = {Entry("exchange_name", Utf8("nova")), Entry("routing_keys", array),
                                         Entry("properties", table),          Entry("huge", huge),
                                         Entry("flag", yes),                  Entry("raw", bytes),
                                         Entry("price", decimal),             Entry("void", nothing)};
  amqp_basic_properties_t in{};
  in._flags = AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG | AMQP_BASIC_REPLY_TO_FLAG |
              AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_TYPE_FLAG |
              AMQP_BASIC_USER_ID_FLAG | AMQP_BASIC_APP_ID_FLAG;
  in.headers.num_entries = static_cast<int>(top.size());
  in.headers.entries = top.data();
  in.correlation_id = amqp_cstring_bytes("corr-1");
  in.reply_to = amqp_cstring_bytes("reply_abc");
  in.message_id = amqp_cstring_bytes("m-1");
  in.timestamp = 1795693765;
  in.type = amqp_cstring_bytes("t");
  in.user_id = amqp_cstring_bytes("nova");
  in.app_id = amqp_cstring_bytes("app");

  const rpc::MessageProperties out = rpc::detail::CopyProperties(in);
  CHECK(out.correlation_id == "corr-1");
  CHECK(out.reply_to == "reply_abc");
  CHECK(out.message_id == "m-1");
  CHECK(out.timestamp == 1795693765u);
  CHECK(out.type == "t");
  CHECK(out.user_id == "nova");
  CHECK(out.app_id == "app");
  CHECK_FALSE(out.content_type.has_value());
  REQUIRE(out.headers_present);
  REQUIRE(out.headers.size() == top.size());
  CHECK(out.headers[0].first == "exchange_name");
  CHECK(out.headers[0].second.kind == Kind::kString);
  CHECK(out.headers[0].second.text == "nova");
  REQUIRE(out.headers[1].second.kind == Kind::kArray);
  REQUIRE(out.headers[1].second.items.size() == 1);
  CHECK(out.headers[1].second.items[0].text == "compute.compute1");
  REQUIRE(out.headers[2].second.kind == Kind::kTable);
  CHECK(out.headers[2].second.table[0].second.kind == Kind::kInt);
  CHECK(out.headers[2].second.table[0].second.integer == -3);
  CHECK(out.headers[3].second.kind == Kind::kDouble);  // beyond int64
  CHECK(out.headers[4].second.kind == Kind::kBool);
  CHECK(out.headers[4].second.boolean);
  CHECK(out.headers[5].second.kind == Kind::kBytes);
  CHECK(out.headers[5].second.text == "\x01\x02");
  CHECK(out.headers[6].second.real == doctest::Approx(12.34));
  CHECK(out.headers[7].second.kind == Kind::kNull);

  SUBCASE("round trip of the string properties through BuildProperties") {
    const amqp_basic_properties_t built = rpc::detail::BuildProperties(out);
    const rpc::MessageProperties again = rpc::detail::CopyProperties(built);
    CHECK(again.correlation_id == out.correlation_id);
    CHECK(again.reply_to == out.reply_to);
    CHECK(again.timestamp == out.timestamp);
    CHECK(again.app_id == out.app_id);
    CHECK(again.headers.empty());  // only an empty table is sent
  }
}

TEST_CASE("rpc::detail::CopyProperties bounds nesting") {
  // 40 tables nested in one another: copied down to kMaxFieldDepth, deeper is null.
  std::vector<std::vector<amqp_table_entry_t>> levels(40);
  amqp_field_value_t leaf = Utf8("bottom");
  for (int i = 39; i >= 0; --i) {
    levels[i] = {Entry("n", leaf)};
    amqp_field_value_t table{};
    table.kind = AMQP_FIELD_KIND_TABLE;
    table.value.table.num_entries = 1;
    table.value.table.entries = levels[i].data();
    leaf = table;
  }
  amqp_basic_properties_t in{};
  in._flags = AMQP_BASIC_HEADERS_FLAG;
  in.headers = leaf.value.table;
  const rpc::MessageProperties out = rpc::detail::CopyProperties(in);
  std::size_t depth = 1;
  const rpc::AmqpFieldValue* value = &out.headers[0].second;
  while (value->kind == Kind::kTable) {
    ++depth;
    value = &value->table[0].second;
  }
  CHECK(value->kind == Kind::kNull);
  CHECK(depth == rpc::kMaxFieldDepth);
}
