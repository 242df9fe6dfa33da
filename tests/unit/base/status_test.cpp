// Tests of base::Status, base::Result and the BASE_TRY / BASE_TRY_ASSIGN macros.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "base/result.h"
#include "base/status.h"

namespace {

using base::Code;
using base::Result;
using base::Status;

Status FailIf(bool fail) { return fail ? Status::Unavailable("broker down") : Status::Ok(); }

Result<int> Half(int n) {
  if (n % 2 != 0) return Status::InvalidInput(std::to_string(n) + " is odd");
  return n / 2;
}

Status TryTwice(bool first, bool second, int& steps) {
  BASE_TRY(FailIf(first));
  ++steps;
  BASE_TRY(FailIf(second));
  ++steps;
  return Status::Ok();
}

Status TryResult(int n, int& out) {
  BASE_TRY(Half(n));  // BASE_TRY also accepts a Result
  out = n;
  return Status::Ok();
}

Result<int> Quarter(int n) {
  BASE_TRY_ASSIGN(int half, Half(n));
  BASE_TRY_ASSIGN(int quarter, Half(half));
  return quarter;
}

Result<std::string> Describe(int n) {
  std::string text = "none";
  BASE_TRY_ASSIGN(int half, Half(n));
  BASE_TRY_ASSIGN(text, Result<std::string>(std::to_string(half)));  // an existing lvalue
  return text;
}

Result<std::unique_ptr<int>> MakeBox(int v) { return std::make_unique<int>(v); }

Result<int> Unbox(int v) {
  BASE_TRY_ASSIGN(std::unique_ptr<int> box, MakeBox(v));  // move-only values work
  return *box;
}

}  // namespace

TEST_CASE("base::Status") {
  SUBCASE("default is OK") {
    Status s;
    CHECK(s.ok());
    CHECK(s.code() == Code::kOk);
    CHECK(s.message().empty());
    CHECK(s.ToString() == "OK");
    CHECK(Status::Ok().ok());
  }
  SUBCASE("each factory sets its code and message") {
    struct Case {
      Status status;
      Code code;
      std::string_view name;
    };
    const Case cases[] = {
        {Status::NotFound("m"), Code::kNotFound, "not found"},
        {Status::InvalidInput("m"), Code::kInvalidInput, "invalid input"},
        {Status::FailedPrecondition("m"), Code::kFailedPrecondition, "failed precondition"},
        {Status::Unavailable("m"), Code::kUnavailable, "unavailable"},
        {Status::PermissionDenied("m"), Code::kPermissionDenied, "permission denied"},
        {Status::Timeout("m"), Code::kTimeout, "timeout"},
        {Status::RemoteError("m"), Code::kRemoteError, "remote error"},
        {Status::Corrupt("m"), Code::kCorrupt, "corrupt"},
        {Status::Internal("m"), Code::kInternal, "internal"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      CHECK_FALSE(c.status.ok());
      CHECK(c.status.code() == c.code);
      CHECK(c.status.message() == "m");
      CHECK(c.status.ToString() == "m");
      CHECK(base::CodeName(c.code) == c.name);
    }
    CHECK(base::CodeName(Code::kOk) == "ok");
  }
  SUBCASE("predicates") {
    CHECK(Status::NotFound("x").IsNotFound());
    CHECK_FALSE(Status::NotFound("x").IsUnavailable());
    CHECK(Status::Unavailable("x").IsUnavailable());
    CHECK_FALSE(Status::Ok().IsNotFound());
  }
  SUBCASE("WithContext prefixes the message and keeps the code") {
    Status s = Status::NotFound("no such row").WithContext("instance 42").WithContext("show");
    CHECK(s.code() == Code::kNotFound);
    CHECK(s.message() == "show: instance 42: no such row");
  }
  SUBCASE("WithContext leaves OK alone") {
    Status s = Status::Ok().WithContext("ignored");
    CHECK(s.ok());
    CHECK(s.message().empty());
  }
  SUBCASE("copies are independent values") {
    Status a = Status::Timeout("slow");
    Status b = a;
    b = b.WithContext("rpc");
    CHECK(a.message() == "slow");
    CHECK(b.message() == "rpc: slow");
  }
}

TEST_CASE("base::Result") {
  SUBCASE("holds a value") {
    Result<int> r = 7;
    CHECK(r.has_value());
    CHECK(r.ok());
    CHECK(static_cast<bool>(r));
    CHECK(r.value() == 7);
    CHECK(*r == 7);
    CHECK(r.error().ok());
    CHECK(r.status().ok());
  }
  SUBCASE("holds a failure") {
    Result<int> r = Status::Corrupt("bad row");
    CHECK_FALSE(r.has_value());
    CHECK_FALSE(r.ok());
    CHECK_FALSE(static_cast<bool>(r));
    CHECK(r.error().code() == Code::kCorrupt);
    CHECK(r.error().message() == "bad row");
  }
  SUBCASE("value() of a failure is a programming error") {
    Result<int> r = Status::NotFound("gone");
    CHECK_THROWS_AS(r.value(), std::logic_error);
    CHECK_THROWS_AS(*r, std::logic_error);
    const Result<int>& cr = r;
    CHECK_THROWS_AS(cr.value(), std::logic_error);
  }
  SUBCASE("building from an OK Status is a programming error") {
    CHECK_THROWS_AS(Result<int>(Status::Ok()), std::logic_error);
  }
  SUBCASE("operator-> and moving the value out") {
    Result<std::string> r = std::string("abc");
    CHECK(r->size() == 3);
    std::string moved = std::move(r).value();
    CHECK(moved == "abc");
  }
  SUBCASE("Result<std::optional<T>> for a normal absence") {
    Result<std::optional<int>> absent = std::optional<int>();
    CHECK(absent.ok());
    CHECK_FALSE(absent->has_value());
  }
}

TEST_CASE("base::BASE_TRY") {
  int steps = 0;
  SUBCASE("passes through on success") {
    CHECK(TryTwice(false, false, steps).ok());
    CHECK(steps == 2);
  }
  SUBCASE("returns the first failure") {
    Status s = TryTwice(false, true, steps);
    CHECK(s.IsUnavailable());
    CHECK(s.message() == "broker down");
    CHECK(steps == 1);
  }
  SUBCASE("stops before later steps") {
    CHECK(TryTwice(true, false, steps).IsUnavailable());
    CHECK(steps == 0);
  }
  SUBCASE("accepts a Result") {
    int out = 0;
    CHECK(TryResult(4, out).ok());
    CHECK(out == 4);
    Status s = TryResult(3, out);
    CHECK(s.code() == Code::kInvalidInput);
    CHECK(s.message() == "3 is odd");
    CHECK(out == 4);
  }
}

TEST_CASE("base::BASE_TRY_ASSIGN") {
  SUBCASE("unwraps values") {
    Result<int> r = Quarter(12);
    REQUIRE(r.ok());
    CHECK(*r == 3);
  }
  SUBCASE("returns the failure of the first step") {
    Result<int> r = Quarter(7);
    CHECK(r.error().message() == "7 is odd");
  }
  SUBCASE("returns the failure of a later step") {
    Result<int> r = Quarter(6);
    CHECK(r.error().message() == "3 is odd");
  }
  SUBCASE("assigns to an existing variable") {
    CHECK(*Describe(8) == "4");
    CHECK(Describe(3).error().message() == "3 is odd");
  }
  SUBCASE("works with move-only values") {
    CHECK(*Unbox(5) == 5);
  }
}
