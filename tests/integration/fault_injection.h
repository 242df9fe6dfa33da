// Fault injection for the refresh integration tests: decorators around the
// REAL Cinder client and the REAL cell database that make chosen calls fail
// (kUnavailable for the database, an HTTP-500-like kRemoteError for Cinder)
// a chosen number of times, and pass everything else through. A fake peer
// would only prove that we agree with ourselves; these only decide *when*
// the real peer is not asked.
#pragma once

#include <map>
#include <string>

#include "agent/cinder/attachment_api.h"
#include "agent/db/nova_database.h"

namespace testing {

// Method name -> how many of its next calls fail.
using Faults = std::map<std::string, int>;

class FaultGate {
 public:
  explicit FaultGate(Faults faults) : faults_(std::move(faults)) {}
  // Whether this call of `method` must fail (and counts it).
  bool Fails(const std::string& method) {
    auto it = faults_.find(method);
    if (it == faults_.end() || it->second == 0) return false;
    --it->second;
    return true;
  }

 private:
  Faults faults_;
};

class FaultyCinder final : public agent::cinder::AttachmentApi {
 public:
  FaultyCinder(agent::cinder::AttachmentApi& real, Faults faults) : real_(real), gate_(std::move(faults)) {}

  base::Result<agent::cinder::Attachment> Create(std::string_view volume_id, std::string_view instance_uuid) override {
    if (gate_.Fails("Create")) return Injected("POST /attachments");
    return real_.Create(volume_id, instance_uuid);
  }
  base::Result<agent::cinder::Attachment> Get(std::string_view id) override {
    if (gate_.Fails("Get")) return Injected("GET /attachments");
    return real_.Get(id);
  }
  base::Result<agent::cinder::Attachment> Update(std::string_view id, std::string_view connector,
                                                 std::optional<std::string_view> mountpoint) override {
    if (gate_.Fails("Update")) return Injected("PUT /attachments");
    return real_.Update(id, connector, mountpoint);
  }
  base::Status Complete(std::string_view id) override {
    if (gate_.Fails("Complete")) return Injected("POST /attachments/action");
    return real_.Complete(id);
  }
  base::Status Delete(std::string_view id) override {
    if (gate_.Fails("Delete")) return Injected("DELETE /attachments");
    return real_.Delete(id);
  }
  base::Result<agent::cinder::Volume> GetVolume(std::string_view volume_id) override {
    if (gate_.Fails("GetVolume")) return Injected("GET /volumes");
    return real_.GetVolume(volume_id);
  }
  base::Result<std::vector<agent::cinder::Attachment>> ListAttachments(std::string_view volume_id) override {
    if (gate_.Fails("ListAttachments")) return Injected("GET /attachments");
    return real_.ListAttachments(volume_id);
  }
  base::Result<std::vector<agent::cinder::Attachment>> ListAttachmentsPage(std::string_view marker,
                                                                           int limit) override {
    return real_.ListAttachmentsPage(marker, limit);
  }
  base::Result<std::vector<agent::cinder::Volume>> ListVolumesPage(std::string_view marker, int limit) override {
    return real_.ListVolumesPage(marker, limit);
  }
  std::chrono::milliseconds RequestTimeout() const override { return real_.RequestTimeout(); }

 private:
  static base::Status Injected(const std::string& call) {
    return base::Status::RemoteError("Cinder " + call + ": HTTP 500: injected by the test");
  }
  agent::cinder::AttachmentApi& real_;
  FaultGate gate_;
};

class FaultyCell final : public agent::db::CellDatabase {
 public:
  FaultyCell(agent::db::CellDatabase& real, Faults faults) : real_(real), gate_(std::move(faults)) {}

#define BDM_FAULTY(method, ...)                                             \
  if (gate_.Fails(#method)) return base::Status::Unavailable("cell database: connection lost (injected)"); \
  return real_.method(__VA_ARGS__)

  base::Result<std::optional<agent::db::BlockDeviceMapping>> FindVolumeBdm(std::string_view i,
                                                                          std::string_view v) override {
    BDM_FAULTY(FindVolumeBdm, i, v);
  }
  base::Result<std::optional<agent::db::BlockDeviceMapping>> FindBdmByUuid(std::string_view u) override {
    BDM_FAULTY(FindBdmByUuid, u);
  }
  base::Result<std::vector<agent::db::InstanceVolumeRow>> ListInstanceVolumes(
      const agent::db::InstanceFilter& f) override {
    BDM_FAULTY(ListInstanceVolumes, f);
  }
  base::Result<std::optional<agent::db::InstanceSummary>> FindInstance(std::string_view u) override {
    BDM_FAULTY(FindInstance, u);
  }
  base::Result<std::optional<proto_compat::InstanceRecord>> LoadInstance(std::string_view u) override {
    BDM_FAULTY(LoadInstance, u);
  }
  base::Result<std::optional<std::int64_t>> MinimumComputeServiceVersion() override {
    BDM_FAULTY(MinimumComputeServiceVersion);
  }
  base::Result<std::optional<std::string>> ComputeNodeHypervisorType(std::string_view h, std::string_view n) override {
    BDM_FAULTY(ComputeNodeHypervisorType, h, n);
  }
  base::Result<std::optional<agent::db::BlockDeviceMapping>> FindBdmById(std::int64_t id) override {
    BDM_FAULTY(FindBdmById, id);
  }
  base::Result<std::optional<std::string>> LockedReason(std::string_view u) override { BDM_FAULTY(LockedReason, u); }
  base::Result<bool> LockInstance(const agent::db::InstanceLockChange& c) override { BDM_FAULTY(LockInstance, c); }
  base::Result<bool> UnlockInstance(const agent::db::InstanceLockChange& c) override {
    BDM_FAULTY(UnlockInstance, c);
  }
  base::Status StartInstanceAction(std::string_view u, std::string_view a, std::string_view r) override {
    BDM_FAULTY(StartInstanceAction, u, a, r);
  }
  base::Result<std::optional<agent::db::InstanceActionRow>> FindInstanceAction(std::string_view u,
                                                                              std::string_view r) override {
    BDM_FAULTY(FindInstanceAction, u, r);
  }
  base::Status FinishInstanceAction(std::string_view u, std::string_view r) override {
    BDM_FAULTY(FinishInstanceAction, u, r);
  }
  base::Result<bool> SaveBdmAttachment(std::int64_t id, const std::optional<std::string>& expected,
                                       std::string_view attachment, const std::optional<std::string>& info) override {
    BDM_FAULTY(SaveBdmAttachment, id, expected, attachment, info);
  }
#undef BDM_FAULTY

 private:
  agent::db::CellDatabase& real_;
  FaultGate gate_;
};

}  // namespace testing
