// MysqlCellDatabase: CellDatabase over one MariaDB/MySQL connection to a
// cell database. Reads are in mysql_cell_database.cpp, refresh's writes in
// mysql_cell_writes.cpp. Every statement is prepared; every multi-row change
// is one transaction. Used by one thread at a time.
#pragma once

#include "agent/db/mysql_connection.h"
#include "agent/db/nova_database.h"

namespace agent::db {

class MysqlCellDatabase final : public CellDatabase {
 public:
  explicit MysqlCellDatabase(MysqlConnection connection) : connection_(std::move(connection)) {}

  base::Result<std::optional<BlockDeviceMapping>> FindVolumeBdm(std::string_view instance_uuid,
                                                                std::string_view volume_id) override;
  base::Result<std::optional<BlockDeviceMapping>> FindBdmByUuid(std::string_view bdm_uuid) override;
  base::Result<std::optional<InstanceSummary>> FindInstance(std::string_view instance_uuid) override;
  base::Result<std::optional<proto_compat::InstanceRecord>> LoadInstance(std::string_view instance_uuid) override;
  base::Result<std::optional<std::int64_t>> MinimumComputeServiceVersion() override;
  base::Result<std::optional<std::string>> ComputeNodeHypervisorType(std::string_view host,
                                                                     std::string_view node) override;
  base::Result<std::optional<BlockDeviceMapping>> FindBdmById(std::int64_t bdm_id) override;
  base::Result<std::optional<std::string>> LockedReason(std::string_view instance_uuid) override;
  base::Result<std::vector<InstanceVolumeRow>> ListInstanceVolumes(const InstanceFilter& filter) override;

  base::Result<bool> LockInstance(const InstanceLockChange& change) override;
  base::Result<bool> UnlockInstance(const InstanceLockChange& change) override;
  base::Status StartInstanceAction(std::string_view instance_uuid, std::string_view action,
                                   std::string_view request_id) override;
  base::Result<std::optional<InstanceActionRow>> FindInstanceAction(std::string_view instance_uuid,
                                                                   std::string_view request_id) override;
  base::Status FinishInstanceAction(std::string_view instance_uuid, std::string_view request_id) override;
  base::Result<bool> SaveBdmAttachment(std::int64_t bdm_id, const std::optional<std::string>& expected_attachment_id,
                                       std::string_view attachment_id,
                                       const std::optional<std::string>& connection_info) override;

 private:
  MysqlConnection connection_;
};

}  // namespace agent::db
