// Unit tests of proto_compat/compute_rpc_version and remove_volume_connection:
// the `[upgrade_levels] compute` cap and the call it allows. Zed's values are
// checked against the installed nova (compute/rpcapi.py, objects/service.py)
// and, on the stack, against Zed's client in tests/wire.
#include "proto_compat/compute_rpc_version.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "proto_compat/remove_volume_connection.h"

using proto_compat::ComputeRpcCap;
using proto_compat::InstanceVersion;
using proto_compat::RpcVersion;

namespace {

RpcVersion V(std::string_view text) {
  auto version = proto_compat::ParseRpcVersion(text);
  REQUIRE(version.ok());
  return *version;
}

ComputeRpcCap Resolve(std::optional<std::string> level, std::optional<std::int64_t> minimum = std::nullopt) {
  auto cap = proto_compat::ResolveComputeRpcCap(level, minimum);
  REQUIRE_MESSAGE(cap.ok(), cap.error().ToString());
  return *cap;
}

std::string Describe(const proto_compat::RemoveVolumeConnectionCall& call) {
  return call.version + " " + call.topic + (call.delete_attachment ? " delete_attachment" : "") + " Instance " +
         std::string(proto_compat::InstanceVersionName(call.instance_version));
}

std::string Plan(const ComputeRpcCap& cap) {
  auto call = proto_compat::PlanRemoveVolumeConnection(cap);
  if (!call.ok()) return "error " + std::string(base::CodeName(call.error().code()));
  return Describe(*call);
}

}  // namespace

TEST_CASE("proto_compat::ParseRpcVersion and CanSendVersion (oslo version_is_compatible)") {
  CHECK(V("6.0") == RpcVersion{6, 0, std::nullopt});
  CHECK(V("5.13") == RpcVersion{5, 13, std::nullopt});
  CHECK(V("6.1.2") == RpcVersion{6, 1, 2});
  CHECK(proto_compat::FormatRpcVersion(V("6.1.2")) == "6.1.2");
  CHECK(proto_compat::FormatRpcVersion(V("4.22")) == "4.22");
  for (const std::string bad : {"", "6", "6.", ".1", "6.x", "six.zero", "6.0.0.0", "-1.0", "6.0 "}) {
    CAPTURE(bad);
    auto version = proto_compat::ParseRpcVersion(bad);
    REQUIRE_FALSE(version.ok());
    CHECK(version.error().code() == base::Code::kInvalidInput);
  }

  struct Case {
    std::optional<std::string> cap;
    std::string version;
    bool can_send;
  };
  const std::vector<Case> cases = {
      {std::nullopt, "6.5", true}, {"6.1", "6.0", true},   {"6.1", "6.1", true},  {"6.1", "6.2", false},
      {"6.1", "5.0", false},       {"5.12", "5.0", true},  {"5.12", "6.0", false}, {"7.0", "6.0", false},
      {"6.1", "6.1.1", false},     {"6.1.1", "6.1", true}, {"6.1.1", "6.1.1", true}, {"6.2", "6.1.9", true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.cap.value_or("none"));
    CAPTURE(c.version);
    const std::optional<RpcVersion> cap = c.cap ? std::optional(V(*c.cap)) : std::nullopt;
    CHECK(proto_compat::CanSendVersion(cap, V(c.version)) == c.can_send);
  }
}

TEST_CASE("proto_compat::ResolveComputeRpcCap: release names and literal versions") {
  struct Case {
    std::string level;
    std::string cap;
    std::string call;
  };
  const std::vector<Case> cases = {
      {"icehouse", "3.23", "error failed precondition"},
      {"juno", "3.35", "error failed precondition"},
      {"kilo", "4.0", "error failed precondition"},
      {"liberty", "4.5", "error failed precondition"},
      {"mitaka", "4.11", "error failed precondition"},
      {"newton", "4.13", "error failed precondition"},
      {"ocata", "4.13", "error failed precondition"},
      {"pike", "4.17", "error failed precondition"},
      {"queens", "5.0", "5.0 compute Instance 2.7"},
      {"rocky", "5.0", "5.0 compute Instance 2.7"},
      {"stein", "5.1", "5.0 compute Instance 2.7"},
      {"train", "5.3", "5.0 compute Instance 2.7"},
      {"ussuri", "5.11", "5.0 compute Instance 2.7"},
      {"victoria", "5.12", "5.0 compute Instance 2.7"},
      {"wallaby", "6.0", "6.0 compute Instance 2.7"},
      {"xena", "6.0", "6.0 compute Instance 2.7"},
      {"yoga", "6.0", "6.0 compute Instance 2.7"},
      {"zed", "6.1", "6.0 compute Instance 2.7"},
      {"antelope", "6.2", "6.0 compute Instance 2.7"},
      {"bobcat", "6.2", "6.0 compute Instance 2.7"},
      {"caracal", "6.3", "6.3 compute delete_attachment Instance 2.8"},
      {"dalmatian", "6.3", "6.3 compute delete_attachment Instance 2.8"},
      {"epoxy", "6.4", "6.3 compute delete_attachment Instance 2.8"},
      {"flamingo", "6.4", "6.3 compute delete_attachment Instance 2.8"},
      {"gazpacho", "6.5", "6.3 compute-alt delete_attachment Instance 2.8"},
      {"6.0", "6.0", "6.0 compute Instance 2.7"},
      {"5.13", "5.13", "5.0 compute Instance 2.7"},
      {"4.22", "4.22", "error failed precondition"},
      {"6.3", "6.3", "6.3 compute delete_attachment Instance 2.8"},
      {"6.9", "6.9", "6.3 compute-alt delete_attachment Instance 2.8"},
      {"7.0", "7.0", "error failed precondition"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.level);
    const ComputeRpcCap cap = Resolve(c.level);
    REQUIRE(cap.cap.has_value());
    CHECK(proto_compat::FormatRpcVersion(*cap.cap) == c.cap);
    CHECK(Plan(cap) == c.call);
    CHECK(cap.origin.find(c.level) != std::string::npos);
  }

  SUBCASE("the newest call takes an explicit cap at the newest version") {
    for (const std::string level : {"gazpacho", "6.5"}) {
      CAPTURE(level);
      CHECK(Plan(Resolve(level)) == "6.3 compute-alt delete_attachment Instance 2.8");
    }
  }
  SUBCASE("no cap at all (Nova's unpinned client; never resolved here): the newest call") {
    CHECK(Plan(ComputeRpcCap{std::nullopt, "no cap"}) == "6.3 compute-alt delete_attachment Instance 2.8");
  }
  SUBCASE("neither alias nor version: invalid input (aliases are lower case)") {
    for (const std::string level : {"Zed", "ZED", "", "latest", "zed ", "6"}) {
      CAPTURE(level);
      auto cap = proto_compat::ResolveComputeRpcCap(level, std::nullopt);
      REQUIRE_FALSE(cap.ok());
      CHECK(cap.error().code() == base::Code::kInvalidInput);
    }
  }
  SUBCASE("the too-old error names the cap and what the call needs") {
    auto call = proto_compat::PlanRemoveVolumeConnection(Resolve("pike"));
    REQUIRE_FALSE(call.ok());
    CHECK(call.error().code() == base::Code::kFailedPrecondition);
    CHECK(call.error().message().find("4.17") != std::string::npos);
    CHECK(call.error().message().find("pike") != std::string::npos);
    CHECK(call.error().message().find("5.0") != std::string::npos);
  }
}

TEST_CASE("proto_compat::ResolveComputeRpcCap: auto from the minimum service version") {
  struct Case {
    std::int64_t service_version;
    std::string cap;
    std::string call;
  };
  const std::vector<Case> cases = {
      {1, "4.4", "error failed precondition"},
      {29, "4.22", "error failed precondition"},
      {30, "5.0", "5.0 compute Instance 2.7"},
      {52, "5.11", "5.0 compute Instance 2.7"},
      {53, "5.12", "5.0 compute Instance 2.7"},
      {55, "5.13", "5.0 compute Instance 2.7"},
      {56, "6.0", "6.0 compute Instance 2.7"},
      {60, "6.0", "6.0 compute Instance 2.7"},
      {61, "6.0", "6.0 compute Instance 2.7"},
      {62, "6.0", "6.0 compute Instance 2.7"},
      {63, "6.0", "6.0 compute Instance 2.7"},
      {64, "6.1", "6.0 compute Instance 2.7"},  // Zed's SERVICE_VERSION: the stack's computes
      {65, "6.1", "6.0 compute Instance 2.7"},
      {66, "6.2", "6.0 compute Instance 2.7"},
      {67, "6.3", "6.3 compute delete_attachment Instance 2.8"},
      {68, "6.3", "6.3 compute delete_attachment Instance 2.8"},
      {69, "6.3", "6.3 compute delete_attachment Instance 2.8"},
      {70, "6.4", "6.3 compute delete_attachment Instance 2.8"},
      {71, "6.4", "6.3 compute delete_attachment Instance 2.8"},
      {72, "6.4", "6.3 compute delete_attachment Instance 2.8"},
      {73, "6.5", "6.3 compute-alt delete_attachment Instance 2.8"},
  };
  // Unset is auto (unlike Nova, whose unpinned client sends its newest).
  for (const std::optional<std::string>& level : {std::optional<std::string>("auto"), std::optional<std::string>()}) {
    CAPTURE(level.value_or("(unset)"));
    for (const Case& c : cases) {
      CAPTURE(c.service_version);
      const ComputeRpcCap cap = Resolve(level, c.service_version);
      REQUIRE(cap.cap.has_value());
      CHECK(proto_compat::FormatRpcVersion(*cap.cap) == c.cap);
      CHECK(Plan(cap) == c.call);
      CHECK(cap.origin.find(std::to_string(c.service_version)) != std::string::npos);
      CHECK(cap.origin.find(level ? "= auto" : "not set (as auto)") != std::string::npos);
    }
  }
  SUBCASE("no computes (0): the newest version, as Nova does") {
    CHECK(proto_compat::FormatRpcVersion(*Resolve("auto", 0).cap) == "6.5");
    CHECK(proto_compat::FormatRpcVersion(*Resolve(std::nullopt, 0).cap) == "6.5");
  }
  SUBCASE("computes newer than this client: Nova's ServiceTooOld") {
    for (const std::optional<std::string>& level : {std::optional<std::string>("auto"), std::optional<std::string>()}) {
      auto cap = proto_compat::ResolveComputeRpcCap(level, 74);
      REQUIRE_FALSE(cap.ok());
      CHECK(cap.error().code() == base::Code::kFailedPrecondition);
      CHECK(cap.error().message().find("74") != std::string::npos);
    }
  }
  SUBCASE("a negative version is corrupt data") {
    auto cap = proto_compat::ResolveComputeRpcCap(std::nullopt, -2);
    REQUIRE_FALSE(cap.ok());
    CHECK(cap.error().code() == base::Code::kCorrupt);
  }
  SUBCASE("auto or unset without the service version is a caller's bug") {
    CHECK_THROWS_AS((void)proto_compat::ResolveComputeRpcCap(std::nullopt, std::nullopt), std::logic_error);
    CHECK_THROWS_AS((void)proto_compat::ResolveComputeRpcCap(std::string("auto"), std::nullopt), std::logic_error);
  }
  SUBCASE("the service history table") {
    CHECK(proto_compat::ComputeRpcForServiceVersion(0) == std::optional(V("4.0")));
    CHECK(proto_compat::ComputeRpcForServiceVersion(54) == std::optional(V("5.13")));
    CHECK_FALSE(proto_compat::ComputeRpcForServiceVersion(74).has_value());
    CHECK_FALSE(proto_compat::ComputeRpcForServiceVersion(-1).has_value());
    CHECK(proto_compat::IsAutoUpgradeLevel(std::string("auto")));
    CHECK_FALSE(proto_compat::IsAutoUpgradeLevel(std::string("Auto")));
    CHECK(proto_compat::IsAutoUpgradeLevel(std::nullopt));
    CHECK_FALSE(proto_compat::IsAutoUpgradeLevel(std::string("")));
    CHECK_FALSE(proto_compat::IsAutoUpgradeLevel(std::string("zed")));
  }
}

TEST_CASE("proto_compat::MinimumServiceVersionAcrossCells (get_minimum_version_all_cells)") {
  using Cells = std::vector<std::optional<std::int64_t>>;
  struct Case {
    Cells cells;
    std::int64_t minimum;
  };
  const std::vector<Case> cases = {
      {{}, 0},
      {{std::nullopt}, 0},             // cell0: no services
      {{std::nullopt, 64}, 64},
      {{66, 64, std::nullopt}, 64},
      {{0, 67}, 67},                   // zero is not a version
      {{73, 73}, 73},
  };
  for (const Case& c : cases) {
    CHECK(proto_compat::MinimumServiceVersionAcrossCells(c.cells) == c.minimum);
  }
}

TEST_CASE("proto_compat::RemoveVolumeConnectionArgs keyword order") {
  auto newest = proto_compat::PlanRemoveVolumeConnection(Resolve("gazpacho"));
  REQUIRE(newest.ok());
  auto args = proto_compat::RemoveVolumeConnectionArgs(*newest, R"({"i": 1})", "vol");
  REQUIRE(args.ok());
  CHECK(*args == R"({"instance": {"i": 1}, "volume_id": "vol", "delete_attachment": true})");
  auto zed = proto_compat::PlanRemoveVolumeConnection(Resolve("zed"));
  REQUIRE(zed.ok());
  args = proto_compat::RemoveVolumeConnectionArgs(*zed, R"({"i": 1})", "vol");
  REQUIRE(args.ok());
  CHECK(*args == R"({"instance": {"i": 1}, "volume_id": "vol"})");
  CHECK_FALSE(proto_compat::RemoveVolumeConnectionArgs(*zed, "{}", "\xff").ok());
}
