// Unit tests of rpc/trace_file, trace_reader and trace_writer: records
// survive a round trip through a file with every property and nested
// headers; a file cut anywhere inside its last record reads up to the
// record before; a newer major version, another format, garbage and
// records beyond the limits are refused with the record and offset named.
#include <fcntl.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "rpc/trace_file.h"
#include "rpc/trace_reader.h"
#include "rpc/trace_writer.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/golden_vectors.h"

namespace {

using rpc::TraceValue;

rpc::TraceHeader Header() {
  rpc::TraceHeader header;
  header.started_at_ns = 1764765000123456789;
  header.broker = "127.0.0.1:35672/nova%2Fcells";
  header.recorder = "bdm-agent 0.1.0";
  return header;
}

TraceValue Text(std::string text) {
  TraceValue v;
  v.kind = TraceValue::Kind::kString;
  v.text = std::move(text);
  return v;
}

std::vector<rpc::TraceRecord> Records() {
  rpc::TraceRecord call;
  call.t_ns = 1764765000200000000;
  call.exchange = "nova";
  call.routing_key = "compute.compute1";
  call.properties.content_type = "application/json";
  call.properties.content_encoding = "utf-8";
  call.properties.delivery_mode = 2;
  call.properties.priority = 0;
  call.properties.expiration = "60000";
  call.properties.headers = rpc::TraceTable{};
  call.body = R"({"oslo.version": "2.0", "oslo.message": "{\"method\": \"remove_volume_connection\"}"})";

  rpc::TraceRecord reply;
  reply.t_ns = call.t_ns + 16000000;
  reply.exchange = "";
  reply.routing_key = "reply_0123";
  reply.event = rpc::TraceEvent::kDeliver;
  reply.queue = "reply_0123";
  reply.properties.correlation_id = "c1";
  reply.properties.reply_to = "r";
  reply.properties.message_id = "m";
  reply.properties.timestamp = 1764765000;
  reply.properties.type = "t";
  reply.properties.user_id = "guest";
  reply.properties.app_id = "a";
  TraceValue routing_keys;
  routing_keys.kind = TraceValue::Kind::kArray;
  routing_keys.items = {Text("reply_0123")};
  TraceValue nested;
  nested.kind = TraceValue::Kind::kTable;
  TraceValue flag;
  flag.kind = TraceValue::Kind::kBool;
  flag.boolean = true;
  TraceValue negative;
  negative.kind = TraceValue::Kind::kInt;
  negative.integer = -5;
  TraceValue real;
  real.kind = TraceValue::Kind::kDouble;
  real.real = 2.5;
  TraceValue bytes;
  bytes.kind = TraceValue::Kind::kBytes;
  bytes.text = std::string("\0\xff", 2);
  nested.table = {{"flag", flag}, {"negative", negative}, {"real", real}, {"bytes", bytes}, {"none", TraceValue{}}};
  reply.properties.headers = rpc::TraceTable{{"exchange_name", Text("")}, {"routing_keys", routing_keys},
                                             {"properties", nested}};
  reply.body = std::string("binary\0body", 11);
  return {call, reply};
}

std::string FileBytes(const rpc::TraceHeader& header, const std::vector<rpc::TraceRecord>& records) {
  std::string bytes;
  rpc::EncodeTraceHeader(header, bytes);
  for (const auto& r : records) rpc::EncodeTraceRecord(r, bytes);
  return bytes;
}

struct ReadBack {
  std::vector<rpc::TraceRecord> records;
  bool torn = false;
  std::string error;  // empty: read to the end
};

ReadBack ReadAll(std::string bytes) {
  ReadBack out;
  auto reader = rpc::TraceReader::Open(rpc::MemorySource(std::move(bytes)), "t.trace");
  if (!reader.ok()) {
    out.error = reader.error().message();
    return out;
  }
  for (;;) {
    auto next = reader->Next();
    if (!next.ok()) {
      out.error = next.error().message();
      return out;
    }
    if (!*next) break;
    out.records.push_back(std::move(**next));
  }
  out.torn = reader->torn_tail();
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("a trace written to a file reads back record for record") {
  test::TempDir dir;
  const std::string path = dir.path() + "/a.trace";
  auto writer = rpc::TraceWriter::Create(path, Header());
  REQUIRE(writer.ok());
  for (const auto& r : Records()) REQUIRE(writer->Append(r).ok());
  REQUIRE(writer->Close().ok());
  CHECK(writer->records_written() == 2);

  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  auto reader = rpc::TraceReader::Open(rpc::FdSource(std::move(fd)), path);
  REQUIRE(reader.ok());
  CHECK(reader->header().version == rpc::kTraceVersion);
  CHECK(reader->header().started_at_ns == Header().started_at_ns);
  CHECK(reader->header().broker == Header().broker);
  CHECK(reader->header().recorder == Header().recorder);
  const auto expected = Records();
  for (const auto& want : expected) {
    auto got = reader->Next();
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK(**got == want);
  }
  auto end = reader->Next();
  REQUIRE(end.ok());
  CHECK_FALSE(end->has_value());
  CHECK_FALSE(reader->torn_tail());
  CHECK(reader->records_read() == 2);
}

TEST_CASE("a trace is never written over an existing file or through a symlink") {
  test::TempDir dir;
  const std::string existing = dir.Write("old.trace", "precious");
  auto writer = rpc::TraceWriter::Create(existing, Header());
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.error().code() == base::Code::kFailedPrecondition);
  CHECK(Slurp(existing) == "precious");
  const std::string link = dir.path() + "/link.trace";
  REQUIRE(::symlink((dir.path() + "/target").c_str(), link.c_str()) == 0);
  CHECK_FALSE(rpc::TraceWriter::Create(link, Header()).ok());
}

TEST_CASE("a file cut inside its last record reads up to the record before") {
  const std::string whole = FileBytes(Header(), Records());
  std::string first_only;
  rpc::EncodeTraceHeader(Header(), first_only);
  rpc::EncodeTraceRecord(Records()[0], first_only);
  for (std::size_t cut = first_only.size() + 1; cut < whole.size(); ++cut) {
    CAPTURE(cut);
    const ReadBack back = ReadAll(whole.substr(0, cut));
    REQUIRE(back.error.empty());
    CHECK(back.records.size() == 1);
    CHECK(back.torn);
  }
  const ReadBack full = ReadAll(whole);
  CHECK(full.error.empty());
  CHECK(full.records.size() == 2);
  CHECK_FALSE(full.torn);
}

TEST_CASE("a header from a newer major version, another format or nothing is refused") {
  rpc::TraceHeader newer = Header();
  newer.version = rpc::kTraceVersion + 1;
  std::string bytes;
  rpc::EncodeTraceHeader(newer, bytes);
  auto reader = rpc::TraceReader::Open(rpc::MemorySource(bytes), "new.trace");
  REQUIRE_FALSE(reader.ok());
  CHECK(reader.error().code() == base::Code::kFailedPrecondition);
  CHECK(reader.error().message().find("version 2") != std::string::npos);

  CHECK(ReadAll("").error.find("empty, not a trace") != std::string::npos);
  CHECK(ReadAll("{\"format\": 1}").error.find("not a bdm-agent trace") != std::string::npos);
  // A map with another format name: {"format": "pcap"}
  CHECK(ReadAll(std::string("\x81\xa6" "format" "\xa4" "pcap")).error.find("not a bdm-agent trace") !=
        std::string::npos);
  std::string header_only;
  rpc::EncodeTraceHeader(Header(), header_only);
  CHECK(ReadAll(header_only.substr(0, header_only.size() - 3)).error.find("cut short inside its header") !=
        std::string::npos);
}

TEST_CASE("garbage and records beyond the limits are refused, naming the record and its offset") {
  std::string header;
  rpc::EncodeTraceHeader(Header(), header);
  std::string one = header;
  rpc::EncodeTraceRecord(Records()[0], one);

  // 0xc1 is never used by msgpack.
  ReadBack garbage = ReadAll(one + "\xc1");
  CHECK(garbage.records.size() == 1);
  CHECK(garbage.error.find("record 2 (offset " + std::to_string(one.size()) + ")") != std::string::npos);

  // A record that is a string, not a map.
  CHECK(ReadAll(header + "\xa3" "abc").error.find("a record is not a map") != std::string::npos);

  // A bin claiming more than the record limit: refused once the limit is
  // read, never held whole; cut short before that, it is a torn tail.
  const std::string huge_bin = header + "\xc6\x7f\xff\xff\xff";
  ReadBack torn = ReadAll(huge_bin + "abc");
  CHECK(torn.error.empty());
  CHECK(torn.torn);
  ReadBack huge = ReadAll(huge_bin + std::string(rpc::kMaxTraceRecordBytes + 1, 'x'));
  CHECK(huge.error.find("record 1 (offset " + std::to_string(header.size()) + "): larger than") != std::string::npos);

  // A map claiming 2^32-1 entries: refused before anything is allocated for them.
  CHECK(ReadAll(header + "\xdf\xff\xff\xff\xff").error.find("not msgpack within the limits") != std::string::npos);

  // Arrays nested deeper than the limit.
  CHECK(ReadAll(header + std::string(200000, '\x91')).error.find("not msgpack within the limits") !=
        std::string::npos);

  // A record whose body has the wrong type.
  rpc::TraceRecord r = Records()[0];
  std::string bytes = header;
  rpc::EncodeTraceRecord(r, bytes);
  const std::size_t body = bytes.rfind("body");
  REQUIRE(body != std::string::npos);
  bytes.resize(body + 4);
  bytes += "\x05";  // body: 5
  CHECK(ReadAll(bytes).error.find("'body' is not bytes") != std::string::npos);
}

TEST_CASE("a trace written by Python's msgpack reads (tests/corpus/trace, made with msgpack.packb)") {
  const std::string path = (rpc_test::RepoRoot() / "tests" / "corpus" / "trace" / "call_and_reply").string();
  REQUIRE_FALSE(rpc_test::RepoRoot().empty());
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.valid());
  auto reader = rpc::TraceReader::Open(rpc::FdSource(std::move(fd)), path);
  REQUIRE(reader.ok());
  CHECK(reader->header().broker == "127.0.0.1:35672/");
  auto call = reader->Next();
  REQUIRE((call.ok() && call->has_value()));
  CHECK((*call)->routing_key == "compute.compute1");
  CHECK((*call)->properties.delivery_mode == 2);
  CHECK((*call)->properties.headers == rpc::TraceTable{});
  auto reply = reader->Next();
  REQUIRE((reply.ok() && reply->has_value()));
  CHECK((*reply)->event == rpc::TraceEvent::kDeliver);
  REQUIRE((*reply)->properties.headers.has_value());
  const rpc::TraceTable& headers = *(*reply)->properties.headers;
  REQUIRE(headers.size() == 5);
  CHECK(headers[1].first == "routing_keys");
  CHECK(headers[1].second.items.at(0).text == "reply_0123");
  CHECK(headers[3].second.kind == TraceValue::Kind::kBool);
  auto end = reader->Next();
  CHECK((end.ok() && !end->has_value()));
}
