#include "agent/refresh/journal.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "agent/input/limits.h"
#include "tests/unit/finishes_within.h"

namespace {

using agent::refresh::JournalBegin;
using agent::refresh::JournalStep;
using agent::refresh::RefreshJournal;

struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bdm-journal-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

JournalBegin SampleBegin() {
  JournalBegin b;
  b.instance_uuid = "0f3c8a52-51d5-4b8e-9d1c-3b1f9c1f6e01";
  b.volume_id = "7d1f6c2e-3f5b-4c7d-8e9f-0a1b2c3d4e5f";
  b.bdm_id = 42;
  b.bdm_uuid = "b0a1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d";
  b.old_attachment_id = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
  b.device_name = "/dev/vdb";
  b.connector_json = R"({"host":"compute1","initiator":"iqn.1994-05.com.redhat:x"})";
  b.compute_host = "compute1";
  b.lock_reason = "Refreshing connection_info for BDM b0a1 ...";
  b.lock_request_id = "req-1";
  b.action_request_id = "req-2";
  b.unlock_request_id = "req-3";
  b.event_host = "ops1";
  return b;
}

}  // namespace

TEST_CASE("RefreshJournal: begin and steps survive a reopen; the file is private") {
  TempDir dir;
  const JournalBegin begin = SampleBegin();
  {
    auto journal = RefreshJournal::Create(dir.path + "/state", begin);
    REQUIRE(journal.ok());
    REQUIRE(journal->Record(JournalStep::kLocked).ok());
    REQUIRE(journal->Record(JournalStep::kCreatingAttachment).ok());
    REQUIRE(journal->Record(JournalStep::kAttachmentCreated, "new-id").ok());
    struct stat info;
    REQUIRE(::stat(journal->path().c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    REQUIRE(::stat((dir.path + "/state").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);
  }
  auto listed = RefreshJournal::List(dir.path + "/state");
  REQUIRE(listed.ok());
  CHECK(*listed == std::vector<std::string>{begin.instance_uuid});

  auto reopened = RefreshJournal::Open(dir.path + "/state", begin.instance_uuid);
  REQUIRE(reopened.ok());
  REQUIRE(reopened->has_value());
  const auto& state = (*reopened)->state();
  CHECK(state.begin.bdm_id == 42);
  CHECK(state.begin.bdm_uuid == begin.bdm_uuid);
  CHECK(state.begin.connector_json == begin.connector_json);
  CHECK(state.begin.device_name == begin.device_name);
  CHECK(!state.begin.cell_uuid);
  CHECK(state.Reached(JournalStep::kLocked));
  CHECK(!state.Reached(JournalStep::kConnectionRemoved));
  CHECK(state.new_attachment_id == std::optional<std::string>("new-id"));
  REQUIRE((*reopened)->Remove().ok());
  CHECK(RefreshJournal::List(dir.path + "/state")->empty());
}

TEST_CASE("RefreshJournal: one owner at a time") {
  TempDir dir;
  auto first = RefreshJournal::Create(dir.path, SampleBegin());
  REQUIRE(first.ok());
  auto second = RefreshJournal::Create(dir.path, SampleBegin());
  CHECK(second.error().code() == base::Code::kFailedPrecondition);
  auto opened = RefreshJournal::Open(dir.path, SampleBegin().instance_uuid);  // flock is per open file
  CHECK(opened.error().code() == base::Code::kFailedPrecondition);
  CHECK(opened.error().message().find("another bdm-agent") != std::string::npos);
}

TEST_CASE("RefreshJournal: no journal is not an error") {
  TempDir dir;
  auto opened = RefreshJournal::Open(dir.path, "no-such-instance");
  REQUIRE(opened.ok());
  CHECK(!opened->has_value());
  CHECK(RefreshJournal::List(dir.path + "/missing")->empty());
}

TEST_CASE("ParseJournal: a torn last line is ignored, a torn middle line is corrupt") {
  const std::string begin = agent::refresh::EncodeJournalLine(SampleBegin());
  const std::string locked = agent::refresh::EncodeJournalLine(JournalStep::kLocked, std::nullopt);
  auto torn = agent::refresh::ParseJournal(begin + locked + R"({"step":"creat)");
  REQUIRE(torn.ok());
  CHECK(torn->steps == std::vector<JournalStep>{JournalStep::kLocked});

  CHECK(agent::refresh::ParseJournal(begin + "{\"step\":\n" + locked).error().code() == base::Code::kCorrupt);
  CHECK(agent::refresh::ParseJournal(locked).error().code() == base::Code::kCorrupt);
  CHECK(agent::refresh::ParseJournal(begin + R"({"step":"launch_missiles"})" "\n").error().code() ==
        base::Code::kCorrupt);
  CHECK(agent::refresh::ParseJournal("").error().code() == base::Code::kCorrupt);
}

TEST_CASE("RefreshJournal: reopening repairs a torn last line before appending") {
  TempDir dir;
  const JournalBegin begin = SampleBegin();
  const std::string path = dir.path + "/" + begin.instance_uuid + ".journal";
  {
    std::ofstream file(path);
    file << agent::refresh::EncodeJournalLine(begin) << R"({"step":"lock)";
  }
  auto opened = RefreshJournal::Open(dir.path, begin.instance_uuid);
  REQUIRE(opened.ok());
  REQUIRE((*opened)->Record(JournalStep::kLocked).ok());
  auto reread = RefreshJournal::Open(dir.path + "/", begin.instance_uuid);  // still locked by `opened`
  CHECK(!reread.ok());
  opened->reset();
  reread = RefreshJournal::Open(dir.path, begin.instance_uuid);
  REQUIRE(reread.ok());
  CHECK((*reread)->state().steps == std::vector<JournalStep>{JournalStep::kLocked});
}

TEST_CASE("RefreshJournal: a record synced with the next one is written at once; only kNow records sync") {
  TempDir dir;
  const JournalBegin begin = SampleBegin();
  agent::PeerTime syncs;
  {
    auto journal = RefreshJournal::Create(dir.path, begin, &syncs);
    REQUIRE(journal.ok());
    CHECK(syncs.calls == 2);  // the begin line and the directory entry
    REQUIRE(journal->Record(JournalStep::kActionStarted, std::nullopt, RefreshJournal::Sync::kWithNextRecord).ok());
    CHECK(syncs.calls == 2);
    REQUIRE(journal->Record(JournalStep::kCreatingAttachment).ok());
    CHECK(syncs.calls == 3);
    REQUIRE(journal->Record(JournalStep::kAttachmentCreated, "new-id", RefreshJournal::Sync::kWithNextRecord).ok());
    CHECK(syncs.calls == 3);
  }  // closed without a later record, as after a crash of the process
  auto reopened = RefreshJournal::Open(dir.path, begin.instance_uuid);
  REQUIRE(reopened.ok());
  REQUIRE(reopened->has_value());
  CHECK((*reopened)->state().steps == std::vector<JournalStep>{JournalStep::kActionStarted,
                                                               JournalStep::kCreatingAttachment,
                                                               JournalStep::kAttachmentCreated});
  CHECK((*reopened)->state().new_attachment_id == std::optional<std::string>("new-id"));
}

TEST_CASE("ParseJournal: limits (issue 9): depth, line size, duplicate keys, the begin line's connector") {
  const std::string begin = agent::refresh::EncodeJournalLine(SampleBegin());
  auto corrupt = [](const std::string& text) {
    auto parsed = agent::refresh::ParseJournal(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code() == base::Code::kCorrupt);
    return parsed.error().message();
  };
  SUBCASE("300,000 '[' on a line: refused, not a stack overflow") {
    CHECK(corrupt(std::string(300000, '[') + "\n") ==
          "journal line 1 is not valid JSON (nested deeper than 64 levels at offset 64)");
    CHECK(corrupt(begin + std::string(300000, '[') + "\n") ==
          "journal line 2 is not valid JSON (nested deeper than 64 levels at offset 64)");
  }
  SUBCASE("a line longer than kMaxJournalLineBytes") {
    const std::string huge = R"({"step":"locked","value":")" + std::string(agent::input::kMaxJournalLineBytes, 'x') + "\"}\n";
    CHECK(corrupt(begin + huge) == "journal line 2 is not valid JSON (larger than " +
                                       std::to_string(agent::input::kMaxJournalLineBytes) + " bytes)");
  }
  SUBCASE("a key twice in a line") {
    CHECK(corrupt(begin + R"({"step":"locked","step":"unlocked"})" "\n") ==
          "journal line 2 is not valid JSON (key \"step\" appears twice in the top-level object)");
  }
  SUBCASE("a begin line whose connector holds a key twice (recovery would send it to Cinder)") {
    JournalBegin twice = SampleBegin();
    twice.connector_json = R"({"host":"compute1","host":"other"})";
    CHECK(corrupt(agent::refresh::EncodeJournalLine(twice)) ==
          "journal begin line: the connector is not valid JSON (key \"host\" appears twice in the top-level object)");
    twice.connector_json = "[1]";
    CHECK(corrupt(agent::refresh::EncodeJournalLine(twice)) == "journal begin line: the connector is not a JSON object");
  }
  SUBCASE("the whole journal over kMaxJournalBytes") {
    CHECK(corrupt(std::string(agent::input::kMaxJournalBytes + 1, '\n')) ==
          "journal larger than " + std::to_string(agent::input::kMaxJournalBytes) + " bytes");
  }
}

TEST_CASE("RefreshJournal: what is not a regular file is neither listed nor waited on (issue 9)") {
  TempDir dir;
  const std::string uuid = SampleBegin().instance_uuid;
  const std::string fifo = dir.path + "/" + uuid + ".journal";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::filesystem::create_directory(dir.path + "/0f3c8a52-0000-4b8e-9d1c-3b1f9c1f6e01.journal");
  auto listed = RefreshJournal::List(dir.path);
  REQUIRE(listed.ok());
  CHECK(listed->empty());
  auto opened = test::FinishesWithin(std::chrono::seconds(10), "RefreshJournal::Open(FIFO)",
                                     [&] { return RefreshJournal::Open(dir.path, uuid); });
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().code() == base::Code::kCorrupt);
  CHECK(opened.error().message() == "journal " + fifo + ": is a FIFO, not a regular file");
  auto directory = RefreshJournal::Open(dir.path, "0f3c8a52-0000-4b8e-9d1c-3b1f9c1f6e01");
  CHECK(directory.error().code() == base::Code::kCorrupt);
  CHECK(directory.error().message().ends_with(".journal: is a directory"));
}
