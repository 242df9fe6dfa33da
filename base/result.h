// Result<T>: a value of type T, or the non-OK Status that explains why there is
// none. Spelled like std::expected (value(), error(), has_value(), operator*)
// so that it can be swapped for it once the project moves to C++23.
//
// Reading value() of a failed Result, or constructing a Result from an OK
// Status, is a programming error and throws std::logic_error.
//
// BASE_TRY(expr) returns the Status of a failed Status or Result from the
// enclosing function; BASE_TRY_ASSIGN(lhs, expr) unwraps a Result into lhs.
// BASE_TRY_ASSIGN expands to several statements: brace it inside an if/else.
#pragma once

#include <stdexcept>
#include <utility>
#include <variant>

#include "base/status.h"

namespace base {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Status status) : state_(std::move(status)) {  // NOLINT
    if (std::get<Status>(state_).ok()) throw std::logic_error("Result built from an OK Status");
  }

  bool has_value() const { return state_.index() == 0; }
  bool ok() const { return has_value(); }
  explicit operator bool() const { return has_value(); }

  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<Result*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->Checked(); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->Checked(); }

  // The failure; OK when there is a value.
  Status error() const { return has_value() ? Status::Ok() : std::get<Status>(state_); }
  Status status() const { return error(); }

 private:
  T& Checked() {
    if (!has_value()) {
      throw std::logic_error("value() of a failed Result: " + std::get<Status>(state_).ToString());
    }
    return std::get<0>(state_);
  }

  std::variant<T, Status> state_;
};

namespace internal {
inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) { return r.error(); }
}  // namespace internal

}  // namespace base

#define BASE_CONCAT_INNER(a, b) a##b
#define BASE_CONCAT(a, b) BASE_CONCAT_INNER(a, b)

#define BASE_TRY(expr)                                              \
  do {                                                              \
    auto&& base_try_value_ = (expr);                                \
    if (!base_try_value_.ok()) return ::base::internal::ToStatus(base_try_value_); \
  } while (0)

#define BASE_TRY_ASSIGN_IMPL(tmp, lhs, expr)  \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.error();          \
  lhs = std::move(tmp).value()

#define BASE_TRY_ASSIGN(lhs, expr) BASE_TRY_ASSIGN_IMPL(BASE_CONCAT(base_try_, __LINE__), lhs, expr)
