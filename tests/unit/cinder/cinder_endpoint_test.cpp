// Tests of agent/cinder/cinder_endpoint.h: Nova's endpoint_template
// expansion, cinderclient's v3 check and Nova's version-discovery URL.
#include <doctest/doctest.h>

#include "agent/cinder/cinder_endpoint.h"

using namespace agent::cinder;

TEST_CASE("agent::cinder::ExpandEndpointTemplate") {
  auto url = ExpandEndpointTemplate("http://127.0.0.1:38776/v3");
  REQUIRE(url.ok());
  CHECK(*url == "http://127.0.0.1:38776/v3");
  // nova-manage's context has no project: Nova formats it as "None".
  url = ExpandEndpointTemplate("http://ctl:8776/v3/%(project_id)s");
  REQUIRE(url.ok());
  CHECK(*url == "http://ctl:8776/v3/None");
  url = ExpandEndpointTemplate("http://ctl/%%/v3/%(read_deleted)s%(is_admin)s");
  REQUIRE(url.ok());
  CHECK(*url == "http://ctl/%/v3/noTrue");
  for (const char* bad : {"http://ctl/v3/%(tenant)s", "http://ctl/v3/%(project_id)d", "http://ctl/v3/%s",
                          "http://ctl/v3/%", "http://ctl/v3/%(project_id", "http://ctl/v3/%(request_id)s"}) {
    CAPTURE(bad);
    auto r = ExpandEndpointTemplate(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == base::Code::kInvalidInput);
    CHECK(r.error().message().starts_with("[cinder] endpoint_template"));
  }
}

TEST_CASE("agent::cinder::CheckVolumeApiV3") {
  for (const char* good : {"http://127.0.0.1:38776/v3", "http://ctl:8776/v3/abc", "https://ctl/volume/v3/",
                           "http://ctl/v3?x=v2"}) {
    CAPTURE(good);
    CHECK(CheckVolumeApiV3(good).ok());
  }
  for (const char* bad : {"http://ctl:8776/v2/abc", "http://ctl:8776/v1/abc", "http://ctl:8776/", "http://ctl/v3x",
                          "http://v3/", "http://ctl/v2/v3"}) {
    CAPTURE(bad);
    base::Status s = CheckVolumeApiV3(bad);
    CHECK(s.code() == base::Code::kInvalidInput);
  }
  CHECK(CheckVolumeApiV3("http://admin:s3cret@ctl/v2").message().find("s3cret") == std::string::npos);
}

TEST_CASE("agent::cinder::VersionRootUrl") {
  CHECK(VersionRootUrl("http://127.0.0.1:38776/v3") == "http://127.0.0.1:38776/");
  CHECK(VersionRootUrl("http://ctl:8776/v3/6f1c2b0e") == "http://ctl:8776/");
  CHECK(VersionRootUrl("https://ctl/volume/v3/abc") == "https://ctl/volume/");
  CHECK(VersionRootUrl("https://volume.example.com/") == "https://volume.example.com/");
}

TEST_CASE("agent::cinder::EndpointUrl and RedactedUrl") {
  CHECK(EndpointUrl("http://ctl/v3/", {"attachments", "a-1_b.c~d"}) == "http://ctl/v3/attachments/a-1_b.c~d");
  CHECK(EndpointUrl("http://ctl/v3", {"attachments", "../x?y=1 #"}) == "http://ctl/v3/attachments/..%2Fx%3Fy%3D1%20%23");
  CHECK(RedactedUrl("http://u:p@ctl:5000/v3") == "http://***@ctl:5000/v3");
  CHECK(RedactedUrl("http://ctl:5000/v3?a=b@c") == "http://ctl:5000/v3?a=b@c");
}
