// The bulk reads of `bdm-agent audit` (agent/fleet/audit_reads.h) against
// the stack's real Cinder: small pages with markers list every attachment
// and volume once, in id order, in one request per page plus the empty one
// that ends each listing.
#include <doctest/doctest.h>

#include "agent/cinder/cinder_client.h"
#include "agent/fleet/audit_reads.h"
#include "tests/integration/cinder_test_support.h"

namespace {

template <typename T>
bool StrictlyAscending(const std::vector<T>& items) {
  for (std::size_t i = 1; i < items.size(); ++i) {
    if (!(items[i - 1].id < items[i].id)) return false;
  }
  return true;
}

int Pages(std::size_t items, std::size_t page) { return static_cast<int>((items + page - 1) / page) + 1; }

}  // namespace

TEST_CASE("fleet::ReadCinderSide pages the stack's Cinder by id with markers") {
  auto api = agent::cinder::ConnectCinder(testing::StackNovaConf(), {});
  REQUIRE_MESSAGE(api.ok(), api.error().ToString());
  constexpr int kPage = 7;
  auto side = agent::fleet::ReadCinderSide(**api, kPage);
  REQUIRE_MESSAGE(side.ok(), side.error().ToString());
  REQUIRE(!side->volumes.empty());  // the stack is seeded
  CHECK(StrictlyAscending(side->attachments));
  CHECK(StrictlyAscending(side->volumes));
  CHECK(side->requests == Pages(side->attachments.size(), kPage) + Pages(side->volumes.size(), kPage));
  // The admin's view: every attached volume names its host.
  for (const auto& volume : side->volumes) {
    for (const auto& to : volume.attached_to) CHECK_MESSAGE(!to.host_name.empty(), volume.id);
  }
}
