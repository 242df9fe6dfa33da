#include "agent/refresh/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/input/bounded_json.h"
#include "agent/input/regular_file.h"
#include "agent/rapidjson_strings.h"
#include "agent/refresh/journal_file.h"

namespace agent::refresh {
namespace {

constexpr std::string_view kSuffix = ".journal";
constexpr int kFormatVersion = 1;

constexpr std::array<std::pair<JournalStep, std::string_view>, 17> kStepNames = {{
    {JournalStep::kLocked, "locked"},
    {JournalStep::kActionStarted, "action_started"},
    {JournalStep::kCreatingAttachment, "creating_attachment"},
    {JournalStep::kCreateRefused, "create_refused"},
    {JournalStep::kAttachmentCreated, "attachment_created"},
    {JournalStep::kRemovingConnection, "removing_connection"},
    {JournalStep::kConnectionRemoved, "connection_removed"},
    {JournalStep::kDeletingOldAttachment, "deleting_old_attachment"},
    {JournalStep::kOldAttachmentDeleted, "old_attachment_deleted"},
    {JournalStep::kUpdatingAttachment, "updating_attachment"},
    {JournalStep::kAttachmentUpdated, "attachment_updated"},
    {JournalStep::kSavingBdm, "saving_bdm"},
    {JournalStep::kBdmSaved, "bdm_saved"},
    {JournalStep::kCompleting, "completing"},
    {JournalStep::kCompleted, "completed"},
    {JournalStep::kActionFinished, "action_finished"},
    {JournalStep::kUnlocked, "unlocked"},
}};

std::optional<JournalStep> StepByName(std::string_view name) {
  for (const auto& [step, step_name] : kStepNames) {
    if (step_name == name) return step;
  }
  return std::nullopt;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

// A journal file that is not a regular file or is too large is not one
// bdm-agent wrote: kCorrupt; an error of the system stays kUnavailable.
base::Status JournalFileError(const base::Status& status) {
  if (status.code() == base::Code::kInvalidInput) return base::Status::Corrupt("journal " + status.message());
  return base::Status::Unavailable("journal " + status.message());
}

std::optional<std::string> OptionalMember(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(JsonStringView(it->value));
}

base::Result<JournalBegin> ParseBegin(const rapidjson::Value& line) {
  JournalBegin b;
  auto required = [&](const char* key, std::string& out) -> base::Status {
    std::optional<std::string> value = OptionalMember(line, key);
    if (!value) return base::Status::Corrupt(std::string("journal begin line has no '") + key + "'");
    out = std::move(*value);
    return base::Status::Ok();
  };
  BASE_TRY(required("instance_uuid", b.instance_uuid));
  BASE_TRY(required("volume_id", b.volume_id));
  BASE_TRY(required("connector", b.connector_json));
  // Sent to Cinder again by recovery: it must read as refresh checked it.
  auto connector = input::ParseBoundedJson(
      b.connector_json, {input::kMaxConnectorBytes, input::kMaxJsonDepth, input::DuplicateKeys::kRefuse});
  if (!connector.ok()) {
    return base::Status::Corrupt("journal begin line: the connector is not valid JSON (" + connector.error().message() + ")");
  }
  if (!connector->IsObject()) return base::Status::Corrupt("journal begin line: the connector is not a JSON object");
  BASE_TRY(required("compute_host", b.compute_host));
  BASE_TRY(required("lock_reason", b.lock_reason));
  BASE_TRY(required("lock_request_id", b.lock_request_id));
  BASE_TRY(required("action_request_id", b.action_request_id));
  BASE_TRY(required("unlock_request_id", b.unlock_request_id));
  BASE_TRY(required("event_host", b.event_host));
  auto id = line.FindMember("bdm_id");
  if (id == line.MemberEnd() || !id->value.IsInt64()) return base::Status::Corrupt("journal begin line has no 'bdm_id'");
  b.bdm_id = id->value.GetInt64();
  b.bdm_uuid = OptionalMember(line, "bdm_uuid");
  b.cell_uuid = OptionalMember(line, "cell_uuid");
  b.old_attachment_id = OptionalMember(line, "old_attachment_id");
  b.device_name = OptionalMember(line, "device_name");
  auto deletes = line.FindMember("compute_deletes_old");
  b.compute_deletes_old = deletes != line.MemberEnd() && deletes->value.IsBool() && deletes->value.GetBool();
  if (std::optional<std::string> scope = OptionalMember(line, "lock_scope")) {
    if (*scope == LockScopeName(LockScope::kUnitTakes)) {
      b.lock_scope = LockScope::kUnitTakes;
    } else if (*scope == LockScopeName(LockScope::kUnitHeld)) {
      b.lock_scope = LockScope::kUnitHeld;
    } else if (*scope != LockScopeName(LockScope::kRefresh)) {
      return base::Status::Corrupt("journal begin line: unknown lock_scope");
    }
  }
  return b;
}

// A creating_attachment line's value: unix seconds, else nothing.
std::optional<std::int64_t> SettlesBy(const std::optional<std::string>& value) {
  if (!value || value->empty() || value->size() > 18) return std::nullopt;
  std::int64_t seconds = 0;
  for (char c : *value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return seconds;
}

base::Result<std::string> JournalPath(const std::string& state_dir, std::string_view instance_uuid) {
  if (!IsCanonicalUuid(instance_uuid)) {
    return base::Status::InvalidInput("'" + std::string(instance_uuid) + "' is not an instance uuid");
  }
  return state_dir + "/" + std::string(instance_uuid) + std::string(kSuffix);
}

// The ownership and mode rules of a state dir that exists (stat follows a
// symlink: the directory it names is what must be safe).
base::Status CheckExistingStateDir(const std::string& state_dir, const struct stat& info) {
  if (!S_ISDIR(info.st_mode)) return base::Status::InvalidInput("state dir " + state_dir + " is not a directory");
  if (info.st_uid != ::geteuid()) {
    return base::Status::InvalidInput("state dir " + state_dir + " is owned by uid " +
                                            std::to_string(info.st_uid) + ", not by this user (uid " +
                                            std::to_string(::geteuid()) + ")");
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return base::Status::InvalidInput("state dir " + state_dir + " is writable by group or others (mode " +
                                            mode + "); use a directory only this user can write");
  }
  return base::Status::Ok();
}

// stat() of the state dir: the info, or nullopt when it does not exist.
base::Result<std::optional<struct stat>> StatStateDir(const std::string& state_dir) {
  struct stat info;
  if (::stat(state_dir.c_str(), &info) == 0) return std::optional<struct stat>(info);
  if (errno == ENOENT) return std::optional<struct stat>();
  if (errno == ENOTDIR) return base::Status::InvalidInput("state dir " + state_dir + ": a parent is not a directory");
  return base::Status::Unavailable(Errno("cannot use state dir", state_dir));
}

}  // namespace

bool IsCanonicalUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

base::Status PrepareStateDir(const std::string& state_dir) {
  BASE_TRY_ASSIGN(std::optional<struct stat> info, StatStateDir(state_dir));
  if (!info) {
    const std::filesystem::path parent = std::filesystem::path(state_dir).parent_path();
    std::error_code error;
    if (!parent.empty()) std::filesystem::create_directories(parent, error);
    if (error || (::mkdir(state_dir.c_str(), 0700) != 0 && errno != EEXIST)) {
      return base::Status::Unavailable("cannot create state dir " + state_dir + ": " +
                                       (error ? error.message() : std::string(std::strerror(errno))));
    }
    BASE_TRY_ASSIGN(info, StatStateDir(state_dir));
    if (!info) return base::Status::Unavailable("state dir " + state_dir + " vanished after it was created");
  }
  return CheckExistingStateDir(state_dir, *info);
}

base::Status CheckStateDir(const std::string& state_dir) {
  BASE_TRY_ASSIGN(std::optional<struct stat> info, StatStateDir(state_dir));
  if (info) {
    BASE_TRY(CheckExistingStateDir(state_dir, *info));
    if (::access(state_dir.c_str(), W_OK | X_OK) != 0) {
      return base::Status::Unavailable(Errno("cannot write journals into state dir", state_dir));
    }
    return base::Status::Ok();
  }
  // Missing: the nearest existing ancestor must be a directory we can create in.
  std::filesystem::path ancestor = std::filesystem::path(state_dir).parent_path();
  for (;;) {
    if (ancestor.empty()) ancestor = ".";
    struct stat parent;
    if (::stat(ancestor.c_str(), &parent) == 0) {
      if (!S_ISDIR(parent.st_mode)) {
        return base::Status::InvalidInput("state dir " + state_dir + ": " + ancestor.string() +
                                                " is not a directory");
      }
      if (::access(ancestor.c_str(), W_OK | X_OK) != 0) {
        return base::Status::Unavailable(Errno("cannot create state dir " + state_dir + " in", ancestor.string()));
      }
      return base::Status::Ok();
    }
    if (errno != ENOENT || ancestor == ancestor.parent_path()) {
      return base::Status::Unavailable(Errno("cannot use state dir " + state_dir + ": cannot inspect", ancestor.string()));
    }
    ancestor = ancestor.parent_path();
  }
}

base::Status CheckStateDirForReading(const std::string& state_dir) {
  BASE_TRY_ASSIGN(std::optional<struct stat> info, StatStateDir(state_dir));
  return info ? CheckExistingStateDir(state_dir, *info) : base::Status::Ok();
}

std::string_view LockScopeName(LockScope scope) {
  switch (scope) {
    case LockScope::kRefresh: return "refresh";
    case LockScope::kUnitTakes: return "unit-takes";
    case LockScope::kUnitHeld: return "unit-held";
  }
  return "refresh";
}

std::string_view JournalStepName(JournalStep step) {
  for (const auto& [s, name] : kStepNames) {
    if (s == step) return name;
  }
  return "unknown";
}

bool JournalState::Reached(JournalStep step) const {
  return std::find(steps.begin(), steps.end(), step) != steps.end();
}

std::string EncodeJournalLine(const JournalBegin& b) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteJsonMember(w, "step", "begin");
  w.Key("format");
  w.Int(kFormatVersion);
  WriteJsonMember(w, "instance_uuid", b.instance_uuid);
  WriteJsonMember(w, "volume_id", b.volume_id);
  w.Key("bdm_id");
  w.Int64(b.bdm_id);
  WriteJsonOptionalMember(w, "bdm_uuid", b.bdm_uuid);
  WriteJsonOptionalMember(w, "cell_uuid", b.cell_uuid);
  WriteJsonOptionalMember(w, "old_attachment_id", b.old_attachment_id);
  WriteJsonOptionalMember(w, "device_name", b.device_name);
  WriteJsonMember(w, "connector", b.connector_json);
  WriteJsonMember(w, "compute_host", b.compute_host);
  WriteJsonMember(w, "lock_reason", b.lock_reason);
  WriteJsonMember(w, "lock_request_id", b.lock_request_id);
  WriteJsonMember(w, "action_request_id", b.action_request_id);
  WriteJsonMember(w, "unlock_request_id", b.unlock_request_id);
  WriteJsonMember(w, "event_host", b.event_host);
  w.Key("compute_deletes_old");
  w.Bool(b.compute_deletes_old);
  if (b.lock_scope != LockScope::kRefresh) WriteJsonMember(w, "lock_scope", LockScopeName(b.lock_scope));
  w.Key("pid");
  w.Int64(static_cast<std::int64_t>(::getpid()));
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string EncodeJournalLine(JournalStep step, std::optional<std::string_view> value) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteJsonMember(w, "step", JournalStepName(step));
  if (value) WriteJsonMember(w, "value", *value);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

base::Result<JournalState> ParseJournal(std::string_view text) {
  if (text.size() > input::kMaxJournalBytes) {
    return base::Status::Corrupt("journal larger than " + std::to_string(input::kMaxJournalBytes) + " bytes");
  }
  JournalState state;
  bool have_begin = false;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) break;  // torn last line: the step it announced never started
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    auto parsed = input::ParseBoundedJson(
        line, {input::kMaxJournalLineBytes, input::kMaxJsonDepth, input::DuplicateKeys::kRefuse});
    if (!parsed.ok()) {
      return base::Status::Corrupt("journal line " + std::to_string(line_number) + " is not valid JSON (" +
                                   parsed.error().message() + ")");
    }
    const rapidjson::Document& doc = *parsed;
    if (!doc.IsObject()) {
      return base::Status::Corrupt("journal line " + std::to_string(line_number) + " is not a JSON object");
    }
    const std::optional<std::string> name = OptionalMember(doc, "step");
    if (!name) return base::Status::Corrupt("journal line " + std::to_string(line_number) + " has no step");
    if (*name == "begin") {
      if (have_begin) return base::Status::Corrupt("journal has two begin lines");
      BASE_TRY_ASSIGN(state.begin, ParseBegin(doc));
      have_begin = true;
      continue;
    }
    if (!have_begin) return base::Status::Corrupt("journal does not start with a begin line");
    const std::optional<JournalStep> step = StepByName(*name);
    if (!step) return base::Status::Corrupt("journal line " + std::to_string(line_number) + ": unknown step '" + *name + "'");
    state.steps.push_back(*step);
    if (*step == JournalStep::kAttachmentCreated) state.new_attachment_id = OptionalMember(doc, "value");
    if (*step == JournalStep::kAttachmentUpdated) state.new_connection_info = OptionalMember(doc, "value");
    if (*step == JournalStep::kCreatingAttachment) state.create_settles_by = SettlesBy(OptionalMember(doc, "value"));
  }
  if (!have_begin) return base::Status::Corrupt("journal has no begin line");
  return state;
}

RefreshJournal::RefreshJournal(std::string path, base::UniqueFd fd, JournalState state, PeerTime* sync_time,
                               Mode mode)
    : path_(std::move(path)), mode_(mode), fd_(std::move(fd)), state_(std::move(state)), sync_time_(sync_time) {}

base::Result<RefreshJournal> RefreshJournal::Create(const std::string& state_dir, const JournalBegin& begin,
                                                    PeerTime* sync_time) {
  BASE_TRY_ASSIGN(const std::string path, JournalPath(state_dir, begin.instance_uuid));
  BASE_TRY(PrepareStateDir(state_dir));
  BASE_TRY_ASSIGN(base::UniqueFd fd, CreateLockedJournal(state_dir, path, EncodeJournalLine(begin),
                                                        "a refresh journal already exists: " + path, sync_time));
  JournalState state;
  state.begin = begin;
  return RefreshJournal(path, std::move(fd), std::move(state), sync_time, Mode::kWrite);
}

base::Result<std::optional<RefreshJournal>> RefreshJournal::Open(const std::string& state_dir,
                                                                std::string_view instance_uuid, Mode mode) {
  BASE_TRY_ASSIGN(const std::string path, JournalPath(state_dir, instance_uuid));
  const bool write = mode == Mode::kWrite;
  // A FIFO (or anything else not a regular file) is refused, never waited on.
  auto opened = input::OpenRegularFile(path, write ? O_RDWR | O_APPEND : O_RDONLY);
  if (!opened.ok()) {
    if (opened.error().IsNotFound()) return std::optional<RefreshJournal>();
    return JournalFileError(opened.error());
  }
  base::UniqueFd fd = std::move(*opened);
  if (::flock(fd.get(), (write ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    return base::Status::FailedPrecondition("another bdm-agent process is refreshing instance " +
                                            std::string(instance_uuid) + " (" + path + " is locked)");
  }
  struct stat info;  // removed by its owner between our open and our lock?
  if (::fstat(fd.get(), &info) == 0 && info.st_nlink == 0) return std::optional<RefreshJournal>();
  auto read = input::ReadToEnd(fd.get(), path, input::kMaxJournalBytes);
  if (!read.ok()) return JournalFileError(read.error());
  const std::string& text = *read;
  auto state = ParseJournal(text);
  if (!state.ok()) return state.error().WithContext(path);
  // Drop a torn last line so that the next record starts on its own line.
  const std::size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (write && complete != text.size() && ::ftruncate(fd.get(), static_cast<off_t>(complete)) != 0) {
    return base::Status::Unavailable(Errno("cannot repair journal", path));
  }
  return std::optional<RefreshJournal>(RefreshJournal(path, std::move(fd), std::move(*state), nullptr, mode));
}

base::Result<std::vector<std::string>> RefreshJournal::List(const std::string& state_dir) {
  std::vector<std::string> uuids;
  std::error_code error;
  std::filesystem::directory_iterator it(state_dir, error);
  if (error) {
    if (error == std::errc::no_such_file_or_directory) return uuids;
    return base::Status::Unavailable("cannot list state dir " + state_dir + ": " + error.message());
  }
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    std::error_code type_error;  // a FIFO, a directory, ... named *.journal is not one bdm-agent wrote
    if (!entry.is_regular_file(type_error)) continue;
    if (name.size() > kSuffix.size() && name.ends_with(kSuffix) &&
        IsCanonicalUuid(std::string_view(name).substr(0, name.size() - kSuffix.size()))) {
      uuids.push_back(name.substr(0, name.size() - kSuffix.size()));
    }
  }
  std::sort(uuids.begin(), uuids.end());
  return uuids;
}

base::Status RefreshJournal::Record(JournalStep step, std::optional<std::string_view> value, Sync sync) {
  if (mode_ != Mode::kWrite) throw std::logic_error("RefreshJournal::Record on a journal opened read-only");
  BASE_TRY(AppendToJournal(fd_.get(), EncodeJournalLine(step, value), path_, sync_time_,
                           sync == Sync::kNow ? Durability::kSync : Durability::kNoSync));
  state_.steps.push_back(step);
  if (step == JournalStep::kAttachmentCreated && value) state_.new_attachment_id = std::string(*value);
  if (step == JournalStep::kAttachmentUpdated && value) state_.new_connection_info = std::string(*value);
  if (step == JournalStep::kCreatingAttachment) {
    state_.create_settles_by = SettlesBy(value ? std::optional<std::string>(*value) : std::nullopt);
  }
  return base::Status::Ok();
}

base::Status RefreshJournal::Remove() {
  if (mode_ != Mode::kWrite) throw std::logic_error("RefreshJournal::Remove on a journal opened read-only");
  // Not synced: a journal that comes back after a power loss is recovered
  // again, and recovery decides from the live state, so it changes nothing.
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return base::Status::Unavailable(Errno("cannot remove journal", path_));
  }
  fd_.Reset();
  return base::Status::Ok();
}

}  // namespace agent::refresh
