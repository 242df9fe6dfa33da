// The bulk reads behind `bdm-agent audit`: what the classification
// (audit.h) needs, fetched in a number of requests that does not grow with
// the number of BDMs:
//   Nova:   one query per selected cell (CellDatabase::ListInstanceVolumes:
//           the scope's live instances with their volume BDMs);
//   Cinder: GET /attachments/detail?all_tenants=1 and GET
//           /volumes/detail?all_tenants=1, paged by id with markers, `page`
//           items a request, until a page comes back empty (so
//           ceil(n / page) + 1 requests for n items).
// Read-only: nothing here writes to a database or sends anything but GETs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/cinder/attachment_api.h"
#include "agent/db/nova_database.h"
#include "agent/fleet/audit.h"
#include "base/result.h"

namespace agent::fleet {

// The cells whose name or uuid is in `wanted` (every cell when empty), in
// `all`'s order; kNotFound naming the first name that matches no cell.
base::Result<std::vector<db::CellMapping>> SelectCells(const std::vector<db::CellMapping>& all,
                                                       const std::vector<std::string>& wanted);

struct NovaSide {
  std::vector<AuditBdm> bdms;
  std::vector<AuditInstance> instances;
};

// One ListInstanceVolumes per cell. With `driver_volume_type`, only BDMs
// whose stored driver_volume_type is that one are kept, and those whose
// type cannot be told (connection_info NULL or not JSON); the others are
// noted on their instance (AuditInstance::unlisted_*), so that their
// attachments are not taken for dangling ones. Errors: the cell
// database's (nova_database.h), with the cell's name for context.
base::Result<NovaSide> ReadNovaSide(db::NovaDatabase& nova, const std::vector<db::CellMapping>& cells,
                                    const db::InstanceFilter& filter,
                                    const std::optional<std::string>& driver_volume_type);

struct CinderSide {
  std::vector<cinder::Attachment> attachments;
  std::vector<cinder::Volume> volumes;
  int requests = 0;  // HTTP requests sent for them
};

inline constexpr int kDefaultCinderPage = 1000;  // Cinder's default osapi_max_limit

// Every attachment and volume Cinder lists; its errors as attachment_api.h,
// kRemoteError when a page does not move on (the same last id twice).
base::Result<CinderSide> ReadCinderSide(cinder::AttachmentApi& api, int page = kDefaultCinderPage);

}  // namespace agent::fleet
