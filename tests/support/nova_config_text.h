// NovaConfigFromText: a config::NovaConfig from nova.conf text, as loading
// one file "nova.conf" gives it, with `hostname` as the [DEFAULT] host
// default. Fails the calling doctest case when the text does not load. One
// helper for the unit tests that read options from a config.
#pragma once

#include <string>
#include <utility>

#include <doctest/doctest.h>

#include "agent/config/nova_config.h"

namespace test {

inline agent::config::NovaConfig NovaConfigFromText(const std::string& text, std::string hostname = "node-7") {
  auto entries = agent::config::ParseIni(text, "nova.conf");
  REQUIRE_MESSAGE(entries.ok(), entries.error().message());
  agent::config::IniValues values;
  values.AddFile("nova.conf", *entries);
  auto conf = agent::config::BuildNovaConfig(std::move(values), std::move(hostname));
  REQUIRE_MESSAGE(conf.ok(), conf.error().message());
  return std::move(*conf);
}

}  // namespace test
