#include "agent/fleet/run_journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/input/bounded_json.h"
#include "agent/input/regular_file.h"
#include "agent/rapidjson_strings.h"
#include "agent/refresh/journal.h"
#include "agent/refresh/journal_file.h"
#include "agent/terminal_text.h"

namespace agent::fleet {
namespace {

constexpr std::string_view kSuffix = ".run";
constexpr int kFormatVersion = 1;

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void PutInt(Writer& w, std::string_view key, std::int64_t value) {
  WriteJsonKey(w, key);
  w.Int64(value);
}

std::string Finish(rapidjson::StringBuffer& buffer) { return std::string(buffer.GetString(), buffer.GetSize()) + "\n"; }

// An outcome's detail as the journal keeps it: control characters and bytes
// that are not UTF-8 escaped (the journal must read back as valid JSON), at
// most kMaxDetailBytes, cut between characters.
constexpr std::size_t kMaxDetailBytes = 4096;
std::string JournalDetail(std::string_view detail) {
  std::string text = EscapeControls(detail);
  if (text.size() <= kMaxDetailBytes) return text;
  std::size_t cut = kMaxDetailBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text;
}

std::string RunsDir(const std::string& state_dir) { return state_dir + "/runs"; }

base::Result<std::string> RunPath(const std::string& state_dir, std::string_view run_id) {
  if (!IsRunId(run_id)) return base::Status::InvalidInput("'" + std::string(run_id) + "' is not a run id");
  return RunsDir(state_dir) + "/" + std::string(run_id) + std::string(kSuffix);
}

const rapidjson::Value* Member(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> StringMember(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* v = Member(object, key);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string(JsonStringView(*v));
}

std::optional<std::int64_t> IntMember(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* v = Member(object, key);
  if (v == nullptr || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

// Reads a line's JSON object; the messages say which line.
class LineParser {
 public:
  explicit LineParser(std::size_t number) : number_(number) {}

  base::Status Corrupt(std::string_view what) const {
    return base::Status::Corrupt("run journal line " + std::to_string(number_) + ": " + std::string(what));
  }

  base::Result<std::string> Required(const rapidjson::Value& line, const char* key) const {
    auto value = StringMember(line, key);
    if (!value) return Corrupt(std::string("no '") + key + "'");
    return std::move(*value);
  }

  base::Result<std::int64_t> RequiredInt(const rapidjson::Value& line, const char* key) const {
    auto value = IntMember(line, key);
    if (!value) return Corrupt(std::string("no integer '") + key + "'");
    return *value;
  }

  // An index into a plan of `size` BDMs.
  base::Result<std::size_t> Index(const rapidjson::Value& line, const char* key, std::size_t size) const {
    BASE_TRY_ASSIGN(const std::int64_t i, RequiredInt(line, key));
    if (i < 0 || static_cast<std::uint64_t>(i) >= size) return Corrupt("index outside the plan");
    return static_cast<std::size_t>(i);
  }

 private:
  std::size_t number_;
};

base::Result<RunHeader> ParseHeader(const rapidjson::Value& line, const LineParser& p) {
  RunHeader h;
  BASE_TRY_ASSIGN(h.run_id, p.Required(line, "run"));
  if (!IsRunId(h.run_id)) return p.Corrupt("the run id is not one");
  BASE_TRY_ASSIGN(const std::int64_t format, p.RequiredInt(line, "format"));
  if (format != kFormatVersion) {
    return p.Corrupt("format " + std::to_string(format) + " (this bdm-agent reads format " +
                     std::to_string(kFormatVersion) + ")");
  }
  BASE_TRY_ASSIGN(h.created, p.RequiredInt(line, "created"));
  BASE_TRY_ASSIGN(h.selection, p.Required(line, "selection"));
  BASE_TRY_ASSIGN(const std::int64_t workers, p.RequiredInt(line, "workers"));
  BASE_TRY_ASSIGN(const std::int64_t per_host, p.RequiredInt(line, "per_host"));
  if (workers < 1 || workers > 1024 || per_host < 1 || per_host > 1024) return p.Corrupt("limits out of range");
  h.workers = static_cast<int>(workers);
  h.per_host = static_cast<int>(per_host);
  h.connector_dir = StringMember(line, "connector_dir");
  if (const rapidjson::Value* types = Member(line, "allowed_hypervisor_types")) {
    if (!types->IsArray()) return p.Corrupt("allowed_hypervisor_types is not a list");
    for (const rapidjson::Value& type : types->GetArray()) {
      if (!type.IsString()) return p.Corrupt("allowed_hypervisor_types holds a non-string");
      h.allowed_hypervisor_types.emplace_back(JsonStringView(type));
    }
  }
  if (const rapidjson::Value* via_rpc = Member(line, "via_rpc"); via_rpc != nullptr && !via_rpc->IsNull()) {
    if (!via_rpc->IsObject()) return p.Corrupt("via_rpc is not an object");
    RunHeader::ViaRpc v;
    BASE_TRY_ASSIGN(v.outcome_timeout_s, p.RequiredInt(*via_rpc, "outcome_timeout"));
    BASE_TRY_ASSIGN(v.takeover_after_s, p.RequiredInt(*via_rpc, "takeover_after"));
    if (v.outcome_timeout_s < 1 || v.outcome_timeout_s > 86400 || v.takeover_after_s < 1 || v.takeover_after_s > 86400) {
      return p.Corrupt("via_rpc timeouts out of range");
    }
    h.via_rpc = v;
  }
  return h;
}

base::Result<PlannedBdm> ParsePlanLine(const rapidjson::Value& line, const LineParser& p) {
  PlannedBdm b;
  BASE_TRY_ASSIGN(b.instance_uuid, p.Required(line, "instance"));
  if (!refresh::IsCanonicalUuid(b.instance_uuid)) return p.Corrupt("the instance is not a uuid");
  BASE_TRY_ASSIGN(b.volume_id, p.Required(line, "volume"));
  BASE_TRY_ASSIGN(b.bdm_id, p.RequiredInt(line, "bdm_id"));
  BASE_TRY_ASSIGN(b.host, p.Required(line, "host"));
  BASE_TRY_ASSIGN(b.reason, p.Required(line, "reason"));
  b.bdm_uuid = StringMember(line, "bdm_uuid");
  b.cell = StringMember(line, "cell");
  b.attachment_id = StringMember(line, "attachment");
  return b;
}

RunBdm NotStarted(PlannedBdm plan) {
  RunBdm bdm;
  bdm.plan = std::move(plan);
  return bdm;
}

}  // namespace

bool IsRunId(std::string_view text) {
  // YYYYMMDD-HHMMSS-xxxxxxxx
  if (text.size() != 24 || text[8] != '-' || text[15] != '-') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 15) continue;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool ok = i < 15 ? std::isdigit(c) != 0 : (std::isdigit(c) != 0 || (c >= 'a' && c <= 'f'));
    if (!ok) return false;
  }
  return true;
}

std::string NewRunId(std::int64_t unix_seconds, std::uint32_t random) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char id[80];
  std::snprintf(id, sizeof id, "%04d%02d%02d-%02d%02d%02d-%08x", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                utc.tm_hour, utc.tm_min, utc.tm_sec, random);
  return id;
}

std::string EncodeRunPlan(const RunHeader& h, const std::vector<PlannedBdm>& plan) {
  std::string text;
  {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    WriteJsonMember(w, "run", h.run_id);
    PutInt(w, "format", kFormatVersion);
    PutInt(w, "created", h.created);
    WriteJsonMember(w, "selection", h.selection);
    PutInt(w, "workers", h.workers);
    PutInt(w, "per_host", h.per_host);
    WriteJsonOptionalMember(w, "connector_dir", h.connector_dir);
    WriteJsonKey(w, "allowed_hypervisor_types");
    w.StartArray();
    for (const std::string& type : h.allowed_hypervisor_types) WriteJsonString(w, type);
    w.EndArray();
    if (h.via_rpc) {
      WriteJsonKey(w, "via_rpc");
      w.StartObject();
      PutInt(w, "outcome_timeout", h.via_rpc->outcome_timeout_s);
      PutInt(w, "takeover_after", h.via_rpc->takeover_after_s);
      w.EndObject();
    }
    w.EndObject();
    text += Finish(buffer);
  }
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const PlannedBdm& b = plan[i];
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    PutInt(w, "plan", static_cast<std::int64_t>(i));
    WriteJsonMember(w, "instance", b.instance_uuid);
    WriteJsonMember(w, "volume", b.volume_id);
    PutInt(w, "bdm_id", b.bdm_id);
    WriteJsonOptionalMember(w, "bdm_uuid", b.bdm_uuid);
    WriteJsonOptionalMember(w, "cell", b.cell);
    WriteJsonMember(w, "host", b.host);
    WriteJsonOptionalMember(w, "attachment", b.attachment_id);
    WriteJsonMember(w, "reason", b.reason);
    w.EndObject();
    text += Finish(buffer);
  }
  text += "{\"planned\":" + std::to_string(plan.size()) + "}\n";
  return text;
}

base::Result<RunState> ParseRunJournal(std::string_view text) {
  if (text.size() > input::kMaxRunJournalBytes) {
    return base::Status::Corrupt("run journal larger than " + std::to_string(input::kMaxRunJournalBytes) + " bytes");
  }
  RunState state;
  enum class Part { kHeader, kPlan, kRun } part = Part::kHeader;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) break;  // torn last line: never acted on
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    const LineParser p(++number);
    auto parsed = input::ParseBoundedJson(
        line, {input::kMaxRunJournalLineBytes, input::kMaxJsonDepth, input::DuplicateKeys::kRefuse});
    if (!parsed.ok()) return p.Corrupt("not valid JSON (" + parsed.error().message() + ")");
    const rapidjson::Document& doc = *parsed;
    if (!doc.IsObject()) return p.Corrupt("not a JSON object");
    if (part == Part::kHeader) {
      BASE_TRY_ASSIGN(state.header, ParseHeader(doc, p));
      part = Part::kPlan;
      continue;
    }
    if (part == Part::kPlan) {
      if (Member(doc, "planned") != nullptr) {
        BASE_TRY_ASSIGN(const std::int64_t n, p.RequiredInt(doc, "planned"));
        if (n < 0 || static_cast<std::uint64_t>(n) != state.bdms.size()) return p.Corrupt("the plan is incomplete");
        part = Part::kRun;
        continue;
      }
      BASE_TRY_ASSIGN(const std::int64_t i, p.RequiredInt(doc, "plan"));
      if (i < 0 || static_cast<std::uint64_t>(i) != state.bdms.size()) return p.Corrupt("plan lines out of order");
      BASE_TRY_ASSIGN(PlannedBdm bdm, ParsePlanLine(doc, p));
      state.bdms.push_back(NotStarted(std::move(bdm)));
      continue;
    }
    if (Member(doc, "start") != nullptr) {
      BASE_TRY_ASSIGN(const std::size_t i, p.Index(doc, "start", state.bdms.size()));
      if (state.bdms[i].progress == BdmProgress::kNotStarted) state.bdms[i].progress = BdmProgress::kStarted;
    } else if (Member(doc, "end") != nullptr) {
      BASE_TRY_ASSIGN(const std::size_t i, p.Index(doc, "end", state.bdms.size()));
      RunBdm& bdm = state.bdms[i];
      BASE_TRY_ASSIGN(bdm.outcome, p.Required(doc, "outcome"));
      BASE_TRY_ASSIGN(const std::int64_t code, p.RequiredInt(doc, "exit"));
      if (code < 0 || code > 255) return p.Corrupt("exit code out of range");
      bdm.exit_code = static_cast<int>(code);
      bdm.detail = StringMember(doc, "detail").value_or("");
      bdm.progress = BdmProgress::kEnded;
    } else if (Member(doc, "unit_lock") != nullptr) {
      UnitLockRecord record;
      BASE_TRY_ASSIGN(record.index, p.Index(doc, "unit_lock", state.bdms.size()));
      BASE_TRY_ASSIGN(record.reason, p.Required(doc, "reason"));
      BASE_TRY_ASSIGN(record.unlock_request_id, p.Required(doc, "unlock"));
      state.unit_locks.push_back(std::move(record));
    } else if (Member(doc, "unit_unlocked") != nullptr) {
      BASE_TRY_ASSIGN(const std::size_t i, p.Index(doc, "unit_unlocked", state.bdms.size()));
      for (UnitLockRecord& record : state.unit_locks) {
        if (record.index == i) record.released = true;
      }
    } else if (Member(doc, "closed") != nullptr) {
      const rapidjson::Value* complete = Member(doc, "complete");
      state.closed_complete = complete != nullptr && complete->IsBool() && complete->GetBool();
    } else {
      return p.Corrupt("unknown line");
    }
  }
  if (part == Part::kHeader) return base::Status::Corrupt("run journal is empty");
  if (part == Part::kPlan) return base::Status::Corrupt("run journal's plan is incomplete");
  return state;
}

RunJournal::RunJournal(std::string path, base::UniqueFd fd, RunState state)
    : path_(std::move(path)), fd_(std::move(fd)), state_(std::move(state)) {}

RunJournal::RunJournal(RunJournal&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::move(other.fd_)), state_(std::move(other.state_)) {}

base::Result<RunJournal> RunJournal::Create(const std::string& state_dir, const RunHeader& header,
                                            const std::vector<PlannedBdm>& plan) {
  BASE_TRY_ASSIGN(const std::string path, RunPath(state_dir, header.run_id));
  BASE_TRY(refresh::PrepareStateDir(state_dir));
  BASE_TRY(refresh::PrepareStateDir(RunsDir(state_dir)));
  BASE_TRY_ASSIGN(base::UniqueFd fd, refresh::CreateLockedJournal(RunsDir(state_dir), path, EncodeRunPlan(header, plan),
                                                                  "run " + header.run_id + " exists already", nullptr));
  RunState state;
  state.header = header;
  state.bdms.reserve(plan.size());
  for (const PlannedBdm& bdm : plan) state.bdms.push_back(NotStarted(bdm));
  return RunJournal(path, std::move(fd), std::move(state));
}

namespace {

// Opens run `run_id` with `flags` and reads it whole (the torn last line, if
// any, is ignored by the parser); `lock` runs on the descriptor before the
// read and may refuse.
struct OpenedRun {
  std::string path;
  base::UniqueFd fd;
  std::string text;
  RunState state;
};

template <typename Lock>
base::Result<OpenedRun> ReadRun(const std::string& state_dir, std::string_view run_id, int flags, Lock lock) {
  OpenedRun run;
  BASE_TRY_ASSIGN(run.path, RunPath(state_dir, run_id));
  BASE_TRY(refresh::CheckStateDirForReading(state_dir));
  auto opened = input::OpenRegularFile(run.path, flags);
  if (!opened.ok()) {
    if (opened.error().IsNotFound()) return base::Status::NotFound("no run " + std::string(run_id) + " in " + state_dir);
    if (opened.error().code() == base::Code::kInvalidInput) return base::Status::Corrupt("run journal " + opened.error().message());
    return opened.error();
  }
  run.fd = std::move(*opened);
  BASE_TRY(lock(run.fd.get()));
  auto read = input::ReadToEnd(run.fd.get(), run.path, input::kMaxRunJournalBytes);
  if (!read.ok()) {
    if (read.error().code() == base::Code::kInvalidInput) return base::Status::Corrupt("run journal " + read.error().message());
    return read.error();
  }
  run.text = std::move(*read);
  auto state = ParseRunJournal(run.text);
  if (!state.ok()) return state.error().WithContext(run.path);
  if (state->header.run_id != run_id) return base::Status::Corrupt(run.path + " holds run " + state->header.run_id);
  run.state = std::move(*state);
  return run;
}

}  // namespace

base::Result<RunJournal> RunJournal::Open(const std::string& state_dir, std::string_view run_id) {
  BASE_TRY_ASSIGN(OpenedRun run, ReadRun(state_dir, run_id, O_RDWR | O_APPEND, [&](int fd) {
                    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return base::Status::Ok();
                    return base::Status::FailedPrecondition("another bdm-agent process is working on run " +
                                                            std::string(run_id));
                  }));
  const std::size_t complete = run.text.rfind('\n') == std::string::npos ? 0 : run.text.rfind('\n') + 1;
  if (complete != run.text.size() && ::ftruncate(run.fd.get(), static_cast<off_t>(complete)) != 0) {
    return base::Status::Unavailable("cannot repair run journal " + run.path + ": " + std::strerror(errno));
  }
  return RunJournal(std::move(run.path), std::move(run.fd), std::move(run.state));
}

base::Result<RunSnapshot> RunJournal::Inspect(const std::string& state_dir, std::string_view run_id) {
  RunSnapshot snapshot;
  BASE_TRY_ASSIGN(OpenedRun run, ReadRun(state_dir, run_id, O_RDONLY, [&](int fd) {
                    // A shared lock is refused while a process works on the
                    // run (it holds the exclusive one); released on close.
                    snapshot.in_use = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
                    return base::Status::Ok();
                  }));
  snapshot.state = std::move(run.state);
  return snapshot;
}

base::Result<std::vector<std::string>> RunJournal::List(const std::string& state_dir) {
  std::vector<std::string> ids;
  std::error_code error;
  std::filesystem::directory_iterator it(RunsDir(state_dir), error);
  if (error) {
    if (error == std::errc::no_such_file_or_directory) return ids;
    return base::Status::Unavailable("cannot list " + RunsDir(state_dir) + ": " + error.message());
  }
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    std::error_code type_error;
    if (!entry.is_regular_file(type_error) || !name.ends_with(kSuffix)) continue;
    const std::string id = name.substr(0, name.size() - kSuffix.size());
    if (IsRunId(id)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());  // the id starts with its UTC time
  return ids;
}

base::Status RunJournal::Append(const std::string& line, bool sync) {
  return refresh::AppendToJournal(fd_.get(), line, path_, nullptr,
                                  sync ? refresh::Durability::kSync : refresh::Durability::kNoSync);
}

RunBdm RunJournal::Entry(std::size_t index) const {
  std::lock_guard lock(mutex_);
  return state_.bdms.at(index);
}

base::Status RunJournal::RecordStart(std::size_t index) {
  std::lock_guard lock(mutex_);
  if (index >= state_.bdms.size()) throw std::out_of_range("RunJournal::RecordStart");
  BASE_TRY(Append("{\"start\":" + std::to_string(index) + "}\n", true));
  if (state_.bdms[index].progress == BdmProgress::kNotStarted) state_.bdms[index].progress = BdmProgress::kStarted;
  return base::Status::Ok();
}

base::Status RunJournal::RecordEnd(std::size_t index, std::string_view outcome, int exit_code, std::string_view detail) {
  std::lock_guard lock(mutex_);
  if (index >= state_.bdms.size()) throw std::out_of_range("RunJournal::RecordEnd");
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  PutInt(w, "end", static_cast<std::int64_t>(index));
  WriteJsonMember(w, "outcome", outcome);
  PutInt(w, "exit", exit_code);
  const std::string kept = JournalDetail(detail);
  WriteJsonMember(w, "detail", kept);
  w.EndObject();
  BASE_TRY(Append(Finish(buffer), false));
  RunBdm& bdm = state_.bdms[index];
  bdm.progress = BdmProgress::kEnded;
  bdm.outcome = std::string(outcome);
  bdm.exit_code = exit_code;
  bdm.detail = kept;
  return base::Status::Ok();
}

base::Status RunJournal::RecordUnitLock(std::size_t index, std::string_view reason,
                                        std::string_view unlock_request_id) {
  std::lock_guard lock(mutex_);
  if (index >= state_.bdms.size()) throw std::out_of_range("RunJournal::RecordUnitLock");
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  PutInt(w, "unit_lock", static_cast<std::int64_t>(index));
  WriteJsonMember(w, "reason", reason);
  WriteJsonMember(w, "unlock", unlock_request_id);
  w.EndObject();
  BASE_TRY(Append(Finish(buffer), false));
  state_.unit_locks.push_back({index, std::string(reason), std::string(unlock_request_id), false});
  return base::Status::Ok();
}

base::Status RunJournal::RecordUnitUnlocked(std::size_t index) {
  std::lock_guard lock(mutex_);
  if (index >= state_.bdms.size()) throw std::out_of_range("RunJournal::RecordUnitUnlocked");
  BASE_TRY(Append("{\"unit_unlocked\":" + std::to_string(index) + "}\n", false));
  for (UnitLockRecord& record : state_.unit_locks) {
    if (record.index == index) record.released = true;
  }
  return base::Status::Ok();
}

base::Status RunJournal::Close(bool complete, std::int64_t unix_seconds) {
  std::lock_guard lock(mutex_);
  BASE_TRY(Append("{\"closed\":" + std::to_string(unix_seconds) + ",\"complete\":" + (complete ? "true" : "false") +
                      "}\n",
                  true));
  state_.closed_complete = complete;
  return base::Status::Ok();
}

}  // namespace agent::fleet
