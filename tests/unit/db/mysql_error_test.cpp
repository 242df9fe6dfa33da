#include "agent/db/mysql_error.h"

#include <doctest/doctest.h>

TEST_CASE("agent::db::MysqlError classifies by what the caller can do") {
  struct Case {
    unsigned number;
    base::Code code;
  };
  const Case cases[] = {
      {2003, base::Code::kUnavailable},      {2002, base::Code::kUnavailable},
      {2013, base::Code::kUnavailable},      {1045, base::Code::kPermissionDenied},
      {1044, base::Code::kPermissionDenied}, {1049, base::Code::kFailedPrecondition},
      {1146, base::Code::kFailedPrecondition}, {1205, base::Code::kTimeout},
      {1064, base::Code::kInternal},
  };
  for (const Case& c : cases) {
    CAPTURE(c.number);
    CHECK(agent::db::MysqlError(c.number, "text", "ctx").code() == c.code);
  }
  CHECK(agent::db::MysqlError(1045, "Access denied for user 'nova'@'localhost' (using password: YES)",
                              "API database at 127.0.0.1:3306")
            .message() ==
        "API database at 127.0.0.1:3306: Access denied for user 'nova'@'localhost' (using password: YES) "
        "(mysql error 1045)");
}

TEST_CASE("agent::db::MysqlError: an unknown charset is a configuration error that does not quote it") {
  const base::Status s =
      agent::db::MysqlError(2019, "Can't initialize character set bogus-S3cr3t (path: compiled_in)", "API database");
  CHECK(s.code() == base::Code::kInvalidInput);  // exit code 20, as any bad URL
  CHECK(s.message() ==
        "API database: the client library does not know the charset the URL's charset query option names "
        "(mysql error 2019)");
}
