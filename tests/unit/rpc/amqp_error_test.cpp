// Unit tests of rpc/amqp_error: broker reply codes sorted into channel and
// connection errors and into Status codes (the library paths are exercised
// against the real broker in tests/integration/amqp_connection_test.cpp).
#include "rpc/amqp_error.h"

#include <doctest/doctest.h>

TEST_CASE("rpc::ScopeOfReplyCode") {
  using rpc::AmqpErrorScope;
  for (int soft : {311, 312, 313, 403, 404, 405, 406}) {
    CAPTURE(soft);
    CHECK(rpc::ScopeOfReplyCode(soft, false) == AmqpErrorScope::kChannel);
    CHECK(rpc::ScopeOfReplyCode(soft, true) == AmqpErrorScope::kConnection);
  }
  for (int hard : {320, 402, 501, 502, 503, 504, 505, 506, 530, 540, 541}) {
    CAPTURE(hard);
    CHECK(rpc::ScopeOfReplyCode(hard, false) == AmqpErrorScope::kConnection);
  }
}

TEST_CASE("rpc::CodeOfReplyCode") {
  CHECK(rpc::CodeOfReplyCode(403, "ACCESS_REFUSED - Login was refused") == base::Code::kPermissionDenied);
  CHECK(rpc::CodeOfReplyCode(404, "NOT_FOUND - no queue 'x'") == base::Code::kNotFound);
  CHECK(rpc::CodeOfReplyCode(406, "PRECONDITION_FAILED - inequivalent arg") == base::Code::kFailedPrecondition);
  CHECK(rpc::CodeOfReplyCode(405, "RESOURCE_LOCKED") == base::Code::kFailedPrecondition);
  CHECK(rpc::CodeOfReplyCode(320, "CONNECTION_FORCED - broker forced connection closure") ==
        base::Code::kUnavailable);
  SUBCASE("530 NOT_ALLOWED: a missing vhost versus a refused one") {
    CHECK(rpc::CodeOfReplyCode(530, "NOT_ALLOWED - vhost nope not found") == base::Code::kNotFound);
    CHECK(rpc::CodeOfReplyCode(530, "NOT_ALLOWED - access to vhost '/x' refused for user 'nova'") ==
          base::Code::kPermissionDenied);
  }
  CHECK(rpc::CodeOfReplyCode(541, "INTERNAL_ERROR") == base::Code::kInternal);
}

TEST_CASE("rpc::AmqpCloseError formats context, code and broker text") {
  const rpc::AmqpFailure failure =
      rpc::AmqpCloseError(406, "PRECONDITION_FAILED - inequivalent arg 'durable'", false, "declare exchange nova");
  CHECK(failure.scope == rpc::AmqpErrorScope::kChannel);
  CHECK(failure.status.code() == base::Code::kFailedPrecondition);
  CHECK(failure.status.message() ==
        "declare exchange nova: broker closed the channel: 406 PRECONDITION_FAILED "
        "(PRECONDITION_FAILED - inequivalent arg 'durable')");
}

TEST_CASE("rpc::AmqpLibraryError") {
  CHECK(rpc::AmqpLibraryError(0, "x").status.ok());
  const rpc::AmqpFailure timeout = rpc::AmqpLibraryError(-0x000D, "wait");  // AMQP_STATUS_TIMEOUT
  CHECK(timeout.status.code() == base::Code::kTimeout);
  CHECK(timeout.scope == rpc::AmqpErrorScope::kNone);
  const rpc::AmqpFailure closed = rpc::AmqpLibraryError(-0x0007, "publish");  // CONNECTION_CLOSED
  CHECK(closed.status.code() == base::Code::kUnavailable);
  CHECK(closed.scope == rpc::AmqpErrorScope::kConnection);
  CHECK(closed.status.message().rfind("publish: ", 0) == 0);
  const rpc::AmqpFailure heartbeat = rpc::AmqpLibraryError(-0x000F, "receive");  // HEARTBEAT_TIMEOUT
  CHECK(heartbeat.status.code() == base::Code::kUnavailable);
}
