#include "agent/refresh/journal.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <doctest/doctest.h>

#include "agent/input/limits.h"
#include "tests/support/finishes_within.h"
#include "tests/support/temp_dir.h"

namespace {

using agent::refresh::JournalBegin;
using agent::refresh::JournalStep;
using agent::refresh::RefreshJournal;

using test::TempDir;

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
    auto journal = RefreshJournal::Create(dir.path() + "/state", begin);
    REQUIRE(journal.ok());
    REQUIRE(journal->Record(JournalStep::kLocked).ok());
    REQUIRE(journal->Record(JournalStep::kCreatingAttachment).ok());
    REQUIRE(journal->Record(JournalStep::kAttachmentCreated, "new-id").ok());
    struct stat info;
    REQUIRE(::stat(journal->path().c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    REQUIRE(::stat((dir.path() + "/state").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);
  }
  auto listed = RefreshJournal::List(dir.path() + "/state");
  REQUIRE(listed.ok());
  CHECK(*listed == std::vector<std::string>{begin.instance_uuid});

  auto reopened = RefreshJournal::Open(dir.path() + "/state", begin.instance_uuid);
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
  CHECK(RefreshJournal::List(dir.path() + "/state")->empty());
}

TEST_CASE("RefreshJournal: a refresh under a batch unit's lock keeps its scope; older journals have none") {
  TempDir dir;
  using agent::refresh::LockScope;
  for (LockScope scope : {LockScope::kUnitTakes, LockScope::kUnitHeld, LockScope::kRefresh}) {
    JournalBegin begin = SampleBegin();
    begin.lock_scope = scope;
    {
      auto journal = RefreshJournal::Create(dir.path() + "/state", begin);
      REQUIRE(journal.ok());
    }
    const std::string path = dir.path() + "/state/" + begin.instance_uuid + ".journal";
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK((text.find("\"lock_scope\"") == std::string::npos) == (scope == LockScope::kRefresh));
    auto reopened = RefreshJournal::Open(dir.path() + "/state", begin.instance_uuid);
    REQUIRE(reopened.ok());
    REQUIRE(reopened->has_value());
    CHECK((*reopened)->state().begin.lock_scope == scope);
    REQUIRE((*reopened)->Remove().ok());
  }
  // A scope this version does not know is not guessed at.
  std::string line = agent::refresh::EncodeJournalLine(SampleBegin());
  line.insert(line.find("\"pid\""), "\"lock_scope\":\"cell\",");
  auto parsed = agent::refresh::ParseJournal(line);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code() == base::Code::kCorrupt);
}

TEST_CASE("RefreshJournal: one owner at a time") {
  TempDir dir;
  auto first = RefreshJournal::Create(dir.path(), SampleBegin());
  REQUIRE(first.ok());
  auto second = RefreshJournal::Create(dir.path(), SampleBegin());
  CHECK(second.error().code() == base::Code::kFailedPrecondition);
  auto opened = RefreshJournal::Open(dir.path(), SampleBegin().instance_uuid);  // flock is per open file
  CHECK(opened.error().code() == base::Code::kFailedPrecondition);
  CHECK(opened.error().message().find("another bdm-agent") != std::string::npos);
}

TEST_CASE("RefreshJournal: no journal is not an error") {
  TempDir dir;
  auto opened = RefreshJournal::Open(dir.path(), "5b0e6f1c-0000-4000-8000-000000000000");
  REQUIRE(opened.ok());
  CHECK(!opened->has_value());
  CHECK(RefreshJournal::List(dir.path() + "/missing")->empty());
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
  const std::string path = dir.path() + "/" + begin.instance_uuid + ".journal";
  {
    std::ofstream file(path);
    file << agent::refresh::EncodeJournalLine(begin) << R"({"step":"lock)";
  }
  auto opened = RefreshJournal::Open(dir.path(), begin.instance_uuid);
  REQUIRE(opened.ok());
  REQUIRE((*opened)->Record(JournalStep::kLocked).ok());
  auto reread = RefreshJournal::Open(dir.path() + "/", begin.instance_uuid);  // still locked by `opened`
  CHECK(!reread.ok());
  opened->reset();
  reread = RefreshJournal::Open(dir.path(), begin.instance_uuid);
  REQUIRE(reread.ok());
  CHECK((*reread)->state().steps == std::vector<JournalStep>{JournalStep::kLocked});
}

TEST_CASE("RefreshJournal: a record synced with the next one is written at once; only kNow records sync") {
  TempDir dir;
  const JournalBegin begin = SampleBegin();
  agent::PeerTime syncs;
  {
    auto journal = RefreshJournal::Create(dir.path(), begin, &syncs);
    REQUIRE(journal.ok());
    CHECK(syncs.calls == 2);  // the begin line and the directory entry
    REQUIRE(journal->Record(JournalStep::kActionStarted, std::nullopt, RefreshJournal::Sync::kWithNextRecord).ok());
    CHECK(syncs.calls == 2);
    REQUIRE(journal->Record(JournalStep::kCreatingAttachment).ok());
    CHECK(syncs.calls == 3);
    REQUIRE(journal->Record(JournalStep::kAttachmentCreated, "new-id", RefreshJournal::Sync::kWithNextRecord).ok());
    CHECK(syncs.calls == 3);
  }  // closed without a later record, as after a crash of the process
  auto reopened = RefreshJournal::Open(dir.path(), begin.instance_uuid);
  REQUIRE(reopened.ok());
  REQUIRE(reopened->has_value());
  CHECK((*reopened)->state().steps == std::vector<JournalStep>{JournalStep::kActionStarted,
                                                               JournalStep::kCreatingAttachment,
                                                               JournalStep::kAttachmentCreated});
  CHECK((*reopened)->state().new_attachment_id == std::optional<std::string>("new-id"));
}

TEST_CASE("RefreshJournal: an instance id that is not a uuid never becomes a path") {
  TempDir dir;
  const std::string state = dir.path() + "/a/b";
  REQUIRE(std::filesystem::create_directories(state));
  std::ofstream(dir.path() + "/x.journal") << agent::refresh::EncodeJournalLine(SampleBegin()) << "{\"step\":\"lo";
  for (const char* id : {"../../x", "../x", "x", "", "0F3C8A52-51D5-4B8E-9D1C-3B1F9C1F6E0", "/etc/passwd",
                         "0f3c8a52-51d5-4b8e-9d1c-3b1f9c1f6e01/", "0f3c8a52x51d5-4b8e-9d1c-3b1f9c1f6e01"}) {
    CAPTURE(id);
    CHECK_FALSE(agent::refresh::IsCanonicalUuid(id));
    for (auto mode : {RefreshJournal::Mode::kWrite, RefreshJournal::Mode::kReadOnly}) {
      auto opened = RefreshJournal::Open(state, id, mode);
      REQUIRE_FALSE(opened.ok());
      CHECK(opened.error().code() == base::Code::kInvalidInput);
    }
    JournalBegin begin = SampleBegin();
    begin.instance_uuid = id;
    CHECK(RefreshJournal::Create(state, begin).error().code() == base::Code::kInvalidInput);
  }
  CHECK(std::filesystem::file_size(dir.path() + "/x.journal") ==
        agent::refresh::EncodeJournalLine(SampleBegin()).size() + 11);  // the torn line is still there
  CHECK(agent::refresh::IsCanonicalUuid("0F3C8A52-51D5-4B8E-9D1C-3B1F9C1F6E01"));
  std::ofstream(state + "/not-a-uuid.journal") << "x\n";
  CHECK(RefreshJournal::List(state)->empty());
}

TEST_CASE("RefreshJournal: a read-only open (dry run) changes nothing and shares the lock") {
  TempDir dir;
  const JournalBegin begin = SampleBegin();
  const std::string path = dir.path() + "/" + begin.instance_uuid + ".journal";
  const std::string text = agent::refresh::EncodeJournalLine(begin) + R"({"step":"lock)";
  std::ofstream(path) << text;
  {
    auto first = RefreshJournal::Open(dir.path(), begin.instance_uuid, RefreshJournal::Mode::kReadOnly);
    REQUIRE(first.ok());
    REQUIRE(first->has_value());
    auto second = RefreshJournal::Open(dir.path(), begin.instance_uuid, RefreshJournal::Mode::kReadOnly);
    CHECK(second.ok());
    auto writer = RefreshJournal::Open(dir.path(), begin.instance_uuid);
    CHECK(writer.error().code() == base::Code::kFailedPrecondition);
    CHECK_THROWS_AS((void)(*first)->Record(JournalStep::kLocked), std::logic_error);
    CHECK_THROWS_AS((void)(*first)->Remove(), std::logic_error);
  }
  CHECK(std::filesystem::file_size(path) == text.size());  // the torn last line is kept
  auto writer = RefreshJournal::Open(dir.path(), begin.instance_uuid);
  REQUIRE(writer.ok());
  auto reader = RefreshJournal::Open(dir.path(), begin.instance_uuid, RefreshJournal::Mode::kReadOnly);
  CHECK(reader.error().code() == base::Code::kFailedPrecondition);
}

TEST_CASE("PrepareStateDir / CheckStateDir: use a safe dir as it is, refuse an unsafe one, never chmod") {
  TempDir dir;
  const auto mode_of = [](const std::string& path) {
    struct stat info;
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
  };
  SUBCASE("a missing dir is created 0700; a dry-run check creates nothing") {
    const std::string state = dir.path() + "/new/state";
    CHECK(agent::refresh::CheckStateDir(state).ok());
    CHECK(agent::refresh::CheckStateDirForReading(state).ok());
    CHECK_FALSE(std::filesystem::exists(dir.path() + "/new"));
    REQUIRE(agent::refresh::PrepareStateDir(state).ok());
    CHECK(mode_of(state) == 0700);
  }
  SUBCASE("an existing safe dir keeps its mode") {
    const std::string state = dir.path() + "/state";
    REQUIRE(::mkdir(state.c_str(), 0755) == 0);
    REQUIRE(::chmod(state.c_str(), 0755) == 0);
    CHECK(agent::refresh::PrepareStateDir(state).ok());
    CHECK(agent::refresh::CheckStateDir(state).ok());
    CHECK(mode_of(state) == 0755);
  }
  SUBCASE("group- or world-writable dirs, also behind a symlink, are refused and left alone") {
    const std::string world = dir.path() + "/world", group = dir.path() + "/group", link = dir.path() + "/link";
    REQUIRE(::mkdir(world.c_str(), 0700) == 0);
    REQUIRE(::chmod(world.c_str(), 01777) == 0);
    REQUIRE(::mkdir(group.c_str(), 0700) == 0);
    REQUIRE(::chmod(group.c_str(), 0770) == 0);
    REQUIRE(::symlink(world.c_str(), link.c_str()) == 0);
    for (const std::string& state : {world, group, link}) {
      CAPTURE(state);
      for (const base::Status& status : {agent::refresh::PrepareStateDir(state), agent::refresh::CheckStateDir(state),
                                         agent::refresh::CheckStateDirForReading(state)}) {
        CHECK(status.code() == base::Code::kInvalidInput);
        CHECK(status.message().find("writable by group or others") != std::string::npos);
      }
      JournalBegin begin = SampleBegin();
      CHECK(RefreshJournal::Create(state, begin).error().code() == base::Code::kInvalidInput);
    }
    CHECK(mode_of(world) == 01777);
    CHECK(mode_of(group) == 0770);
    CHECK(std::filesystem::is_empty(world));
  }
  SUBCASE("a dir owned by someone else, or a regular file, is refused") {
    const std::string other = dir.path() + "/other", file = dir.path() + "/file";
    REQUIRE(::mkdir(other.c_str(), 0700) == 0);
    if (::geteuid() == 0) {
      REQUIRE(::chown(other.c_str(), 4242, 4242) == 0);
      CHECK(agent::refresh::PrepareStateDir(other).message().find("owned by uid 4242") != std::string::npos);
    }
    std::ofstream(file) << "x";
    for (const base::Status& status : {agent::refresh::PrepareStateDir(file), agent::refresh::CheckStateDir(file),
                                       agent::refresh::CheckStateDirForReading(file),
                                       agent::refresh::CheckStateDir(file + "/below")}) {
      CHECK(status.code() == base::Code::kInvalidInput);
    }
    CHECK(std::filesystem::file_size(file) == 1);
  }
}

TEST_CASE("ParseJournal: creating_attachment carries when Cinder settles the create; create_refused") {
  const std::string begin = agent::refresh::EncodeJournalLine(SampleBegin());
  auto state = agent::refresh::ParseJournal(
      begin + agent::refresh::EncodeJournalLine(JournalStep::kCreatingAttachment, "1764750000"));
  REQUIRE(state.ok());
  CHECK(state->create_settles_by == std::optional<std::int64_t>(1764750000));
  CHECK_FALSE(state->Reached(JournalStep::kCreateRefused));
  for (const char* value : {"", "soon", "-5", "12345678901234567890"}) {
    CAPTURE(value);
    state = agent::refresh::ParseJournal(begin + agent::refresh::EncodeJournalLine(JournalStep::kCreatingAttachment,
                                                                                   std::string_view(value)));
    REQUIRE(state.ok());
    CHECK_FALSE(state->create_settles_by.has_value());
  }
  state = agent::refresh::ParseJournal(begin + R"({"step":"creating_attachment"})" "\n" +
                                       agent::refresh::EncodeJournalLine(JournalStep::kCreateRefused, std::nullopt));
  REQUIRE(state.ok());
  CHECK_FALSE(state->create_settles_by.has_value());  // a journal of an older version
  CHECK(state->Reached(JournalStep::kCreateRefused));
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
  const std::string fifo = dir.path() + "/" + uuid + ".journal";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::filesystem::create_directory(dir.path() + "/0f3c8a52-0000-4b8e-9d1c-3b1f9c1f6e01.journal");
  auto listed = RefreshJournal::List(dir.path());
  REQUIRE(listed.ok());
  CHECK(listed->empty());
  auto opened = test::FinishesWithin(std::chrono::seconds(10), "RefreshJournal::Open(FIFO)",
                                     [&] { return RefreshJournal::Open(dir.path(), uuid); });
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().code() == base::Code::kCorrupt);
  CHECK(opened.error().message() == "journal " + fifo + ": is a FIFO, not a regular file");
  auto directory = RefreshJournal::Open(dir.path(), "0f3c8a52-0000-4b8e-9d1c-3b1f9c1f6e01");
  CHECK(directory.error().code() == base::Code::kCorrupt);
  CHECK(directory.error().message().ends_with(".journal: is a directory"));
}
