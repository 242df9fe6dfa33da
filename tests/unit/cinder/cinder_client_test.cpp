// Tests of agent/cinder/cinder_client.h's settings (what nova.conf says,
// before anything is sent) and of CurlError's classification.
#include <doctest/doctest.h>

#include <curl/curl.h>

#include <string>

#include "agent/cinder/cinder_client.h"

using namespace agent::cinder;

namespace {

agent::config::NovaConfig Config(const char* text) {
  agent::config::IniValues values;
  auto entries = agent::config::ParseIni(text, "nova.conf");
  REQUIRE(entries.ok());
  values.AddFile("nova.conf", *entries);
  auto config = agent::config::BuildNovaConfig(values, "compute-1");
  REQUIRE_MESSAGE(config.ok(), config.error().message());
  return std::move(config).value();
}

base::Status ResolveError(const char* text) {
  auto settings = ResolveCinderSettings(Config(text), CinderSession{});
  REQUIRE_FALSE(settings.ok());
  return settings.error();
}

}  // namespace

TEST_CASE("agent::cinder::ResolveCinderSettings") {
  SUBCASE("the test stack's nova.conf: no auth, template, service token") {
    auto settings = ResolveCinderSettings(Config("[cinder]\nauth_type = none\n"
                                                 "endpoint_template = http://127.0.0.1:38776/v3\n"
                                                 "[service_user]\nsend_service_user_token = True\nauth_type = none\n"),
                                          CinderSession{});
    REQUIRE(settings.ok());
    CHECK(settings->user_auth == AuthKind::kNone);
    CHECK(settings->service_auth == AuthKind::kNone);
    CHECK(settings->endpoint == "http://127.0.0.1:38776/v3");
    CHECK(settings->transport.total_timeout == std::chrono::seconds(90));
    CHECK(settings->transport.connect_timeout == std::chrono::seconds(5));
    CHECK(settings->connect_retries == 3);
  }
  SUBCASE("keystone, catalog, [cinder] timeout and http_retries, no service token") {
    auto settings = ResolveCinderSettings(
        Config("[cinder]\nauth_type = password\nauth_url = http://ctl:5000\nusername = nova\npassword = x\n"
               "catalog_info = volumev3:cinderv3:internalURL\nos_region_name = RegionOne\ntimeout = 2\n"
               "http_retries = 0\ninsecure = true\n"
               "[service_user]\nsend_service_user_token = False\nauth_type = password\n"),
        CinderSession{});
    REQUIRE(settings.ok());
    CHECK(settings->user_auth == AuthKind::kKeystonePassword);
    CHECK_FALSE(settings->service_auth.has_value());
    CHECK_FALSE(settings->endpoint.has_value());
    CHECK(settings->catalog.interface == "internal");
    CHECK(settings->catalog.region == "RegionOne");
    CHECK(settings->transport.total_timeout == std::chrono::seconds(2));
    CHECK(settings->transport.connect_timeout == std::chrono::seconds(2));
    CHECK(settings->transport.insecure);
    CHECK(settings->connect_retries == 0);
  }
  SUBCASE("application credential and token auth types") {
    auto settings = ResolveCinderSettings(Config("[cinder]\nauth_type = v3applicationcredential\n"
                                                 "[service_user]\nsend_service_user_token = true\nauth_type = token\n"),
                                          CinderSession{});
    REQUIRE(settings.ok());
    CHECK(settings->user_auth == AuthKind::kApplicationCredential);
    CHECK(settings->service_auth == AuthKind::kFixedToken);
  }
  SUBCASE("send_service_user_token with no [service_user] auth_type sends none (Nova warns)") {
    auto settings = ResolveCinderSettings(Config("[cinder]\nauth_type = v3password\n"
                                                 "endpoint_template = http://ctl/v3/%(project_id)s\n"
                                                 "[service_user]\nsend_service_user_token = true\n"),
                                          CinderSession{});
    REQUIRE(settings.ok());
    CHECK_FALSE(settings->service_auth.has_value());
    CHECK(settings->endpoint == "http://ctl/v3/None");
  }
  SUBCASE("refused") {
    CHECK(ResolveError("[cinder]\nendpoint_template = http://ctl/v3\n").message().starts_with(
        "[cinder] auth_type is not set"));
    CHECK(ResolveError("[cinder]\nauth_type = v2token\n").message() ==
          "[cinder] auth_type: 'v2token' is not supported by bdm-agent (none, password, v3password, "
          "v3applicationcredential, token, v3token)");
    CHECK(ResolveError("[cinder]\nauth_type = none\n").message().find("endpoint_template") != std::string::npos);
    CHECK(ResolveError("[cinder]\nauth_type = none\nendpoint_template = http://ctl/v2/x\n").code() ==
          base::Code::kInvalidInput);
    CHECK(ResolveError("[cinder]\nauth_type = none\nendpoint_template = http://ctl/v3\ntimeout = 0\n").code() ==
          base::Code::kInvalidInput);
    CHECK(ResolveError("[cinder]\nauth_type = none\nendpoint_template = http://ctl/v3\ncatalog_info = x\n").code() ==
          base::Code::kInvalidInput);
    CHECK(ResolveError("[cinder]\nauth_type = none\nendpoint_template = http://ctl/v3\n"
                       "[service_user]\nsend_service_user_token = true\nauth_type = v2password\n")
              .message()
              .starts_with("[service_user] auth_type"));
  }
}

TEST_CASE("agent::cinder::ResolveCinderSettings never quotes a substituted value") {
  const char* kNotShown = "the value (from a '$' substitution, not shown)";
  base::Status s = ResolveError("[cinder]\npassword = CinS3cr3t\nauth_type = $password\n");
  CHECK(s.message() == std::string("[cinder] auth_type: ") + kNotShown +
                           " is not supported by bdm-agent (none, password, v3password, v3applicationcredential, "
                           "token, v3token)");
  for (const char* endpoint : {"http://ctl/v2/$password", "$password", "http://ctl/v3/%(CinS3cr3t)s$password"}) {
    CAPTURE(endpoint);
    s = ResolveError(("[cinder]\npassword = CinS3cr3t\nauth_type = none\nendpoint_template = " +
                      std::string(endpoint) + "\n").c_str());
    CHECK(s.code() == base::Code::kInvalidInput);
    CHECK(s.message() == std::string("[cinder] endpoint_template: ") + kNotShown +
                             " is not a Cinder volume API v3 endpoint template");
  }
  // The option's own text is quoted as before.
  CHECK(ResolveError("[cinder]\nauth_type = none\nendpoint_template = http://ctl/v2/x\n").message() ==
        "[cinder] endpoint_template: Cinder endpoint http://ctl/v2/x is a volume API v2 endpoint; Nova and "
        "bdm-agent need v3");
}

TEST_CASE("agent::cinder::CinderSession::ForContext") {
  proto_compat::RequestContext context;
  context.request_id = "req-1";
  CHECK(CinderSession::ForContext(context).global_request_id == "req-1");
  context.global_request_id = "req-global";
  CHECK(CinderSession::ForContext(context).global_request_id == "req-global");
}

TEST_CASE("agent::cinder::CurlError") {
  struct Case {
    CURLcode code;
    bool sent_request;
    base::Code expected;
    Sent sent;
  };
  for (Case c : {Case{CURLE_COULDNT_CONNECT, false, base::Code::kUnavailable, Sent::kNothing},
                 Case{CURLE_COULDNT_RESOLVE_HOST, false, base::Code::kUnavailable, Sent::kNothing},
                 Case{CURLE_OPERATION_TIMEDOUT, false, base::Code::kUnavailable, Sent::kNothing},
                 Case{CURLE_OPERATION_TIMEDOUT, true, base::Code::kTimeout, Sent::kMaybe},
                 Case{CURLE_GOT_NOTHING, true, base::Code::kRemoteError, Sent::kMaybe},
                 Case{CURLE_RECV_ERROR, true, base::Code::kRemoteError, Sent::kMaybe},
                 Case{CURLE_PEER_FAILED_VERIFICATION, false, base::Code::kUnavailable, Sent::kNothing},
                 Case{CURLE_BAD_FUNCTION_ARGUMENT, false, base::Code::kInternal, Sent::kMaybe}}) {
    CAPTURE(c.code);
    TransportError e = CurlError(c.code, c.sent_request, "", "Cinder GET /attachments/a");
    CHECK(e.status.code() == c.expected);
    CHECK(e.sent == c.sent);
    CHECK(e.status.message().starts_with("Cinder GET /attachments/a: "));
  }
  CHECK(CurlError(CURLE_COULDNT_CONNECT, false, "Failed to connect to 127.0.0.1 port 9 after 0 ms\n", "ctx")
            .status.message() == "ctx: Failed to connect to 127.0.0.1 port 9 after 0 ms");
}
