// Cinder endpoint URLs as Nova builds and checks them (nova/volume/cinder.py,
// cinderclient's get_volume_api_from_url): [cinder] endpoint_template
// expansion, the "must be API v3" check, the version-discovery URL, and the
// request URLs under the endpoint. Pure functions.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "base/result.h"

namespace agent::cinder {

// Nova formats endpoint_template with `%` and the request context's to_dict().
// nova-manage's context is an anonymous admin context, so every identity
// field (project_id, user_id, project, user, domain, ...) becomes "None",
// is_admin "True", read_only/show_deleted "False", read_deleted "no". "%%" is
// "%". request_id and timestamp (different on every run) are refused.
// kInvalidInput (naming "[cinder] endpoint_template") for a field the
// context does not have or any other '%' conversion, where Python raises.
base::Result<std::string> ExpandEndpointTemplate(std::string_view endpoint_template);

// OK when a path component of `url` is "v3" (and none is "v1" or "v2", which
// cinderclient looks for first); kInvalidInput otherwise, naming the URL.
base::Status CheckVolumeApiV3(std::string_view url);

// The URL Nova GETs for version discovery: scheme://netloc + the path cut
// before its last "v3" (or "v2") when the path ends with it or contains
// "/v3/"; else the URL as is. E.g. http://h:8776/v3/abc -> http://h:8776/.
std::string VersionRootUrl(std::string_view url);

// `endpoint` (trailing '/' dropped) + "/" + each segment percent-encoded
// (everything but A-Z a-z 0-9 - . _ ~), joined with '/'.
std::string EndpointUrl(std::string_view endpoint, std::initializer_list<std::string_view> segments);

// The endpoint with any "user:password@" removed, for messages.
std::string RedactedUrl(std::string_view url);

}  // namespace agent::cinder
