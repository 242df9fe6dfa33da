// get-connector's config: Nova's computed my_ip is the default of [DEFAULT]
// my_ip, so my_block_storage_ip and "$my_ip" resolve as in Nova.
#include <stdlib.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "agent/commands/get_connector.h"
#include "tests/support/temp_dir.h"

namespace {

using agent::config::SourceKind;

std::string WriteConf(const std::string& dir, const std::string& text) {
  const std::string path = dir + "/nova.conf";
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("agent::commands::LoadConfigWithMyIp") {
  const test::TempDir temp;
  const std::string& dir = temp.path();
  SUBCASE("neither option set: the computed address") {
    auto c = agent::commands::LoadConfigWithMyIp({{SourceKind::kFile, WriteConf(dir, "[DEFAULT]\n")}}, "198.51.100.7");
    REQUIRE_MESSAGE(c.ok(), c.error().message());
    CHECK(c->my_block_storage_ip == "198.51.100.7");
    CHECK(c->my_ip == "198.51.100.7");
  }
  SUBCASE("the file's my_ip wins over the computed one") {
    auto c = agent::commands::LoadConfigWithMyIp(
        {{SourceKind::kFile, WriteConf(dir, "[DEFAULT]\nmy_ip = 10.0.0.5\n")}}, "198.51.100.7");
    REQUIRE_MESSAGE(c.ok(), c.error().message());
    CHECK(c->my_block_storage_ip == "10.0.0.5");
  }
  SUBCASE("$my_ip resolves to the computed address") {
    auto c = agent::commands::LoadConfigWithMyIp(
        {{SourceKind::kFile, WriteConf(dir, "[DEFAULT]\nmy_block_storage_ip = $my_ip\n")}}, "198.51.100.7");
    REQUIRE_MESSAGE(c.ok(), c.error().message());
    CHECK(c->my_block_storage_ip == "198.51.100.7");
  }
  SUBCASE("my_block_storage_ip set explicitly; host and multipath read") {
    auto c = agent::commands::LoadConfigWithMyIp(
        {{SourceKind::kFile, WriteConf(dir, "[DEFAULT]\nmy_block_storage_ip = 10.1.1.1\nhost = cmp-9\n"
                                            "[libvirt]\niscsi_use_multipath = yes\n")}},
        "198.51.100.7");
    REQUIRE_MESSAGE(c.ok(), c.error().message());
    CHECK(c->my_block_storage_ip == "10.1.1.1");
    CHECK(c->host == "cmp-9");
    CHECK(c->libvirt_volume_use_multipath);
  }
  SUBCASE("a missing file is NotFound") {
    auto c = agent::commands::LoadConfigWithMyIp({{SourceKind::kFile, dir + "/missing.conf"}}, "198.51.100.7");
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().IsNotFound());
  }
}
