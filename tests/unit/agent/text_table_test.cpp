#include "agent/text_table.h"

#include <doctest/doctest.h>

TEST_CASE("agent::RenderTable") {
  SUBCASE("pads every column to its widest cell") {
    CHECK(agent::RenderTable({"Property", "Value"}, {{"id", "42"}, {"device_name", "/dev/vdb"}}) ==
          "+-------------+----------+\n"
          "| Property    | Value    |\n"
          "+-------------+----------+\n"
          "| id          | 42       |\n"
          "| device_name | /dev/vdb |\n"
          "+-------------+----------+\n");
  }
  SUBCASE("a multi-line cell continues with blank neighbours") {
    CHECK(agent::RenderTable({"k", "v"}, {{"a", "x\nyy"}}) ==
          "+---+----+\n| k | v  |\n+---+----+\n| a | x  |\n|   | yy |\n+---+----+\n");
  }
  SUBCASE("widths count UTF-8 code points") {
    CHECK(agent::RenderTable({"k"}, {{"\xc3\xa9t\xc3\xa9"}}) == "+-----+\n| k   |\n+-----+\n| \xc3\xa9t\xc3\xa9 |\n+-----+\n");
  }
  SUBCASE("control characters and bytes that are not UTF-8 are shown escaped") {
    CHECK(agent::RenderTable({"k"}, {{"a\x1b]0;x\x07\r\xc2\x9b\xff"}}) ==
          "+-----------------------------+\n| k                           |\n+-----------------------------+\n"
          "| a\\x1b]0;x\\x07\\x0d\\u009b\\xff |\n+-----------------------------+\n");
  }
}
