// UniqueHandle<T, Free>: std::unique_ptr for a C library handle whose release
// function is known at compile time (mysql_close, curl_easy_cleanup, ...).
//
//   using MysqlHandle = base::UniqueHandle<MYSQL, mysql_close>;
//
// Movable, not copyable; the release function runs exactly once, on a
// non-null pointer, when the owner goes away or is reset.
#pragma once

#include <memory>

namespace base {

template <auto FreeFunction>
struct FunctionDeleter {
  template <typename T>
  void operator()(T* handle) const {
    if (handle != nullptr) FreeFunction(handle);
  }
};

template <typename T, auto FreeFunction>
using UniqueHandle = std::unique_ptr<T, FunctionDeleter<FreeFunction>>;

}  // namespace base
