// Nova's default for [DEFAULT] my_ip (nova/conf/netconf.py, computed when
// nova-manage starts, through oslo_utils.netutils.get_my_ipv4): the IPv4
// source address the kernel would pick for a packet to 192.0.2.0 (a UDP
// socket is "connected" there and asked for its name; nothing is sent);
// when that fails, the first IPv4 address of the default route's
// interface; else "127.0.0.1". Never fails. Safe from several threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/host/host_files.h"

namespace agent::host {

std::string NovaDefaultMyIp(const HostPaths& paths);

// The interface of the first IPv4 default route (destination and mask 0)
// in /proc/net/route text; nullopt when there is none.
std::optional<std::string> ParseDefaultRouteInterface(std::string_view proc_net_route);

}  // namespace agent::host
