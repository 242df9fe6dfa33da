// RunProgram with real programs from the base system.
#include "agent/host/program_runner.h"

#include <doctest/doctest.h>

TEST_CASE("agent::host::RunProgram") {
  using agent::host::RunProgram;
  SUBCASE("stdout and the exit code; stderr is dropped") {
    auto run = RunProgram({"sh", "-c", "echo out; echo err >&2; exit 3"});
    REQUIRE_MESSAGE(run.ok(), run.error().message());
    CHECK(run->exit_code == 3);
    CHECK(run->out == "out\n");
  }
  SUBCASE("arguments are passed as they are, without a shell") {
    auto run = RunProgram({"printf", "%s|", "a b", "$HOME", "*"});
    REQUIRE(run.ok());
    CHECK(run->out == "a b|$HOME|*|");
  }
  SUBCASE("stdin is empty") {
    auto run = RunProgram({"cat"});
    REQUIRE(run.ok());
    CHECK(run->out.empty());
    CHECK(run->exit_code == 0);
  }
  SUBCASE("a program that is not installed is NotFound") {
    auto run = RunProgram({"bdm-agent-no-such-program"});
    REQUIRE_FALSE(run.ok());
    CHECK(run.error().IsNotFound());
  }
  SUBCASE("a program that runs too long is killed: Timeout") {
    auto run = RunProgram({"sleep", "10"}, std::chrono::milliseconds(100));
    REQUIRE_FALSE(run.ok());
    CHECK(run.error().code() == base::Code::kTimeout);
  }
  SUBCASE("killed by a signal: 128 + the signal") {
    auto run = RunProgram({"sh", "-c", "kill -TERM $$"});
    REQUIRE(run.ok());
    CHECK(run->exit_code == 128 + 15);
  }
}
