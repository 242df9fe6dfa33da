// MysqlConnection: one open connection to a MariaDB/MySQL server, owning its
// MYSQL* handle, running prepared statements only. A statement is prepared
// and executed in one round trip on MariaDB >= 10.2 (two on other servers);
// its '?' must all be placeholders (a count that differs from the parameters
// given is a bug: std::logic_error).
//
// Connect() honours everything Nova's SQLAlchemy URL says that matters to a
// client: host or unix_socket, port, user, password, database, charset and the
// PyMySQL TLS options (ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher,
// ssl_verify_cert, ssl_verify_identity). Any TLS option makes TLS mandatory.
// A URL without a port means 3306, as for PyMySQL (libmariadb's own default
// from /etc/services or MYSQL_TCP_PORT is not used).
//
// Errors are Statuses from MysqlError(), prefixed with the connection's label
// (e.g. "API database" or "cell 'cell1' database") and the server address; no
// message ever contains the password.
//
// Thread safety: a connection is used by one thread at a time. Movable, not
// copyable; the destructor closes the handle.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "agent/config/database_url.h"
#include "agent/db/sql_value.h"
#include "agent/peer_time.h"
#include "base/result.h"
#include "base/unique_handle.h"

struct st_mysql;

namespace agent::db {

void CloseMysqlHandle(st_mysql* handle);

struct ConnectOptions {
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds read_timeout{60};
  std::chrono::seconds write_timeout{60};
  // When set, accumulates the time spent in the server round trips (connect,
  // statements, commit/rollback); must outlive the connection. See
  // agent/peer_time.h.
  PeerTime* peer_time = nullptr;
};

class MysqlConnection {
 public:
  // Opens a connection. `label` names it in every error message.
  static base::Result<MysqlConnection> Connect(const config::DatabaseUrl& url,
                                               const ConnectOptions& options,
                                               std::string label);

  MysqlConnection(MysqlConnection&&) noexcept = default;
  MysqlConnection& operator=(MysqlConnection&&) noexcept = default;
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  // Runs a SELECT (or anything that returns rows) and copies all rows out.
  base::Result<SqlRows> Query(std::string_view sql, std::span<const SqlParam> params = {});

  // Runs a statement without rows; returns the number of affected rows.
  base::Result<std::uint64_t> Execute(std::string_view sql, std::span<const SqlParam> params = {});

  // Runs `body` as one transaction: committed when it returns OK, rolled back
  // when it fails (its Status is returned) or when the commit fails. Not
  // reentrant.
  base::Status InTransaction(const std::function<base::Status()>& body);

  const std::string& label() const { return label_; }

 private:
  MysqlConnection(base::UniqueHandle<st_mysql, CloseMysqlHandle> handle, std::string label, PeerTime* peer_time)
      : mysql_(std::move(handle)), label_(std::move(label)), peer_time_(peer_time) {}

  base::UniqueHandle<st_mysql, CloseMysqlHandle> mysql_;
  std::string label_;
  PeerTime* peer_time_;
};

}  // namespace agent::db
