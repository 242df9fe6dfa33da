// What the integration tests know about the local stack (tools/stack): the
// stack's nova.conf, loaded with bdm-agent's own loader, and the rows
// tools/seed created (seed.json). A missing stack fails the test; it is never
// skipped, so CI cannot pass without having tested.
#pragma once

#include <string>
#include <vector>

#include "agent/config/nova_config.h"

namespace testing {

struct SeededBdm {
  std::string instance_uuid;
  std::string volume_id;
  std::string bdm_uuid;
  std::string attachment_id;
  std::string host;
};

struct Stack {
  std::string dir;
  std::string nova_conf_path;
  agent::config::NovaConfig nova_conf;
  std::vector<SeededBdm> seeded;
};

// Loads the stack description once; fails the calling test if it is missing.
const Stack& LocalStack();

}  // namespace testing
