// Tests of agent/cinder/keystone_auth.h. There is no Keystone in the test
// stack, and bdm-agent has no fake one: the token request body is checked
// against what keystoneauth's v3 Password plugin builds (nova-facts 4.6), and
// the catalog look-up against Keystone's own api-ref sample response
// (api-ref/source/v3/samples/admin/auth-password-project-scoped-response.json,
// cut to the services that matter here) and a variant of it with v3 volume
// services added.
#include <doctest/doctest.h>

#include <string>

#include "agent/cinder/keystone_auth.h"

using namespace agent::cinder;
using agent::config::KeystoneAuthOptions;

namespace {

// From the keystone api-ref sample: identity, volumev2 (cinderv2), volume
// (cinder, v1) and compute services, verbatim.
constexpr const char* kSampleCatalog = R"([
  {"endpoints": [
     {"region_id": "RegionOne", "url": "http://23.253.248.171:5000/v2.0", "region": "RegionOne", "interface": "public", "id": "068d1b359ee84b438266cb736d81de97"},
     {"region_id": "RegionOne", "url": "http://23.253.248.171:35357/v2.0", "region": "RegionOne", "interface": "admin", "id": "8bfc846841ab441ca38471be6d164ced"},
     {"region_id": "RegionOne", "url": "http://23.253.248.171:5000/v2.0", "region": "RegionOne", "interface": "internal", "id": "beb6d358c3654b4bada04d4663b640b9"}],
   "type": "identity", "id": "050726f278654128aba89757ae25950c", "name": "keystone"},
  {"endpoints": [
     {"region_id": "RegionOne", "url": "http://23.253.248.171:8776/v2/a6944d763bf64ee6a275f1263fae0352", "region": "RegionOne", "interface": "internal", "id": "2dce7429526e44808235fe918063a914"},
     {"region_id": "RegionOne", "url": "http://23.253.248.171:8776/v2/a6944d763bf64ee6a275f1263fae0352", "region": "RegionOne", "interface": "public", "id": "a9a9929e6dc645c882ac1abd8bf73d38"},
     {"region_id": "RegionOne", "url": "http://23.253.248.171:8776/v2/a6944d763bf64ee6a275f1263fae0352", "region": "RegionOne", "interface": "admin", "id": "c7d5f958df7f4c8da84db91094bdc198"}],
   "type": "volumev2", "id": "202382a1b8a94210bb3120af958092c4", "name": "cinderv2"},
  {"endpoints": [
     {"region_id": "RegionOne", "url": "http://23.253.248.171:8774/v2.1/a6944d763bf64ee6a275f1263fae0352", "region": "RegionOne", "interface": "admin", "id": "2511589f262a407bb0071a814a480af4"},
     {"region_id": "RegionOne", "url": "http://23.253.248.171:8774/v2.1/a6944d763bf64ee6a275f1263fae0352", "region": "RegionOne", "interface": "internal", "id": "9cf9209ae4fc4673a7295611001cf0ae"},
     {"region_id": "RegionOne", "url": "http://23.253.248.171:8774/v2.1/a6944d763bf64ee6a275f1263fae0352", "region": "RegionOne", "interface": "public", "id": "d200b2509e1343e3887dcc465b4fa534"}],
   "type": "compute", "id": "a226b3eeb5594f50bf8b6df94636ed28", "name": "nova"},
  {"endpoints": [
     {"region_id": "RegionOne", "url": "http://23.253.248.171:8776/v1/a6944d763bf64ee6a275f1263fae0352", "region": "RegionOne", "interface": "internal", "id": "3e321c2c6fa04152b3e86c18b91b93ae"},
     {"region_id": "RegionOne", "url": "http://23.253.248.171:8776/v1/a6944d763bf64ee6a275f1263fae0352", "region": "RegionOne", "interface": "admin", "id": "55aef0f2557449d4946dc9461b73a63b"},
     {"region_id": "RegionOne", "url": "http://23.253.248.171:8776/v1/a6944d763bf64ee6a275f1263fae0352", "region": "RegionOne", "interface": "public", "id": "7c91a66a200e458ca6e4e00fddf4d98b"}],
   "type": "volume", "id": "b6b5edc3fc384b6787149e91b3b31988", "name": "cinder"}
])";

// The sample's token around a catalog.
std::string Token(const std::string& catalog) {
  return R"({"token": {"methods": ["password"], "roles": [{"id": "51cc68287d524c759f47c811e6463340", "name": "admin"}],)"
         R"( "expires_at": "2015-11-07T02:58:43.578887Z", "project": {"domain": {"id": "default", "name": "Default"},)"
         R"( "id": "a6944d763bf64ee6a275f1263fae0352", "name": "admin"}, "is_domain": false, "catalog": )" +
         catalog + R"(, "extras": {}, "user": {"domain": {"id": "default", "name": "Default"},)"
                   R"( "id": "ee4dfb6e5540447cb3741905149d9b6e", "name": "admin"},)"
                   R"( "audit_ids": ["3T2dc1CGQxyJsHdDu1xkcw"], "issued_at": "2015-11-07T01:58:43.578929Z"}})";
}

// The sample plus a block-storage service (two regions) and a volumev3 one.
std::string WithV3Services() {
  std::string catalog = kSampleCatalog;
  catalog.pop_back();  // ']'
  catalog += R"(,
  {"endpoints": [
     {"region_id": "RegionOne", "url": "http://bs1:8776/v3/a69", "region": "RegionOne", "interface": "public", "id": "e1"},
     {"region_id": "RegionTwo", "url": "http://bs2:8776/v3/a69", "region": "RegionTwo", "interface": "public", "id": "e2"}],
   "type": "block-storage", "id": "s1", "name": "cinder"},
  {"endpoints": [
     {"region_id": "RegionOne", "url": "", "region": "RegionOne", "interface": "public", "id": "e3"},
     {"region_id": "RegionOne", "url": "http://ctl:8776/v3/a69", "region": "RegionOne", "interface": "public", "id": "e4"},
     {"region_id": "RegionOne", "url": "http://ctl-int:8776/v3/a69", "region": "RegionOne", "interface": "internal", "id": "e5"},
     {"region": "RegionTwo", "url": "http://ctl2:8776/v3/a69", "interface": "public", "id": "e6"}],
   "type": "volumev3", "id": "s2", "name": "cinderv3"}
])";
  return Token(catalog);
}

std::string Select(const std::string& token, const char* catalog_info, std::optional<std::string> region = {}) {
  auto query = ParseCatalogInfo(catalog_info, std::move(region));
  REQUIRE(query.ok());
  auto url = SelectCatalogEndpoint(token, *query);
  if (!url.ok()) return "<" + std::string(base::CodeName(url.error().code())) + ">";
  return *url;
}

KeystoneAuthOptions NovaUser() {
  KeystoneAuthOptions auth;
  auth.auth_type = "password";
  auth.auth_url = "http://ctl:5000/v3";
  auth.username = "nova";
  auth.password = "p\"w";
  auth.user_domain_name = "Default";
  auth.project_name = "service";
  auth.project_domain_name = "Default";
  return auth;
}

}  // namespace

TEST_CASE("agent::cinder::KeystoneTokenRequestBody") {
  KeystoneAuthOptions auth = NovaUser();
  SUBCASE("project by name (nova-facts 4.6)") {
    auto body = KeystoneTokenRequestBody(auth, "cinder");
    REQUIRE(body.ok());
    CHECK(*body == R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"password":"p\"w",)"
                   R"("name":"nova","domain":{"name":"Default"}}}},"scope":{"project":{"name":"service",)"
                   R"("domain":{"name":"Default"}}}}})");
  }
  SUBCASE("ids win over names; project_id needs no domain") {
    auth.user_domain_id = "default";
    auth.project_id = "a6944d76";
    auto body = KeystoneTokenRequestBody(auth, "cinder");
    REQUIRE(body.ok());
    CHECK(*body == R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"password":"p\"w",)"
                   R"("name":"nova","domain":{"id":"default"}}}},"scope":{"project":{"id":"a6944d76"}}}})");
  }
  SUBCASE("system scope; unscoped") {
    auth.project_name.reset();
    auth.system_scope = "all";
    auto body = KeystoneTokenRequestBody(auth, "cinder");
    REQUIRE(body.ok());
    CHECK(body->ends_with(R"("scope":{"system":{"all":true}}}})"));
    auth.system_scope.reset();
    auth.user_domain_name.reset();
    body = KeystoneTokenRequestBody(auth, "cinder");
    REQUIRE(body.ok());
    CHECK(*body == R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"password":"p\"w",)"
                   R"("name":"nova"}}}}})");
  }
  SUBCASE("missing credentials name the option, never the password") {
    auth.username.reset();
    auto body = KeystoneTokenRequestBody(auth, "service_user");
    REQUIRE_FALSE(body.ok());
    CHECK(body.error().code() == base::Code::kInvalidInput);
    CHECK(body.error().message() == "[service_user] username is not set");
    auth = NovaUser();
    auth.password.reset();
    CHECK(KeystoneTokenRequestBody(auth, "cinder").error().message() == "[cinder] password is not set");
  }
}

TEST_CASE("agent::cinder::KeystoneTokenRequestBody for an application credential and a token") {
  KeystoneAuthOptions auth;
  auth.auth_url = "http://ctl:5000/v3";
  auth.auth_type = "v3applicationcredential";
  auth.application_credential_secret = "s\"x";
  SUBCASE("by id: no user, no scope (keystoneauth's ApplicationCredentialMethod)") {
    auth.application_credential_id = "ac1";
    auth.username = "nova";  // ignored with an id
    auth.project_name = "service";  // an application credential has its own scope
    CHECK(KeystoneTokenRequestBody(auth, "cinder").value() ==
          R"({"auth":{"identity":{"methods":["application_credential"],"application_credential":)"
          R"({"secret":"s\"x","id":"ac1"}}}})");
  }
  SUBCASE("by name: the user by name with its domain, or by id") {
    auth.application_credential_name = "bdm";
    auth.username = "nova";
    auth.user_domain_name = "Default";
    CHECK(KeystoneTokenRequestBody(auth, "cinder").value() ==
          R"({"auth":{"identity":{"methods":["application_credential"],"application_credential":)"
          R"({"secret":"s\"x","name":"bdm","user":{"name":"nova","domain":{"name":"Default"}}}}}})");
    auth.user_id = "u1";
    CHECK(KeystoneTokenRequestBody(auth, "cinder").value() ==
          R"({"auth":{"identity":{"methods":["application_credential"],"application_credential":)"
          R"({"secret":"s\"x","name":"bdm","user":{"id":"u1"}}}}})");
  }
  SUBCASE("missing parts name the option") {
    CHECK(KeystoneTokenRequestBody(auth, "cinder").error().message() ==
          "[cinder] application_credential_id is not set (nor application_credential_name with username or user_id)");
    auth.application_credential_name = "bdm";
    CHECK(KeystoneTokenRequestBody(auth, "cinder").error().code() == base::Code::kInvalidInput);
    auth.application_credential_id = "ac1";
    auth.application_credential_secret.reset();
    CHECK(KeystoneTokenRequestBody(auth, "service_user").error().message() ==
          "[service_user] application_credential_secret is not set");
  }
  SUBCASE("token, scoped or not; v3token takes auth_url as the v3 root") {
    auth.auth_type = "token";
    auth.token = "gAAAA";
    CHECK(KeystoneTokenRequestBody(auth, "cinder").value() ==
          R"({"auth":{"identity":{"methods":["token"],"token":{"id":"gAAAA"}}}})");
    auth.project_id = "p1";
    CHECK(KeystoneTokenRequestBody(auth, "cinder").value() ==
          R"({"auth":{"identity":{"methods":["token"],"token":{"id":"gAAAA"}},"scope":{"project":{"id":"p1"}}}})");
    auth.token.reset();
    CHECK(KeystoneTokenRequestBody(auth, "cinder").error().message() == "[cinder] token is not set");
    auth.auth_type = "v3token";
    auth.auth_url = "http://ctl:5000/identity";
    CHECK(KeystoneTokenUrl(auth, "cinder").value() == "http://ctl:5000/identity/auth/tokens");
  }
  SUBCASE("password with user_id") {
    auth = NovaUser();
    auth.username.reset();
    auth.user_id = "u1";
    CHECK(KeystoneTokenRequestBody(auth, "cinder").value().starts_with(
        R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"password":"p\"w","id":"u1"}}})"));
  }
  SUBCASE("an auth_type that is not Keystone's") {
    auth.auth_type = "none";
    CHECK(KeystoneTokenRequestBody(auth, "cinder").error().code() == base::Code::kInvalidInput);
  }
}

TEST_CASE("agent::cinder::ParseKeystoneTime") {
  using namespace std::chrono;
  const auto day = sys_days(year(2026) / 12 / 3);
  CHECK(ParseKeystoneTime("2026-12-03T16:35:20.000000Z") == day + hours(16) + minutes(35) + seconds(20));
  CHECK(ParseKeystoneTime("2026-12-03T16:35:20.25Z") == day + hours(16) + minutes(35) + seconds(20) + milliseconds(250));
  CHECK(ParseKeystoneTime("2026-12-03T16:35:20") == day + hours(16) + minutes(35) + seconds(20));
  CHECK(ParseKeystoneTime("2026-12-03T16:35:20+00:00") == day + hours(16) + minutes(35) + seconds(20));
  for (const char* bad : {"", "2026-12-03", "2026-13-03T16:35:20Z", "2026-12-03T16:35:20+02:00", "2026-02-30T00:00:00Z",
                          "2026-12-03T24:00:00Z", "20261203T163520Z", "2026-12-03T16:35:2xZ"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseKeystoneTime(bad).has_value());
  }
}

TEST_CASE("agent::cinder::KeystoneTokenUrl") {
  KeystoneAuthOptions auth = NovaUser();
  CHECK(KeystoneTokenUrl(auth, "cinder").value() == "http://ctl:5000/v3/auth/tokens");
  auth.auth_url = "http://ctl:5000/";
  CHECK(KeystoneTokenUrl(auth, "cinder").value() == "http://ctl:5000/v3/auth/tokens");
  auth.auth_url = "https://ctl/identity/v3/";
  CHECK(KeystoneTokenUrl(auth, "cinder").value() == "https://ctl/identity/v3/auth/tokens");
  auth.auth_type = "v3password";
  auth.auth_url = "https://ctl/identity";
  CHECK(KeystoneTokenUrl(auth, "cinder").value() == "https://ctl/identity/auth/tokens");
  auth.auth_url = "http://ctl:5000/v2.0";
  CHECK(KeystoneTokenUrl(auth, "cinder").error().code() == base::Code::kInvalidInput);
  auth.auth_url.reset();
  CHECK(KeystoneTokenUrl(auth, "cinder").error().message() == "[cinder] auth_url is not set");
}

TEST_CASE("agent::cinder::SelectCatalogEndpoint") {
  const std::string sample = Token(kSampleCatalog);
  SUBCASE("the api-ref sample") {
    // Nova's default catalog_info: no volumev3 (nor block-storage) service.
    CHECK(Select(sample, "volumev3::publicURL") == "<not found>");
    CHECK(Select(sample, "volumev2::publicURL") == "http://23.253.248.171:8776/v2/a6944d763bf64ee6a275f1263fae0352");
    CHECK(Select(sample, "volume:cinder:internalURL") ==
          "http://23.253.248.171:8776/v1/a6944d763bf64ee6a275f1263fae0352");
    CHECK(Select(sample, "volume:cinderv3:publicURL") == "<not found>");
    CHECK(Select(sample, "volumev2::public", "RegionTwo") == "<not found>");
    CHECK(Select(sample, "volumev2::admin", "RegionOne") ==
          "http://23.253.248.171:8776/v2/a6944d763bf64ee6a275f1263fae0352");
    // block-storage takes any alias; the first in the official order wins.
    CHECK(Select(sample, "block-storage::public") == "http://23.253.248.171:8776/v2/a6944d763bf64ee6a275f1263fae0352");
  }
  SUBCASE("with v3 services") {
    const std::string token = WithV3Services();
    CHECK(Select(token, "volumev3::publicURL") == "http://ctl:8776/v3/a69");  // exact type first; empty url skipped
    CHECK(Select(token, "volumev3:cinderv3:internalURL") == "http://ctl-int:8776/v3/a69");
    CHECK(Select(token, "volumev3::public", "RegionTwo") == "http://ctl2:8776/v3/a69");  // "region" when no region_id
    CHECK(Select(token, "block-storage::public", "RegionTwo") == "http://bs2:8776/v3/a69");
    CHECK(Select(token, "volumev3:cinder:public") == "http://bs1:8776/v3/a69");  // only the alias has that name
  }
  SUBCASE("nothing matches: the message lists the catalog, without URLs") {
    auto query = ParseCatalogInfo("volumev3:cinderv3:publicURL", std::string("RegionTwo")).value();
    auto missing = SelectCatalogEndpoint(sample, query);
    REQUIRE(missing.error().code() == base::Code::kNotFound);
    CHECK(missing.error().message() ==
          "no endpoint in Keystone's service catalog for type volumev3, name cinderv3, interface public, region "
          "RegionTwo ([cinder] catalog_info, os_region_name); the catalog has identity/keystone public@RegionOne "
          "admin@RegionOne internal@RegionOne; volumev2/cinderv2 internal@RegionOne public@RegionOne admin@RegionOne; "
          "compute/nova admin@RegionOne internal@RegionOne public@RegionOne; volume/cinder internal@RegionOne "
          "admin@RegionOne public@RegionOne");
    CHECK(SelectCatalogEndpoint(Token("[]"), query).error().message().ends_with("; the catalog has nothing"));
    std::string many = "[";
    for (int i = 0; i < 300; ++i) many += std::string(i ? "," : "") + R"({"type": "t", "endpoints": []})";
    const std::string cut = SelectCatalogEndpoint(Token(many + "]"), query).error().message();
    CHECK(cut.ends_with("; t; t; ..."));
    CHECK(cut.size() < 900);
  }
  SUBCASE("no catalog or not a token") {
    auto query = ParseCatalogInfo("volumev3::publicURL", std::nullopt).value();
    CHECK(SelectCatalogEndpoint(R"({"token": {"methods": ["password"]}})", query).error().code() ==
          base::Code::kNotFound);
    CHECK(SelectCatalogEndpoint("[]", query).error().code() == base::Code::kRemoteError);
  }
  SUBCASE("a deep answer is a remote error, not a stack overflow (issue 9)") {
    auto query = ParseCatalogInfo("volumev3::publicURL", std::nullopt).value();
    auto deep = SelectCatalogEndpoint("{\"token\": " + std::string(200000, '['), query);
    CHECK(deep.error().code() == base::Code::kRemoteError);
    CHECK(deep.error().message() == "Keystone token response is not JSON (nested deeper than 64 levels at offset 73)");
  }
}

TEST_CASE("agent::cinder::ParseCatalogInfo") {
  auto q = ParseCatalogInfo("volumev3::publicURL", std::string());
  REQUIRE(q.ok());
  CHECK(q->service_type == "volumev3");
  CHECK(q->service_name.empty());
  CHECK(q->interface == "public");
  CHECK_FALSE(q->region.has_value());
  q = ParseCatalogInfo("volumev3:cinderv3:internal", std::string("RegionOne"));
  REQUIRE(q.ok());
  CHECK(q->service_name == "cinderv3");
  CHECK(q->interface == "internal");
  CHECK(q->region == "RegionOne");
  for (const char* bad : {"volumev3", "volumev3:publicURL", "a:b:c:d", ":x:public", "volumev3:x:"}) {
    CAPTURE(bad);
    CHECK(ParseCatalogInfo(bad, std::nullopt).error().code() == base::Code::kInvalidInput);
  }
}
