#include "agent/fleet/run_journal.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/finishes_within.h"
#include "tests/support/temp_dir.h"

namespace {

using agent::fleet::BdmProgress;
using agent::fleet::IsRunId;
using agent::fleet::NewRunId;
using agent::fleet::PlannedBdm;
using agent::fleet::RunHeader;
using agent::fleet::RunJournal;
using test::TempDir;

const std::string kRunId = "20261203-160102-0badf00d";

RunHeader Header() {
  RunHeader h;
  h.run_id = kRunId;
  h.created = 1796400000;
  h.selection = "--host compute1";
  h.workers = 8;
  h.per_host = 2;
  h.connector_dir = "/etc/bdm-agent/connectors";
  h.allowed_hypervisor_types = {"fake", "qemu"};
  return h;
}

std::vector<PlannedBdm> Plan(int n) {
  std::vector<PlannedBdm> plan;
  for (int i = 0; i < n; ++i) {
    PlannedBdm b;
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "0f3c8a52-51d5-4b8e-9d1c-%012d", i / 2);  // two BDMs per instance
    b.instance_uuid = uuid;
    b.volume_id = "vol-" + std::to_string(i);
    b.bdm_id = 100 + i;
    if (i % 3 != 0) b.bdm_uuid = "bdm-" + std::to_string(i);
    if (i % 2 == 0) b.cell = "cell1";
    b.host = i % 2 ? "compute2" : "compute1";
    if (i != 1) b.attachment_id = "att-" + std::to_string(i);
    b.reason = "stale";
    plan.push_back(b);
  }
  return plan;
}

std::string RunFile(const TempDir& dir) { return dir.path() + "/state/runs/" + kRunId + ".run"; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_CASE("run ids: made from the time, checked before they become paths") {
  CHECK(NewRunId(1796400000, 0x0badf00d) == "20261204-160000-0badf00d");
  CHECK(IsRunId(kRunId));
  CHECK_FALSE(IsRunId(""));
  CHECK_FALSE(IsRunId("../../etc/passwd"));
  CHECK_FALSE(IsRunId("20261203-160102-0BADF00D"));
  CHECK_FALSE(IsRunId("20261203-160102-0badf00d/"));
  CHECK_FALSE(IsRunId("20261203_160102-0badf00d"));
}

TEST_CASE("a run journal reads back its plan and each BDM's progress") {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  const auto plan = Plan(5);
  {
    auto run = RunJournal::Create(state, Header(), plan);
    REQUIRE(run.ok());
    REQUIRE(run->RecordStart(0).ok());
    REQUIRE(run->RecordEnd(0, "refreshed", 0, "").ok());
    REQUIRE(run->RecordStart(3).ok());
    REQUIRE(run->RecordStart(1).ok());
    REQUIRE(run->RecordEnd(1, "skipped", 9, "instance \x1b[31mlocked\n").ok());
    CHECK(run->state().bdms[3].progress == BdmProgress::kStarted);
  }
  struct stat info;
  REQUIRE(::stat(RunFile(dir).c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  REQUIRE(::stat((state + "/runs").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0700);

  auto run = RunJournal::Open(state, kRunId);
  REQUIRE(run.ok());
  const auto& s = run->state();
  CHECK(s.header.selection == "--host compute1");
  CHECK(s.header.workers == 8);
  CHECK(s.header.per_host == 2);
  CHECK(s.header.connector_dir == std::optional<std::string>("/etc/bdm-agent/connectors"));
  CHECK(s.header.allowed_hypervisor_types == std::vector<std::string>{"fake", "qemu"});
  CHECK_FALSE(s.header.via_rpc);
  REQUIRE(s.bdms.size() == 5);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    CHECK(s.bdms[i].plan.instance_uuid == plan[i].instance_uuid);
    CHECK(s.bdms[i].plan.bdm_uuid == plan[i].bdm_uuid);
    CHECK(s.bdms[i].plan.cell == plan[i].cell);
    CHECK(s.bdms[i].plan.attachment_id == plan[i].attachment_id);
    CHECK(s.bdms[i].plan.host == plan[i].host);
    CHECK(s.bdms[i].plan.bdm_id == plan[i].bdm_id);
  }
  CHECK(s.bdms[0].progress == BdmProgress::kEnded);
  CHECK(s.bdms[0].outcome == "refreshed");
  CHECK(s.bdms[1].exit_code == 9);
  CHECK(s.bdms[1].detail == "instance \\x1b[31mlocked\\x0a");  // inert, and valid JSON in the file
  CHECK(s.bdms[2].progress == BdmProgress::kNotStarted);
  CHECK(s.bdms[3].progress == BdmProgress::kStarted);
  CHECK_FALSE(s.closed_complete);
  REQUIRE(run->Close(false, 1796400100).ok());
}

TEST_CASE("a unit's lock is recorded before the refresh that takes it, and when it is let go") {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  {
    auto run = RunJournal::Create(state, Header(), Plan(4));
    REQUIRE(run.ok());
    REQUIRE(run->RecordUnitLock(0, "Refreshing ... run A.", "req-unlock-0").ok());
    REQUIRE(run->RecordStart(0).ok());
    REQUIRE(run->RecordUnitLock(2, "Refreshing \"the\" other", "req-unlock-2").ok());
    REQUIRE(run->RecordStart(2).ok());
    REQUIRE(run->RecordUnitUnlocked(0).ok());
    REQUIRE(run->state().unit_locks.size() == 2);
    CHECK(run->state().unit_locks[0].released);
    CHECK_FALSE(run->state().unit_locks[1].released);
    CHECK_THROWS_AS((void)run->RecordUnitLock(4, "r", "u"), std::out_of_range);
  }
  auto run = RunJournal::Open(state, kRunId);
  REQUIRE(run.ok());
  const auto& locks = run->state().unit_locks;
  REQUIRE(locks.size() == 2);
  CHECK(locks[0].index == 0);
  CHECK(locks[0].reason == "Refreshing ... run A.");
  CHECK(locks[0].unlock_request_id == "req-unlock-0");
  CHECK(locks[0].released);
  CHECK(locks[1].index == 2);
  CHECK(locks[1].reason == "Refreshing \"the\" other");
  CHECK_FALSE(locks[1].released);
}

TEST_CASE("a run cast to the serve agents keeps --via-rpc and its timeouts for resume") {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  RunHeader header = Header();
  header.via_rpc = RunHeader::ViaRpc{600, 90};
  REQUIRE(RunJournal::Create(state, header, Plan(1)).ok());
  auto run = RunJournal::Open(state, kRunId);
  REQUIRE(run.ok());
  REQUIRE(run->state().header.via_rpc);
  CHECK(run->state().header.via_rpc->outcome_timeout_s == 600);
  CHECK(run->state().header.via_rpc->takeover_after_s == 90);
  for (const char* bad : {R"("via_rpc":[1])", R"("via_rpc":{"outcome_timeout":600})",
                          R"("via_rpc":{"outcome_timeout":0,"takeover_after":90})"}) {
    CAPTURE(bad);
    std::string text = agent::fleet::EncodeRunPlan(Header(), Plan(1));
    text.insert(text.find('}'), std::string(",") + bad);
    CHECK(agent::fleet::ParseRunJournal(text).error().code() == base::Code::kCorrupt);
  }
}

TEST_CASE("a run is worked on by one process: a second open or create is refused") {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  auto first = RunJournal::Create(state, Header(), Plan(2));
  REQUIRE(first.ok());
  auto again = RunJournal::Create(state, Header(), Plan(2));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code() == base::Code::kFailedPrecondition);
  auto open = RunJournal::Open(state, kRunId);
  REQUIRE_FALSE(open.ok());
  CHECK(open.error().code() == base::Code::kFailedPrecondition);
  CHECK(RunJournal::Open(state, "20261203-160102-00000000").error().IsNotFound());
  CHECK(RunJournal::Open(state, "../x").error().code() == base::Code::kInvalidInput);
}

TEST_CASE("a torn last line is ignored and cut off, so the next line starts clean") {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  {
    auto run = RunJournal::Create(state, Header(), Plan(3));
    REQUIRE(run.ok());
    REQUIRE(run->RecordStart(2).ok());
  }
  std::ofstream(RunFile(dir), std::ios::app) << "{\"end\":2,\"outc";
  {
    auto run = RunJournal::Open(state, kRunId);
    REQUIRE(run.ok());
    CHECK(run->state().bdms[2].progress == BdmProgress::kStarted);
    REQUIRE(run->RecordEnd(2, "refreshed", 0, "").ok());
  }
  auto run = RunJournal::Open(state, kRunId);
  REQUIRE(run.ok());
  CHECK(run->state().bdms[2].progress == BdmProgress::kEnded);
}

TEST_CASE("Inspect reads a run without taking it: in use while a process works on it, nothing written") {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  {
    auto run = RunJournal::Create(state, Header(), Plan(3));
    REQUIRE(run.ok());
    REQUIRE(run->RecordStart(0).ok());
    REQUIRE(run->RecordEnd(0, "refreshed", 0, "").ok());
    REQUIRE(run->RecordStart(1).ok());
    auto busy = RunJournal::Inspect(state, kRunId);
    REQUIRE(busy.ok());
    CHECK(busy->in_use);
    CHECK(busy->state.bdms[1].progress == BdmProgress::kStarted);
  }
  std::ofstream(RunFile(dir), std::ios::app) << "{\"end\":1,\"outc";
  const std::string before = ReadFile(RunFile(dir));
  auto idle = RunJournal::Inspect(state, kRunId);
  REQUIRE(idle.ok());
  CHECK_FALSE(idle->in_use);
  CHECK(idle->state.bdms[0].progress == BdmProgress::kEnded);
  CHECK(idle->state.bdms[1].progress == BdmProgress::kStarted);
  CHECK(idle->state.bdms[2].progress == BdmProgress::kNotStarted);
  CHECK(ReadFile(RunFile(dir)) == before);  // the torn line is left for the run's next Open to cut
  CHECK(RunJournal::Open(state, kRunId).ok());  // and Inspect left no lock behind
  CHECK(RunJournal::Inspect(state, "20261203-160102-00000000").error().IsNotFound());
}

TEST_CASE("a run journal bdm-agent did not write is refused as corrupt") {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  std::string text;
  {
    auto run = RunJournal::Create(state, Header(), Plan(2));
    REQUIRE(run.ok());
    text = ReadFile(run->path());
  }
  auto corrupt = [&](const std::string& replaced, const char* expected) {
    std::ofstream(RunFile(dir), std::ios::trunc | std::ios::binary) << replaced;
    auto run = RunJournal::Open(state, kRunId);
    REQUIRE_FALSE(run.ok());
    CHECK(run.error().code() == base::Code::kCorrupt);
    CHECK_MESSAGE(run.error().message().find(expected) != std::string::npos, run.error().message());
  };
  const std::size_t planned = text.find("{\"planned\"");
  corrupt(text.substr(0, planned), "plan is incomplete");
  corrupt(text + "{\"start\":2}\n", "index outside the plan");
  corrupt(text + "{\"start\":-1}\n", "index outside the plan");
  corrupt(text + "{\"what\":1}\n", "unknown line");
  corrupt(text + "{\"unit_lock\":2,\"reason\":\"r\",\"unlock\":\"u\"}\n", "index outside the plan");
  corrupt(text + "{\"unit_lock\":0,\"unlock\":\"u\"}\n", "reason");
  corrupt(text + "{\"unit_unlocked\":5}\n", "index outside the plan");
  corrupt(text + "[1]\n", "not a JSON object");
  corrupt(text + "{\"start\":0,\"start\":1}\n", "twice");
  std::string other_format = text;
  other_format.replace(other_format.find("\"format\":1"), 10, "\"format\":2");
  corrupt(other_format, "format 2");
  std::string other_id = text;
  other_id.replace(other_id.find(kRunId), kRunId.size(), "20261203-160102-ffffffff");
  corrupt(other_id, "holds run");
  corrupt("", "empty");
}

TEST_CASE("a FIFO in the place of a run journal is refused, never waited on") {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  std::filesystem::create_directories(state + "/runs");
  ::chmod(state.c_str(), 0700);
  REQUIRE(::mkfifo(RunFile(dir).c_str(), 0600) == 0);
  auto run = test::FinishesWithin(std::chrono::seconds(10), "RunJournal::Open on a FIFO",
                                  [&] { return RunJournal::Open(state, kRunId); });
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().code() == base::Code::kCorrupt);
}

TEST_CASE("List gives the runs oldest first and skips what is not a run") {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  CHECK(RunJournal::List(state)->empty());
  RunHeader later = Header();
  later.run_id = "20261204-000000-00000001";
  REQUIRE(RunJournal::Create(state, later, Plan(1)).ok());
  REQUIRE(RunJournal::Create(state, Header(), Plan(1)).ok());
  dir.Write("state/runs/notes.run", "x");
  dir.Write("state/runs/20261203-160102-0badf00d.run.bak", "x");
  std::filesystem::create_directories(state + "/runs/20261205-000000-00000002.run");
  auto ids = RunJournal::List(state);
  REQUIRE(ids.ok());
  CHECK(*ids == std::vector<std::string>{kRunId, later.run_id});
}

}  // namespace
