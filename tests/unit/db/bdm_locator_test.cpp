// Unit tests of the lookup logic. The in-memory NovaDatabase below is ours: it
// exists to make one cell unreachable, to hold a deleted instance without a
// server, and to make cells answer in an order of our choosing (the real
// servers answer in whatever order they like). The same paths run against
// real MariaDB in tests/integration and tests/cli.
#include "agent/db/bdm_locator.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include <doctest/doctest.h>

namespace {

using namespace agent::db;

class MemoryCell final : public CellDatabase {
 public:
  std::vector<BlockDeviceMapping> bdms;
  std::vector<InstanceSummary> instances;

  base::Result<std::optional<BlockDeviceMapping>> FindVolumeBdm(std::string_view instance_uuid,
                                                                std::string_view volume_id) override {
    for (const auto& b : bdms) {
      if (b.instance_uuid == instance_uuid && b.volume_id == volume_id) return std::optional(b);
    }
    return std::optional<BlockDeviceMapping>();
  }
  base::Result<std::optional<BlockDeviceMapping>> FindBdmByUuid(std::string_view uuid) override {
    for (const auto& b : bdms) {
      if (b.uuid == uuid) return std::optional(b);
    }
    return std::optional<BlockDeviceMapping>();
  }
  base::Result<std::optional<InstanceSummary>> FindInstance(std::string_view uuid) override {
    for (const auto& i : instances) {
      if (i.uuid == uuid) return std::optional(i);
    }
    return std::optional<InstanceSummary>();
  }
  // Not used by the locator.
  base::Result<std::optional<proto_compat::InstanceRecord>> LoadInstance(std::string_view) override {
    return std::optional<proto_compat::InstanceRecord>();
  }
  base::Result<std::optional<std::int64_t>> MinimumComputeServiceVersion() override {
    return std::optional<std::int64_t>();
  }
  // The locator only reads; refresh's queries and writes are not used here.
  base::Result<std::optional<std::string>> ComputeNodeHypervisorType(std::string_view, std::string_view) override {
    return Unused();
  }
  base::Result<std::optional<BlockDeviceMapping>> FindBdmById(std::int64_t) override { return Unused(); }
  base::Result<std::optional<std::string>> LockedReason(std::string_view) override { return Unused(); }
  base::Result<std::vector<InstanceVolumeRow>> ListInstanceVolumes(const InstanceFilter&) override { return Unused(); }
  base::Result<bool> LockInstance(const InstanceLockChange&) override { return Unused(); }
  base::Result<bool> UnlockInstance(const InstanceLockChange&) override { return Unused(); }
  base::Status StartInstanceAction(std::string_view, std::string_view, std::string_view) override { return Unused(); }
  base::Result<std::optional<InstanceActionRow>> FindInstanceAction(std::string_view, std::string_view) override {
    return Unused();
  }
  base::Status FinishInstanceAction(std::string_view, std::string_view) override { return Unused(); }
  base::Result<bool> SaveBdmAttachment(std::int64_t, const std::optional<std::string>&, std::string_view,
                                       const std::optional<std::string>&) override {
    return Unused();
  }

 private:
  static base::Status Unused() { return base::Status::Internal("not used by the locator"); }
};

class MemoryNova final : public NovaDatabase {
 public:
  std::vector<CellMapping> cells;
  std::map<std::string, MemoryCell> cell_dbs;  // by cell uuid; absent = unreachable
  std::map<std::string, std::string> mappings;  // instance -> cell uuid
  // When set, wraps every Cell() call (it may run on several threads at once).
  std::function<base::Result<CellDatabase*>(const CellMapping&, const std::function<base::Result<CellDatabase*>()>&)>
      around_cell;

  base::Result<std::optional<InstanceMapping>> FindInstanceMapping(std::string_view uuid) override {
    auto it = mappings.find(std::string(uuid));
    if (it == mappings.end()) return std::optional<InstanceMapping>();
    for (const auto& c : cells) {
      if (c.uuid == it->second) return std::optional(InstanceMapping{std::string(uuid), c, false});
    }
    return std::optional(InstanceMapping{std::string(uuid), std::nullopt, false});
  }
  base::Result<std::vector<CellMapping>> ListCellMappings() override { return cells; }
  base::Result<CellDatabase*> Cell(const CellMapping& cell) override {
    if (around_cell) return around_cell(cell, [&] { return Open(cell); });
    return Open(cell);
  }
  base::Result<CellDatabase*> LocalCell() override { return base::Status::InvalidInput("no local db"); }

 private:
  base::Result<CellDatabase*> Open(const CellMapping& cell) {
    auto it = cell_dbs.find(cell.uuid);
    if (it == cell_dbs.end()) return base::Status::Unavailable("cell '" + cell.name + "' database: refused");
    return static_cast<CellDatabase*>(&it->second);
  }
};

// Makes the cells answer last to first: the cell with id k returns from Cell()
// only after the cell with id k + 1 has. Asked one after another, the first
// cell would wait for the next in vain; it gives up after 5 s and counts it.
class LastToFirst {
 public:
  explicit LastToFirst(std::int64_t last_id) : last_id_(last_id) {}

  base::Result<CellDatabase*> operator()(const CellMapping& cell,
                                         const std::function<base::Result<CellDatabase*>()>& open) {
    std::unique_lock lock(mutex_);
    if (cell.id != last_id_ &&
        !changed_.wait_for(lock, std::chrono::seconds(5), [&] { return answered_.contains(cell.id + 1); })) {
      ++gave_up_;
    }
    auto result = open();
    answered_.insert(cell.id);
    order_.push_back(cell.id);
    changed_.notify_all();
    return result;
  }
  int gave_up() const { return gave_up_; }
  const std::vector<std::int64_t>& order() const { return order_; }

 private:
  const std::int64_t last_id_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::int64_t> answered_;
  std::vector<std::int64_t> order_;
  int gave_up_ = 0;
};

BlockDeviceMapping Bdm(std::string uuid, std::string instance, std::string volume) {
  BlockDeviceMapping b;
  b.uuid = std::move(uuid);
  b.instance_uuid = std::move(instance);
  b.volume_id = std::move(volume);
  b.destination_type = "volume";
  return b;
}

MemoryNova TwoCells() {
  MemoryNova nova;
  nova.cells = {{1, "c0", "cell0", "", "", false}, {2, "c1", "cell1", "", "", false},
                {3, "c2", "cell2", "", "", false}};
  nova.cell_dbs["c0"];
  nova.cell_dbs["c1"].bdms = {Bdm("b1", "i1", "v1")};
  nova.cell_dbs["c1"].instances = {{1, "i1", false, "h", "n", "stopped", {}, false, {}},
                                   {2, "i-gone", true, "h", "n", "deleted", {}, false, {}}};
  nova.cell_dbs["c2"].bdms = {Bdm("b2", "i2", "v2")};
  nova.mappings = {{"i1", "c1"}, {"i-gone", "c1"}, {"i-nowhere", "c1"}, {"i2", "c2"}};
  return nova;
}

}  // namespace

TEST_CASE("agent::db::LocateVolumeBdm") {
  agent::Log log;
  MemoryNova nova = TwoCells();
  SUBCASE("found through the instance's cell") {
    LocateResult r = LocateVolumeBdm(nova, "i1", "v1", log);
    REQUIRE(r.ok());
    CHECK(r.value().bdm.uuid == "b1");
    CHECK(r.value().cell->name == "cell1");
  }
  SUBCASE("no mapping") {
    LocateResult r = LocateVolumeBdm(nova, "i9", "v1", log);
    REQUIRE_FALSE(r.ok());
    CHECK(r.failure() == LocateFailure::kNoInstanceMapping);
    CHECK(r.status().message() == "Instance i9 has no mapping to a cell.");
  }
  SUBCASE("mapped but no instance row") {
    CHECK(LocateVolumeBdm(nova, "i-nowhere", "v1", log).failure() == LocateFailure::kInstanceNotFound);
  }
  SUBCASE("deleted instance") {
    CHECK(LocateVolumeBdm(nova, "i-gone", "v1", log).failure() == LocateFailure::kInstanceDeleted);
  }
  SUBCASE("instance without that volume") {
    LocateResult r = LocateVolumeBdm(nova, "i1", "v2", log);
    CHECK(r.failure() == LocateFailure::kBdmNotFound);
  }
  SUBCASE("unreachable cell") {
    nova.cell_dbs.erase("c1");
    LocateResult r = LocateVolumeBdm(nova, "i1", "v1", log);
    CHECK(r.failure() == LocateFailure::kCellDatabase);
    CHECK(r.status().code() == base::Code::kUnavailable);
  }
}

TEST_CASE("agent::db::LocateBdmByUuid") {
  agent::Log log;
  MemoryNova nova = TwoCells();
  SUBCASE("searches every cell") {
    LocateResult r = LocateBdmByUuid(nova, "b2", log);
    REQUIRE(r.ok());
    CHECK(r.value().cell->name == "cell2");
  }
  SUBCASE("absent everywhere") {
    LocateResult r = LocateBdmByUuid(nova, "b9", log);
    CHECK(r.failure() == LocateFailure::kBdmNotFound);
    CHECK(r.status().message() == "No Block Device Mapping with uuid b9 in any of 3 cells.");
  }
  SUBCASE("found even when another cell is down") {
    nova.cell_dbs.erase("c1");
    CHECK(LocateBdmByUuid(nova, "b2", log).ok());
  }
  SUBCASE("absent from the cells that answered, one cell down: not a plain not-found") {
    nova.cell_dbs.erase("c1");
    LocateResult r = LocateBdmByUuid(nova, "b1", log);
    CHECK(r.failure() == LocateFailure::kCellDatabase);
    CHECK(r.status().message().find("could not search 'cell1'") != std::string::npos);
  }
}

TEST_CASE("agent::db::LocateBdmByUuid asks the cells at once and merges their answers in cell order") {
  agent::Log log;
  MemoryNova nova = TwoCells();
  LastToFirst last_to_first(3);
  nova.around_cell = std::ref(last_to_first);
  SUBCASE("the BDM in two cells: the first cell's wins, though it answered last") {
    nova.cell_dbs["c2"].bdms.push_back(Bdm("b1", "i-copy", "v-copy"));
    LocateResult r = LocateBdmByUuid(nova, "b1", log);
    REQUIRE(r.ok());
    CHECK(r.value().cell->name == "cell1");
    CHECK(r.value().bdm.instance_uuid == "i1");
    CHECK(r.value().cell_db == &nova.cell_dbs["c1"]);
  }
  SUBCASE("found in a later cell while an earlier one is down") {
    nova.cell_dbs.erase("c0");
    LocateResult r = LocateBdmByUuid(nova, "b2", log);
    REQUIRE(r.ok());
    CHECK(r.value().cell->name == "cell2");
  }
  SUBCASE("two cells down: the first failure in cell order, every failed cell named in cell order") {
    nova.cell_dbs.erase("c0");
    nova.cell_dbs.erase("c2");
    LocateResult r = LocateBdmByUuid(nova, "b9", log);
    REQUIRE_FALSE(r.ok());
    CHECK(r.failure() == LocateFailure::kCellDatabase);
    CHECK(r.status().code() == base::Code::kUnavailable);
    CHECK(r.status().message() ==
          "Block Device Mapping b9 not found in the cells that answered; could not search 'cell0', 'cell2': "
          "cell 'cell0' database: refused");
  }
  SUBCASE("absent everywhere") {
    CHECK(LocateBdmByUuid(nova, "b9", log).failure() == LocateFailure::kBdmNotFound);
  }
  CHECK(last_to_first.gave_up() == 0);
  CHECK(last_to_first.order() == std::vector<std::int64_t>{3, 2, 1});
}
