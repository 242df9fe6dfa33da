// `bdm-agent serve`: an oslo.messaging RPC server that deployments call and
// cast to, as one Nova service talks to another: Target(topic, server=host)
// on the control exchange over nova.conf's transport_url (queues "<topic>",
// "<topic>.<host>" and the fanout queue, declared as oslo does), answering
// the bdm_agent endpoint of agent/serve/endpoint.h.
//
// It runs until SIGTERM or SIGINT (requests in flight finish first), reads
// its configuration again on SIGHUP (and reopens --log-file), waits for a
// broker that is down at start, and logs in oslo.log's format. With
// $NOTIFY_SOCKET set (systemd Type=notify) it says READY=1 once it consumes.
// Exit codes: 0 stopped on request; 20 configuration; 17 the broker refused
// us (credentials, a declaration) or the connection could not be kept; 64
// bad command line.
#pragma once

#include <string>
#include <vector>

#include "agent/command_env.h"

namespace agent::commands {

int RunServe(const std::vector<std::string>& args, const CommandEnv& env);

}  // namespace agent::commands
