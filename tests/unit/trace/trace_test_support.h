// Trace records for the agent/trace unit tests, made from the golden
// vectors' events (tests/vectors, as RabbitMQ's firehose showed them) or
// from a message given as JSON text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include "rpc/envelope.h"
#include "rpc/trace_file.h"
#include "tests/unit/golden_vectors.h"

namespace trace_test {

// The publish events of the vector files ending in `suffix`, as records,
// in file order; `t_ns` counts up by 1 ms from 1e18.
inline std::vector<rpc::TraceRecord> GoldenRecords(std::string_view suffix) {
  std::vector<rpc::TraceRecord> records;
  std::int64_t t_ns = 1000000000000000000;
  for (const std::string& text : rpc_test::GoldenEvents(suffix)) {
    rapidjson::Document event;
    event.Parse(text.c_str());
    REQUIRE_FALSE(event.HasParseError());
    if (std::string_view(event["routing_key"].GetString()).starts_with("deliver.")) continue;
    rpc::TraceRecord record;
    record.t_ns = (t_ns += 1000000);
    record.exchange = event["headers"]["exchange_name"].GetString();
    record.routing_key = event["headers"]["routing_keys"][0].GetString();
    record.body.assign(event["body_raw"].GetString(), event["body_raw"].GetStringLength());
    records.push_back(std::move(record));
  }
  REQUIRE_FALSE(records.empty());
  return records;
}

// A record whose body is `message_json` in the 2.0 envelope.
inline rpc::TraceRecord Enveloped(std::string exchange, std::string routing_key, std::string_view message_json) {
  auto body = rpc::Wrap(message_json);
  REQUIRE(body.ok());
  rpc::TraceRecord record;
  record.t_ns = 1000000000000000000;
  record.exchange = std::move(exchange);
  record.routing_key = std::move(routing_key);
  record.body = std::move(*body);
  return record;
}

}  // namespace trace_test
