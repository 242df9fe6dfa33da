// Status: the outcome of an operation that can fail for reasons outside the
// program (a peer, the database, the user's input).
//
// A Status is a value: OK, or a Code plus a one-line message. Codes are few and
// chosen by what the caller does next, not by where the failure came from:
//   kNotFound           the thing asked for does not exist
//   kInvalidInput       the caller's input (CLI, config, file) is malformed
//   kFailedPrecondition the thing exists but is in the wrong state
//   kUnavailable        a peer could not be reached; retrying may help
//   kPermissionDenied   a peer refused our credentials
//   kTimeout            a peer did not answer in time
//   kRemoteError        a peer answered with an error
//   kCorrupt            stored data could not be decoded
//   kInternal           anything else (a bug or an unexpected library error)
// Messages never contain secrets; the layer that formats a message is
// responsible for leaving passwords out.
//
// Thread safety: a Status is an immutable value; copies may be used from
// several threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace base {

enum class Code {
  kOk,
  kNotFound,
  kInvalidInput,
  kFailedPrecondition,
  kUnavailable,
  kPermissionDenied,
  kTimeout,
  kRemoteError,
  kCorrupt,
  kInternal,
};

// The lower-case name of a code, as used in ToString(): "not found", ...
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status NotFound(std::string message) { return {Code::kNotFound, std::move(message)}; }
  static Status InvalidInput(std::string message) { return {Code::kInvalidInput, std::move(message)}; }
  static Status FailedPrecondition(std::string message) {
    return {Code::kFailedPrecondition, std::move(message)};
  }
  static Status Unavailable(std::string message) { return {Code::kUnavailable, std::move(message)}; }
  static Status PermissionDenied(std::string message) {
    return {Code::kPermissionDenied, std::move(message)};
  }
  static Status Timeout(std::string message) { return {Code::kTimeout, std::move(message)}; }
  static Status RemoteError(std::string message) { return {Code::kRemoteError, std::move(message)}; }
  static Status Corrupt(std::string message) { return {Code::kCorrupt, std::move(message)}; }
  static Status Internal(std::string message) { return {Code::kInternal, std::move(message)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }

  // The same status with "context: " put in front of the message.
  Status WithContext(std::string_view context) const;

  // "OK" or the message alone; the code is for programs, the message for people.
  std::string ToString() const;

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace base
