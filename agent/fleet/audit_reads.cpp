#include "agent/fleet/audit_reads.h"

#include <algorithm>
#include <functional>

#include "agent/fleet/connection_compare.h"
#include "agent/input/bounded_json.h"

namespace agent::fleet {
namespace {

using base::Result;
using base::Status;

// Whether a stored connection_info passes --driver-volume-type: yes when its
// type is `wanted` or cannot be told.
bool DriverTypeSelected(const std::optional<std::string>& connection_info, const std::string& wanted) {
  if (!connection_info) return true;
  auto parsed = input::ParseBoundedJson(*connection_info, {input::kMaxConnectionInfoBytes});
  if (!parsed.ok() || !parsed->IsObject()) return true;
  return StoredDriverType(*parsed) == wanted;
}

// Pages of T by id until an empty one.
template <typename T>
Status ReadAllPages(const std::function<Result<std::vector<T>>(const std::string&)>& fetch, std::vector<T>& out,
                    int& requests, std::string_view what) {
  std::string marker;
  for (;;) {
    BASE_TRY_ASSIGN(std::vector<T> page, fetch(marker));
    ++requests;
    if (page.empty()) return Status::Ok();
    if (page.back().id == marker) {
      return Status::RemoteError("Cinder listed " + std::string(what) + " after " + marker + " as " + marker +
                                 " again (its paging does not move on)");
    }
    marker = page.back().id;
    std::move(page.begin(), page.end(), std::back_inserter(out));
  }
}

}  // namespace

Result<std::vector<db::CellMapping>> SelectCells(const std::vector<db::CellMapping>& all,
                                                 const std::vector<std::string>& wanted) {
  if (wanted.empty()) return all;
  for (const std::string& name : wanted) {
    const bool known = std::any_of(all.begin(), all.end(),
                                   [&](const db::CellMapping& c) { return c.name == name || c.uuid == name; });
    if (!known) return Status::NotFound("no cell named " + name);
  }
  std::vector<db::CellMapping> out;
  for (const db::CellMapping& cell : all) {
    const bool chosen = std::any_of(wanted.begin(), wanted.end(),
                                    [&](const std::string& w) { return cell.name == w || cell.uuid == w; });
    if (chosen) out.push_back(cell);
  }
  return out;
}

Result<NovaSide> ReadNovaSide(db::NovaDatabase& nova, const std::vector<db::CellMapping>& cells,
                              const db::InstanceFilter& filter, const std::optional<std::string>& driver_volume_type) {
  NovaSide side;
  for (const db::CellMapping& cell : cells) {
    const std::string context = "cell " + (cell.name.empty() ? cell.uuid : cell.name);
    auto db = nova.Cell(cell);
    if (!db.ok()) return db.error().WithContext(context);
    auto rows = (*db)->ListInstanceVolumes(filter);
    if (!rows.ok()) return rows.error().WithContext(context);
    for (db::InstanceVolumeRow& row : *rows) {
      const std::string host = row.host.value_or("");
      if (side.instances.empty() || side.instances.back().uuid != row.instance_uuid ||
          side.instances.back().cell != cell.name) {
        side.instances.push_back({cell.name, row.instance_uuid, host, {}, {}});
      }
      if (row.bdm_id == 0) continue;
      if (driver_volume_type && !DriverTypeSelected(row.connection_info, *driver_volume_type)) {
        AuditInstance& owner = side.instances.back();
        if (row.attachment_id) {
          owner.unlisted_attachment_ids.push_back(std::move(*row.attachment_id));
        } else {
          owner.unlisted_legacy_volume_ids.push_back(std::move(row.volume_id));
        }
        continue;
      }
      side.bdms.push_back({cell.name, row.bdm_uuid.value_or(""), row.bdm_id, row.instance_uuid, host,
                           std::move(row.volume_id), std::move(row.attachment_id), std::move(row.connection_info)});
    }
  }
  return side;
}

Result<CinderSide> ReadCinderSide(cinder::AttachmentApi& api, int page) {
  CinderSide side;
  BASE_TRY(ReadAllPages<cinder::Attachment>(
      [&](const std::string& marker) { return api.ListAttachmentsPage(marker, page); }, side.attachments,
      side.requests, "attachments"));
  BASE_TRY(ReadAllPages<cinder::Volume>([&](const std::string& marker) { return api.ListVolumesPage(marker, page); },
                                        side.volumes, side.requests, "volumes"));
  return side;
}

}  // namespace agent::fleet
