// Whether LightOS's discovery client (DSC) runs on this host, checked as
// os-brick's LightOSConnector.find_dsc does: an HTTP "HEAD /metrics" to
// localhost port 6060 that answers with status 200. Any other answer, a
// refused or failed connection, or no answer within `timeout` means "not
// found" (os-brick waits without limit; bdm-agent does not). Opens one TCP
// connection per address of "localhost"; safe from several threads.
#pragma once

#include <chrono>
#include <string_view>

namespace agent::host {

inline constexpr int kLightosDiscoveryPort = 6060;

bool LightosDiscoveryClientFound(std::chrono::milliseconds timeout = std::chrono::seconds(5));

// True when an HTTP response starts with a status line whose code is 200.
bool IsHttpOkStatusLine(std::string_view response);

}  // namespace agent::host
