// Cell URL templates: Nova (since Rocky) lets a cell mapping's
// database_connection and transport_url be Python str.format() templates that
// are filled from the LOCAL config: database_connection from
// [database] connection, transport_url from [DEFAULT] transport_url
// (nova/objects/cell_mapping.py, CellMapping._format_url).
//
// The placeholders, all taken from Python's urlsplit of the local URL and
// inserted verbatim (nothing is decoded or encoded):
//   {scheme} (lower-cased), {username}, {password}, {hostname} (lower-cased,
//   IPv6 without brackets), {port}, {path} (without leading '/'), {query},
//   {fragment}.
// When the local URL's netloc has several comma-separated hosts, each host i
// (from 1) also gives {username<i>}, {password<i>}, {hostname<i>}, {port<i>},
// split by Nova's own _parse_netloc; the plain names then come from urlsplit
// of the whole netloc, so {username}/{password} span across hosts.
// As in Python, a missing part is the text "None" (e.g. {port} when the local
// URL has no port), an IPv6 {port<i>} keeps its leading ':' and "{{"/"}}" are
// literal braces. A URL without '{' or '}' is returned unchanged.
//
// Where Nova logs an error and keeps the template unchanged (local option
// unset, unknown placeholder, malformed template, local URL that urlsplit
// rejects), this returns an error naming the cell unless the caller asks for
// Nova's fallback. Conversions and format specs ("{port!r}", "{port:>5}") are
// not supported and count as malformed. Pure function, no state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace agent::config {

enum class CellUrlField {
  kDatabaseConnection,  // filled from [database] connection
  kTransportUrl,        // filled from [DEFAULT] transport_url
};

enum class OnTemplateError {
  kFail,          // return the error (FailedPrecondition or InvalidInput)
  kKeepTemplate,  // Nova's behaviour: use the cell's URL unchanged
};

// Expands `cell_url` of the cell called `cell_name` (used in messages only).
// `local_url` is the local option's value, nullopt when it is unset.
// Errors (with OnTemplateError::kFail):
//   FailedPrecondition  the URL is a template but the local option is unset
//   InvalidInput        unknown placeholder, unsupported or malformed
//                       template, or a local URL urlsplit cannot read
// Messages never contain the local URL's password; a placeholder in the
// cell URL's user/password part is not quoted back either.
base::Result<std::string> FormatCellUrl(std::string_view cell_url, CellUrlField field,
                                        const std::optional<std::string>& local_url,
                                        std::string_view cell_name,
                                        OnTemplateError on_error = OnTemplateError::kFail);

}  // namespace agent::config
