#include "agent/refresh/stray_attachments.h"

#include <doctest/doctest.h>

using agent::cinder::Attachment;
using agent::refresh::StrayKind;

namespace {

Attachment Make(std::string id, std::string status, std::string instance, std::optional<std::string> info) {
  Attachment a;
  a.id = std::move(id);
  a.status = std::move(status);
  a.instance = std::move(instance);
  a.volume_id = "vol";
  a.connection_info = std::move(info);
  return a;
}

}  // namespace

TEST_CASE("agent::refresh::IsBareReservation") {
  CHECK(agent::refresh::IsBareReservation(Make("a", "reserved", "i", std::nullopt)));
  CHECK(agent::refresh::IsBareReservation(Make("a", "reserved", "i", "{}")));
  CHECK(agent::refresh::IsBareReservation(Make("a", "reserved", "i", "null")));
  CHECK_FALSE(agent::refresh::IsBareReservation(Make("a", "reserved", "i", R"({"driver_volume_type":"rbd"})")));
  CHECK_FALSE(agent::refresh::IsBareReservation(Make("a", "attaching", "i", "{}")));
  CHECK_FALSE(agent::refresh::IsBareReservation(Make("a", "attached", "i", std::nullopt)));
}

TEST_CASE("agent::refresh::FindStrayAttachments") {
  const std::vector<Attachment> listed = {
      Make("bdms", "attached", "inst", R"({"x":1})"),
      Make("bare", "reserved", "inst", "{}"),
      Make("other-instance", "reserved", "other", "{}"),
      Make("connected", "attaching", "inst", R"({"x":1})"),
      Make("reserved-with-connection", "reserved", "inst", R"({"x":1})"),
  };
  const std::vector<std::string> named = {"bdms"};
  const auto strays = agent::refresh::FindStrayAttachments(listed, "inst", named);
  REQUIRE(strays.size() == 3);
  CHECK(strays[0].attachment.id == "bare");
  CHECK(strays[0].kind == StrayKind::kAbandonedReservation);
  CHECK(strays[1].attachment.id == "connected");
  CHECK(strays[1].kind == StrayKind::kForeign);
  CHECK(strays[2].attachment.id == "reserved-with-connection");
  CHECK(strays[2].kind == StrayKind::kForeign);
  CHECK(agent::refresh::DescribeStray(strays[0]) == "abandoned reservation bare of volume vol (reserved, no connector)");
  CHECK(agent::refresh::DescribeStray(strays[1]) ==
        "attachment connected of volume vol for this instance (status attaching, has a connection) is not the "
        "BDM's; kept: check it");
  CHECK(agent::refresh::FindStrayAttachments(listed, "nobody", named).empty());
}
