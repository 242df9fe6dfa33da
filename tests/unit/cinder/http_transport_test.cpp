// Tests of how agent/cinder/http_transport.cpp loads libcurl (dlopen, not
// linked): the real library on this host, and names that cannot be loaded.
#include "agent/cinder/http_transport.h"

#include <doctest/doctest.h>

using agent::cinder::CheckLibcurl;

TEST_CASE("agent::cinder::CheckLibcurl") {
  SUBCASE("the installed libcurl loads") {
    CHECK(CheckLibcurl("libcurl.so.4").ok());
    CHECK(agent::cinder::HttpTransport::Create({}).ok());
  }
  SUBCASE("a library that is not there: one line naming it and why") {
    const base::Status s = CheckLibcurl("libcurl-not-installed.so.4");
    CHECK(s.code() == base::Code::kUnavailable);
    CHECK(s.message() ==
          "cannot load libcurl, which bdm-agent needs to reach Cinder: libcurl-not-installed.so.4: "
          "cannot open shared object file: No such file or directory");
  }
  SUBCASE("a library without libcurl's functions") {
    const base::Status s = CheckLibcurl("libm.so.6");
    CHECK(s.code() == base::Code::kUnavailable);
    CHECK(s.message() == "cannot load libcurl, which bdm-agent needs to reach Cinder: libm.so.6 has no curl_global_init");
  }
}
