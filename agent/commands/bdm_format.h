// How `show` prints a block device mapping: a Property/Value table (default),
// JSON (--json), or connection_info alone (--connection-info), with secrets in
// connection_info masked unless ShowSecrets::kYes.
//
// JSON keys follow the BlockDeviceMapping object's field order, as
// nova-manage's --json does, and datetimes use the same "%Y-%m-%dT%H:%M:%S.%f"
// form; unlike nova-manage, connection_info is a nested JSON object, not a
// string holding JSON. Table rows are sorted by key, values rendered the way
// nova-manage renders them (None/True/False, "YYYY-MM-DD HH:MM:SS+00:00"),
// except JSON objects, which are indented over several lines to stay readable.
//
// A connection_info that is not valid JSON is kCorrupt (with the parse offset),
// unless secrets are shown, in which case the stored text is printed as is.
// JSON output is ASCII, as Python's json.dumps writes it (AsciiJson,
// terminal_text.h: non-ASCII, DEL and control characters as \uHHHH, bytes
// that are not UTF-8 as \ufffd); tables escape control characters
// (RenderTable). Nothing printed can drive a terminal.
#pragma once

#include <string>

#include "agent/db/records.h"
#include "base/result.h"

namespace agent {

enum class ShowSecrets { kNo, kYes };

base::Result<std::string> FormatBdmJson(const db::BlockDeviceMapping& bdm, ShowSecrets secrets);
base::Result<std::string> FormatBdmTable(const db::BlockDeviceMapping& bdm, ShowSecrets secrets);
base::Result<std::string> FormatConnectionInfoJson(const db::BlockDeviceMapping& bdm, ShowSecrets secrets);
base::Result<std::string> FormatConnectionInfoTable(const db::BlockDeviceMapping& bdm, ShowSecrets secrets);

// "2021-09-14 13:03:30" -> "2021-09-14T13:03:30.000000" (nova-manage --json).
std::string JsonDatetime(const std::string& mysql_datetime);
// "2021-09-14 13:03:30" -> "2021-09-14 13:03:30+00:00" (nova-manage table).
std::string TableDatetime(const std::string& mysql_datetime);

}  // namespace agent
