// Tests of agent/cinder/http_answer_error.h: the Status for an HTTP error
// answer, and the masking of what it quotes from the body. The hostile bodies
// here (an echo of the request, a token in a header dump) are what a broken
// or malicious server could send; the real Cinder and Keystone do not.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "agent/cinder/http_answer_error.h"

using namespace agent::cinder;

namespace {

const std::vector<std::string> kNoSecrets;

}  // namespace

TEST_CASE("agent::cinder::HttpAnswerError") {
  struct Case {
    long status;
    base::Code code;
  };
  for (Case c : {Case{400, base::Code::kInvalidInput}, Case{401, base::Code::kPermissionDenied},
                 Case{403, base::Code::kPermissionDenied}, Case{404, base::Code::kNotFound},
                 Case{409, base::Code::kFailedPrecondition}, Case{406, base::Code::kRemoteError},
                 Case{500, base::Code::kRemoteError}, Case{503, base::Code::kRemoteError}}) {
    CAPTURE(c.status);
    CHECK(HttpAnswerError("Cinder GET /x", c.status, "", kNoSecrets).code() == c.code);
  }
  SUBCASE("Cinder's fault message") {
    base::Status s = HttpAnswerError(
        "Cinder PUT /attachments/a", 500,
        R"({"computeFault": {"code": 500, "message": "Unable to update attachment (Volume \nbusy)."}})", kNoSecrets);
    CHECK(s.message() == "Cinder PUT /attachments/a: HTTP 500: Unable to update attachment (Volume busy).");
    s = HttpAnswerError("Cinder GET /attachments/x", 404,
                        R"({"itemNotFound": {"message": "VolumeAttachment x could not be found.", "code": 404}})",
                        kNoSecrets);
    CHECK(s.message() == "Cinder GET /attachments/x: HTTP 404: VolumeAttachment x could not be found.");
  }
}

TEST_CASE("agent::cinder::QuotedErrorBody") {
  SUBCASE("other bodies: one line, bounded") {
    CHECK(QuotedErrorBody("<html>\n <body>404 Not Found</body>\n</html>\n", kNoSecrets) ==
          "<html> <body>404 Not Found</body> </html>");
    CHECK(QuotedErrorBody("", kNoSecrets) == "(no message)");
    CHECK(QuotedErrorBody(std::string(1000, 'x'), kNoSecrets).size() == kMaxQuotedBody + 3);
    // Cut on a UTF-8 boundary: 299 ASCII bytes, then a two-byte character.
    const std::string cut = QuotedErrorBody(std::string(299, 'x') + "\xc3\xa9" + std::string(10, 'y'), kNoSecrets);
    CHECK(cut == std::string(299, 'x') + "...");
  }
  SUBCASE("a JSON body that echoes the request: secret keys masked") {
    const std::string echo =
        R"({"error": {"code": 401, "title": "Unauthorized"}, "request": {"auth": {"identity": {"password": )"
        R"({"user": {"name": "nova", "password": "Pw-not-configured"}}}}}})";
    const std::string quoted = QuotedErrorBody(echo, kNoSecrets);
    CHECK(quoted.find("Pw-not-configured") == std::string::npos);
    CHECK(quoted.find(R"("password":"***")") != std::string::npos);
    CHECK(quoted.find("Unauthorized") != std::string::npos);
  }
  SUBCASE("configured secrets removed in every spelling") {
    const std::vector<std::string> secrets = {"CinS3cr3t", "p\"w\\\xc3\xa9!", "tok/en+1"};
    const std::string bodies[] = {
        "Invalid password CinS3cr3t for user nova",                             // as is, in text
        R"({"badRequest": {"message": "bad body {\"password\": \"CinS3cr3t\"}"}})",  // in a fault message
        "echo: {\"password\": \"p\\\"w\\\\\xc3\xa9!\"}",                        // JSON-escaped as we send it
        "echo: {\"password\": \"p\\\"w\\\\\\u00e9!\"}",                         // as Python's json.dumps writes it
        "GET /?token=tok%2Fen%2B1 HTTP/1.1",                                    // percent-encoded
        "X-Auth-Token: tok/en+1\r\nX-Other: 1",                                 // a header dump
    };
    for (const std::string& body : bodies) {
      CAPTURE(body);
      const std::string quoted = QuotedErrorBody(body, secrets);
      for (const char* piece : {"CinS3cr3t", "tok/en", "tok%2Fen", "p\\\"w", "p\"w", "\\u00e9!"}) {
        CHECK(quoted.find(piece) == std::string::npos);
      }
      CHECK(quoted.find("***") != std::string::npos);
    }
  }
  SUBCASE("a secret inside another is masked whole") {
    const std::vector<std::string> secrets = {"abc", "xxabcxx"};
    CHECK(QuotedErrorBody("v=xxabcxx", secrets) == "v=***");
  }
  SUBCASE("deep or huge bodies are not parsed nor quoted") {
    CHECK(QuotedErrorBody(std::string(100000, '['), kNoSecrets) == "(an error body of 100000 bytes, not shown)");
    const std::string huge(kMaxMaskedBody + 1, 'a');
    CHECK(QuotedErrorBody(huge, kNoSecrets).find("not shown") != std::string::npos);
  }
}
