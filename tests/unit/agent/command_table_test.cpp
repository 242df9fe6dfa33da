#include "agent/command_table.h"

#include <doctest/doctest.h>

TEST_CASE("agent::FindCommand and SuggestCommand") {
  REQUIRE(agent::FindCommand("show") != nullptr);
  CHECK(agent::FindCommand("shwo") == nullptr);
  CHECK(agent::SuggestCommand("shwo") == std::optional<std::string_view>("show"));
  CHECK(agent::SuggestCommand("sho") == std::optional<std::string_view>("show"));
  CHECK_FALSE(agent::SuggestCommand("reboot-everything").has_value());
}
