#include "tests/integration/stack_fixture.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <rapidjson/document.h>

namespace testing {
namespace {

Stack Load() {
  Stack stack;
  const char* dir = std::getenv("BDM_STACK_DIR");
  stack.dir = dir ? dir : "/var/tmp/bdm-agent-stack";
  stack.nova_conf_path = stack.dir + "/etc/nova.conf";
  auto conf = agent::config::LoadNovaConfig(
      {{agent::config::SourceKind::kFile, stack.nova_conf_path}});
  if (!conf.ok()) throw std::runtime_error("stack nova.conf: " + conf.error().ToString());
  stack.nova_conf = *conf;

  std::ifstream in(stack.dir + "/seed.json");
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  if (doc.HasParseError() || !doc.IsArray() || doc.Empty()) {
    throw std::runtime_error(stack.dir + "/seed.json missing or empty: run tools/stack up && tools/seed");
  }
  for (const auto& row : doc.GetArray()) {
    stack.seeded.push_back({row["instance_uuid"].GetString(), row["volume_id"].GetString(),
                            row["bdm_uuid"].GetString(), row["attachment_id"].GetString(),
                            row["host"].GetString()});
  }
  return stack;
}

}  // namespace

const Stack& LocalStack() {
  static const Stack stack = Load();
  return stack;
}

}  // namespace testing
