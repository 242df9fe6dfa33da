// The output of `bdm-agent audit` (audit.h's report):
//   table: the count of each class (every class, zeros too), then one row
//          per BDM that is not ok and per dangling attachment;
//   JSON:  one line per BDM that is not ok ({"class", "bdm_uuid",
//          "instance_uuid", "volume_id", "host", "cell", "attachment_id",
//          "reason"}), one per dangling attachment ({"class": "dangling",
//          "attachment_id", "instance_uuid", "volume_id", "host", "cell",
//          "status"}), then one summary line ({"summary": {<class>: count,
//          ..., "bdms": total}}).
// Neither ever shows connection_info (reasons name fields, audit.h).
#pragma once

#include <string>

#include "agent/fleet/audit.h"

namespace agent::fleet {

std::string FormatAuditTable(const AuditReport& report);
std::string FormatAuditJsonLines(const AuditReport& report);

}  // namespace agent::fleet
