// refresh's writes to a cell database, as agent/db/instance_changes.h
// describes them.
#include "agent/db/mysql_cell_database.h"

namespace agent::db {
namespace {

constexpr std::string_view kLockInstance =
    "UPDATE instances SET locked = 1, locked_by = 'admin', updated_at = UTC_TIMESTAMP() "
    "WHERE uuid = ? AND deleted = 0 AND locked = 0";
constexpr std::string_view kUnlockInstance =
    "UPDATE instances SET locked = 0, locked_by = NULL, updated_at = UTC_TIMESTAMP() "
    "WHERE uuid = ? AND deleted = 0 AND locked = 1";
constexpr std::string_view kLockedReasonForUpdate =
    "SELECT value FROM instance_system_metadata "
    "WHERE deleted = 0 AND instance_uuid = ? AND `key` = ? ORDER BY id FOR UPDATE";
constexpr std::string_view kUpdateLockedReason =
    "UPDATE instance_system_metadata SET value = ?, updated_at = UTC_TIMESTAMP() "
    "WHERE deleted = 0 AND instance_uuid = ? AND `key` = ?";
constexpr std::string_view kInsertLockedReason =
    "INSERT INTO instance_system_metadata (created_at, instance_uuid, `key`, value, deleted) "
    "VALUES (UTC_TIMESTAMP(), ?, ?, ?, 0)";
constexpr std::string_view kDeleteLockedReason =
    "DELETE FROM instance_system_metadata WHERE deleted = 0 AND instance_uuid = ? AND `key` = ?";
constexpr std::string_view kInsertAction =
    "INSERT INTO instance_actions (created_at, updated_at, action, instance_uuid, request_id, "
    "user_id, project_id, start_time, finish_time, message, deleted) "
    "VALUES (UTC_TIMESTAMP(), UTC_TIMESTAMP(), ?, ?, ?, NULL, NULL, UTC_TIMESTAMP(), NULL, NULL, 0)";
constexpr std::string_view kInsertApiEvent =
    "INSERT INTO instance_actions_events (created_at, updated_at, event, action_id, start_time, "
    "finish_time, result, traceback, host, details, deleted) "
    "VALUES (UTC_TIMESTAMP(), UTC_TIMESTAMP(), ?, LAST_INSERT_ID(), UTC_TIMESTAMP(), UTC_TIMESTAMP(), "
    "'Success', NULL, ?, NULL, 0)";
constexpr std::string_view kFindAction =
    "SELECT id, action, finish_time, TIMESTAMPDIFF(SECOND, start_time, UTC_TIMESTAMP()) FROM instance_actions "
    "WHERE deleted = 0 AND instance_uuid = ? AND request_id = ? ORDER BY created_at DESC, id DESC LIMIT 1";
constexpr std::string_view kFinishAction =
    "UPDATE instance_actions SET finish_time = UTC_TIMESTAMP(), updated_at = UTC_TIMESTAMP() "
    "WHERE deleted = 0 AND instance_uuid = ? AND request_id = ?";
constexpr std::string_view kSaveBdm =
    "UPDATE block_device_mapping SET attachment_id = ?, connection_info = ?, updated_at = UTC_TIMESTAMP() "
    "WHERE id = ? AND deleted = 0 AND attachment_id <=> ?";

// Returned by a transaction body whose compare-and-set did not match, to roll
// the transaction back; never leaves this file.
const base::Status kNotApplicable = base::Status::FailedPrecondition("compare-and-set did not match");
bool IsNotApplicable(const base::Status& status) {
  return status.code() == kNotApplicable.code() && status.message() == kNotApplicable.message();
}

SqlParam OptionalParam(const std::optional<std::string>& value) {
  if (value) return *value;
  return nullptr;
}

// The action row and its api_<action> event, inside the caller's transaction.
base::Status RecordApiAction(MysqlConnection& connection, std::string_view action, const InstanceLockChange& change) {
  const SqlParam action_params[] = {std::string(action), change.instance_uuid, change.request_id};
  BASE_TRY(connection.Execute(kInsertAction, action_params).status());
  const SqlParam event_params[] = {"api_" + std::string(action), change.host};
  return connection.Execute(kInsertApiEvent, event_params).status();
}

}  // namespace

base::Result<bool> MysqlCellDatabase::LockInstance(const InstanceLockChange& change) {
  bool locked = false;
  const base::Status status = connection_.InTransaction([&]() -> base::Status {
    const SqlParam uuid[] = {change.instance_uuid};
    BASE_TRY_ASSIGN(std::uint64_t changed, connection_.Execute(kLockInstance, uuid));
    if (changed != 1) return kNotApplicable;
    const SqlParam update[] = {change.reason, change.instance_uuid, std::string(kLockedReasonKey)};
    BASE_TRY_ASSIGN(std::uint64_t updated, connection_.Execute(kUpdateLockedReason, update));
    if (updated == 0) {
      const SqlParam insert[] = {change.instance_uuid, std::string(kLockedReasonKey), change.reason};
      BASE_TRY(connection_.Execute(kInsertLockedReason, insert).status());
    }
    BASE_TRY(RecordApiAction(connection_, "lock", change));
    locked = true;
    return base::Status::Ok();
  });
  if (!status.ok() && !IsNotApplicable(status)) return status;
  return locked;
}

base::Result<bool> MysqlCellDatabase::UnlockInstance(const InstanceLockChange& change) {
  bool unlocked = false;
  const base::Status status = connection_.InTransaction([&]() -> base::Status {
    const SqlParam reason_params[] = {change.instance_uuid, std::string(kLockedReasonKey)};
    BASE_TRY_ASSIGN(SqlRows reasons, connection_.Query(kLockedReasonForUpdate, reason_params));
    if (reasons.empty() || reasons.rows()[0][0] != change.reason) return kNotApplicable;
    const SqlParam uuid[] = {change.instance_uuid};
    BASE_TRY_ASSIGN(std::uint64_t changed, connection_.Execute(kUnlockInstance, uuid));
    if (changed != 1) return kNotApplicable;
    BASE_TRY(connection_.Execute(kDeleteLockedReason, reason_params).status());
    BASE_TRY(RecordApiAction(connection_, "unlock", change));
    unlocked = true;
    return base::Status::Ok();
  });
  if (!status.ok() && !IsNotApplicable(status)) return status;
  return unlocked;
}

base::Status MysqlCellDatabase::StartInstanceAction(std::string_view instance_uuid, std::string_view action,
                                                    std::string_view request_id) {
  const SqlParam params[] = {std::string(action), std::string(instance_uuid), std::string(request_id)};
  return connection_.Execute(kInsertAction, params).status();
}

base::Result<std::optional<InstanceActionRow>> MysqlCellDatabase::FindInstanceAction(std::string_view instance_uuid,
                                                                                    std::string_view request_id) {
  const SqlParam params[] = {std::string(instance_uuid), std::string(request_id)};
  BASE_TRY_ASSIGN(SqlRows rows, connection_.Query(kFindAction, params));
  if (rows.empty()) return std::optional<InstanceActionRow>();
  const auto& row = rows.rows()[0];
  InstanceActionRow action;
  action.id = std::stoll(row[0].value_or("0"));
  action.action = row[1].value_or("");
  action.finished = row[2].has_value();
  action.age_seconds = std::stoll(row[3].value_or("0"));
  return std::optional<InstanceActionRow>(std::move(action));
}

base::Status MysqlCellDatabase::FinishInstanceAction(std::string_view instance_uuid, std::string_view request_id) {
  const SqlParam params[] = {std::string(instance_uuid), std::string(request_id)};
  BASE_TRY_ASSIGN(std::uint64_t changed, connection_.Execute(kFinishAction, params));
  if (changed != 1) {
    return base::Status::NotFound(connection_.label() + ": no instance action " + std::string(request_id) +
                                  " for instance " + std::string(instance_uuid));
  }
  return base::Status::Ok();
}

base::Result<bool> MysqlCellDatabase::SaveBdmAttachment(std::int64_t bdm_id,
                                                        const std::optional<std::string>& expected_attachment_id,
                                                        std::string_view attachment_id,
                                                        const std::optional<std::string>& connection_info) {
  const SqlParam params[] = {std::string(attachment_id), OptionalParam(connection_info), bdm_id,
                             OptionalParam(expected_attachment_id)};
  BASE_TRY_ASSIGN(std::uint64_t changed, connection_.Execute(kSaveBdm, params));
  return changed == 1;
}

}  // namespace agent::db
