// Unit tests of proto_compat/nova_object: writing and reading the
// nova_object.* primitive. Expected texts are what the installed
// oslo.versionedobjects + json.dumps give for the same objects.
#include "proto_compat/nova_object.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using proto_compat::NovaObjectData;

namespace {

std::string Write(NovaObjectData data, const std::vector<std::string>& changes = {}) {
  auto text = proto_compat::WriteNovaObject("Thing", "1.3", std::move(data), changes);
  REQUIRE_MESSAGE(text.ok(), text.error().ToString());
  return *text;
}

constexpr std::string_view kHeader =
    R"({"nova_object.name": "Thing", "nova_object.namespace": "nova", "nova_object.version": "1.3", )";

}  // namespace

TEST_CASE("proto_compat::WriteNovaObject field encodings") {
  SUBCASE("unset fields are absent, None is null") {
    NovaObjectData data;
    data.Int("id", 7).NullableInt("size", std::nullopt).NullableString("host", std::nullopt);
    CHECK(Write(std::move(data)) == std::string(kHeader) + R"("nova_object.data": {"id": 7, "size": null, "host": null}})");
  }
  SUBCASE("every field type") {
    NovaObjectData data;
    data.Int("id", -3)
        .String("uuid", "668bd28b-005e-5c29-afe3-0e0f4abc94ea")
        .NullableString("name", std::string("\u03a9 \"q\"\n"))
        .Bool("locked", true)
        .Bool("deleted", false)
        .DateTime("created_at", proto_compat::NovaDateTime{2026, 11, 26, 11, 48, 48, 999})
        .DateTime("deleted_at", std::nullopt)
        .NullableDict("system_metadata", {{"a", "1"}, {"b", std::nullopt}})
        .Dict("metadata", {{"k", "v"}})
        .StringList("tags", {"x", "y"})
        .String("connection_info", R"({"data": {"auth_password": "s"}})");
    CHECK(Write(std::move(data)) ==
          std::string(kHeader) +
              R"("nova_object.data": {"id": -3, "uuid": "668bd28b-005e-5c29-afe3-0e0f4abc94ea", )"
              R"("name": "\u03a9 \"q\"\n", "locked": true, "deleted": false, "created_at": "2026-11-26T11:48:48Z", )"
              R"("deleted_at": null, "system_metadata": {"a": "1", "b": null}, "metadata": {"k": "v"}, )"
              R"("tags": ["x", "y"], "connection_info": "{\"data\": {\"auth_password\": \"s\"}}"}})");
  }
  SUBCASE("nested objects and lists of objects") {
    NovaObjectData child;
    child.Int("id", 1);
    auto child_text = proto_compat::WriteNovaObject("Child", "1.0", std::move(child));
    REQUIRE(child_text.ok());
    auto list = proto_compat::WriteNovaObjectList("ChildList", "1.1", {*child_text, *child_text});
    REQUIRE(list.ok());
    CHECK(*list ==
          R"({"nova_object.name": "ChildList", "nova_object.namespace": "nova", "nova_object.version": "1.1", )"
          R"("nova_object.data": {"objects": [)" + *child_text + ", " + *child_text + "]}}");
    auto empty = proto_compat::WriteNovaObjectList("SecurityGroupList", "1.1", {});
    REQUIRE(empty.ok());
    CHECK(*empty == R"({"nova_object.name": "SecurityGroupList", "nova_object.namespace": "nova", )"
                    R"("nova_object.version": "1.1", "nova_object.data": {"objects": []}})");
    NovaObjectData parent;
    parent.Object("child", *child_text).Null("other").ObjectList("children", {});
    CHECK(Write(std::move(parent)) == std::string(kHeader) + R"("nova_object.data": {"child": )" + *child_text +
                                          R"(, "other": null, "children": []}})");
  }
}

TEST_CASE("proto_compat::WriteNovaObject writes changes exactly when obj_to_primitive does") {
  const std::string data_part = R"("nova_object.data": {"id": 1, "host": "h"})";
  auto build = [](const std::vector<std::string>& changes) {
    NovaObjectData data;
    data.Int("id", 1).String("host", "h");
    return Write(std::move(data), changes);
  };
  SUBCASE("no changes: no key") { CHECK(build({}) == std::string(kHeader) + data_part + "}"); }
  SUBCASE("changed fields that are set are listed") {
    CHECK(build({"host", "id"}) == std::string(kHeader) + data_part + R"(, "nova_object.changes": ["host", "id"]})");
  }
  SUBCASE("changed fields missing from data are dropped, and with them the key") {
    CHECK(build({"metadata"}) == std::string(kHeader) + data_part + "}");
    CHECK(build({"metadata", "host"}) == std::string(kHeader) + data_part + R"(, "nova_object.changes": ["host"]})");
  }
}

TEST_CASE("proto_compat::WriteNovaObject refuses what it cannot write") {
  NovaObjectData bad_string;
  bad_string.String("name", "\xff");
  auto text = proto_compat::WriteNovaObject("Thing", "1.0", std::move(bad_string));
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().code() == base::Code::kInvalidInput);

  NovaObjectData bad_dict;
  bad_dict.NullableDict("system_metadata", {{"k", std::string("\xc3")}});
  text = proto_compat::WriteNovaObject("Thing", "1.0", std::move(bad_dict));
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().message().find("system_metadata") != std::string::npos);

  CHECK_FALSE(proto_compat::WriteNovaObject("", "1.0", NovaObjectData()).ok());
  CHECK_FALSE(proto_compat::WriteNovaObject("Thing", "", NovaObjectData()).ok());
}

TEST_CASE("proto_compat::ReadNovaObject reads back what was written") {
  NovaObjectData data;
  data.Int("id", 42)
      .NullableString("host", std::nullopt)
      .String("name", "vm")
      .Bool("locked", true)
      .DateTime("created_at", proto_compat::NovaDateTime{2026, 11, 26, 11, 48, 48, 0});
  const std::string text = Write(std::move(data), {"name"});
  auto object = proto_compat::ReadNovaObject(text);
  REQUIRE_MESSAGE(object.ok(), object.error().ToString());
  CHECK(object->name == "Thing");
  CHECK(object->version == "1.3");
  REQUIRE(object->changes.has_value());
  CHECK(*object->changes == std::vector<std::string>{"name"});
  CHECK(object->data.size() == 5);

  CHECK(*proto_compat::ReadIntField(*object, "id") == std::optional<std::optional<std::int64_t>>(42));
  auto host = proto_compat::ReadStringField(*object, "host");
  REQUIRE(host.ok());
  REQUIRE(host->has_value());
  CHECK_FALSE((*host)->has_value());  // null
  auto missing = proto_compat::ReadStringField(*object, "node");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());  // absent
  CHECK(**proto_compat::ReadBoolField(*object, "locked") == std::optional<bool>(true));
  auto created = proto_compat::ReadDateTimeField(*object, "created_at");
  REQUIRE(created.ok());
  CHECK(**created == std::optional(proto_compat::NovaDateTime{2026, 11, 26, 11, 48, 48, 0}));

  SUBCASE("a field of the wrong type is corrupt") {
    auto wrong = proto_compat::ReadIntField(*object, "name");
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().code() == base::Code::kCorrupt);
    CHECK_FALSE(proto_compat::ReadBoolField(*object, "id").ok());
    CHECK_FALSE(proto_compat::ReadDateTimeField(*object, "name").ok());
  }
}

TEST_CASE("proto_compat::ReadTrustedNovaObject reads trusted text as ReadNovaObject does") {
  NovaObjectData data;
  data.Int("id", 42).NullableString("host", std::nullopt).String("na\"me", "v\u00e9m \xc3\xa9").Bool("locked", true);
  const std::string text = Write(std::move(data), {"id"});
  auto copied = proto_compat::ReadNovaObject(text);
  auto index = rpc::JsonIndex::BuildTrusted(text);
  REQUIRE(index.ok());
  auto viewed = proto_compat::ReadTrustedNovaObject(index->Root());
  REQUIRE(copied.ok());
  REQUIRE_MESSAGE(viewed.ok(), viewed.error().ToString());
  CHECK(viewed->name == copied->name);
  CHECK(viewed->version == copied->version);
  CHECK(viewed->changes == copied->changes);
  std::size_t i = 0;
  for (const rpc::JsonNode field : viewed->data) {
    REQUIRE(i < copied->data.size());
    CHECK(field.view().Key() == copied->data[i].key);
    CHECK(field.json() == copied->data[i].value.json);
    ++i;
  }
  CHECK(i == copied->data.size());
  const auto read = [](std::string_view trusted) {
    auto trusted_index = rpc::JsonIndex::BuildTrusted(trusted);
    REQUIRE(trusted_index.ok());
    return proto_compat::ReadTrustedNovaObject(trusted_index->Root());
  };
  CHECK(read("[]").error().message() == "object primitive: not a JSON object");
  CHECK(read(R"({"nova_object.name": "X"})").error().message() == "object primitive has no nova_object.namespace");
  CHECK(read(R"({"nova_object.name": "X", "nova_object.namespace": "nova", "nova_object.version": "1.0", )"
             R"("nova_object.data": []})")
            .error()
            .message() == "nova_object.data is not an object");
}

TEST_CASE("proto_compat::ReadNovaObject refuses what obj_from_primitive refuses") {
  const std::vector<std::string> bad = {
      "[]",
      "not json",
      R"({"nova_object.namespace": "nova", "nova_object.version": "1.0", "nova_object.data": {}})",
      R"({"nova_object.name": "X", "nova_object.namespace": "cinder", "nova_object.version": "1.0", "nova_object.data": {}})",
      R"({"nova_object.name": "X", "nova_object.namespace": "nova", "nova_object.version": 1, "nova_object.data": {}})",
      R"({"nova_object.name": "X", "nova_object.namespace": "nova", "nova_object.version": "1.0"})",
      R"({"nova_object.name": "X", "nova_object.namespace": "nova", "nova_object.version": "1.0", "nova_object.data": []})",
      R"({"nova_object.name": "X", "nova_object.namespace": "nova", "nova_object.version": "1.0", "nova_object.data": {}, "nova_object.changes": [1]})",
  };
  for (const std::string& text : bad) {
    CAPTURE(text);
    auto object = proto_compat::ReadNovaObject(text);
    REQUIRE_FALSE(object.ok());
    CHECK(object.error().code() == base::Code::kCorrupt);
  }
}
