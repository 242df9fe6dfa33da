#include "agent/db/mysql_connection.h"

#include <mysql.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "agent/db/mysql_error.h"
#include "agent/openssl_setup.h"

namespace agent::db {

void CloseMysqlHandle(st_mysql* handle) { mysql_close(handle); }

namespace {

// PyMySQL's port when the URL names none (it reads neither /etc/services nor
// MYSQL_TCP_PORT, as libmariadb would).
constexpr unsigned int kPyMysqlDefaultPort = 3306;

using StmtHandle = base::UniqueHandle<MYSQL_STMT, mysql_stmt_close>;
using ResHandle = base::UniqueHandle<MYSQL_RES, mysql_free_result>;

std::string Where(const config::DatabaseUrl& url) {
  if (!url.unix_socket.empty()) return url.unix_socket;
  std::string where = url.host.empty() ? "localhost" : url.host;
  if (url.port) where += ":" + std::to_string(*url.port);
  return where;
}

base::Status HandleError(MYSQL* mysql, std::string_view context) {
  return MysqlError(mysql_errno(mysql), mysql_error(mysql), context);
}

base::Status StmtError(MYSQL_STMT* stmt, std::string_view context) {
  return MysqlError(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), context);
}

base::Status SetTls(MYSQL* mysql, const config::DatabaseUrl& url) {
  const bool wants_tls = !url.ssl_ca.empty() || !url.ssl_capath.empty() || !url.ssl_cert.empty() ||
                         !url.ssl_key.empty() || !url.ssl_cipher.empty() ||
                         url.ssl_verify_cert.has_value() || url.ssl_verify_identity.has_value() ||
                         url.ssl_check_hostname.has_value();
  if (!wants_tls) return base::Status::Ok();
  LoadOpenSslConfig();  // before libmariadb makes its TLS context (agent/openssl_setup.h)
  auto set_string = [&](mysql_option option, const std::string& value) {
    if (!value.empty()) mysql_optionsv(mysql, option, value.c_str());
  };
  set_string(MYSQL_OPT_SSL_CA, url.ssl_ca);
  set_string(MYSQL_OPT_SSL_CAPATH, url.ssl_capath);
  set_string(MYSQL_OPT_SSL_CERT, url.ssl_cert);
  set_string(MYSQL_OPT_SSL_KEY, url.ssl_key);
  set_string(MYSQL_OPT_SSL_CIPHER, url.ssl_cipher);
  my_bool enforce = 1;
  mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &enforce);
  // PyMySQL verifies the certificate whenever a CA is given; Connector/C
  // checks certificate and host name together.
  const bool verify = url.ssl_verify_identity.value_or(url.ssl_check_hostname.value_or(
      url.ssl_verify_cert.value_or(!url.ssl_ca.empty() || !url.ssl_capath.empty())));
  my_bool verify_flag = verify ? 1 : 0;
  mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify_flag);
  return base::Status::Ok();
}

// Binds parameters; `storage` keeps the int64 values and lengths alive.
struct ParamBinding {
  std::vector<MYSQL_BIND> binds;
  std::vector<long long> ints;
  std::vector<unsigned long> lengths;
};

ParamBinding BindParams(std::span<const SqlParam> params) {
  ParamBinding b;
  b.binds.resize(params.size());
  b.ints.resize(params.size());
  b.lengths.resize(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    MYSQL_BIND& bind = b.binds[i];
    std::memset(&bind, 0, sizeof bind);
    if (std::holds_alternative<std::nullptr_t>(params[i])) {
      bind.buffer_type = MYSQL_TYPE_NULL;
    } else if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
      b.ints[i] = *n;
      bind.buffer_type = MYSQL_TYPE_LONGLONG;
      bind.buffer = &b.ints[i];
    } else {
      const auto& s = std::get<std::string>(params[i]);
      b.lengths[i] = s.size();
      bind.buffer_type = MYSQL_TYPE_STRING;
      bind.buffer = const_cast<char*>(s.data());
      bind.buffer_length = s.size();
      bind.length = &b.lengths[i];
    }
  }
  return b;
}

struct Prepared {
  StmtHandle stmt;
};

// Prepares and executes in one round trip (mariadb_stmt_execute_direct sends
// both commands at once to MariaDB >= 10.2; other servers get prepare, then
// execute, as before).
base::Result<Prepared> PrepareAndExecute(MYSQL* mysql, std::string_view sql,
                                         std::span<const SqlParam> params,
                                         const std::string& label) {
  // Our statements are constants whose only '?' are placeholders.
  if (static_cast<std::size_t>(std::count(sql.begin(), sql.end(), '?')) != params.size()) {
    throw std::logic_error("SQL parameter count mismatch: " + std::string(sql));
  }
  StmtHandle stmt(mysql_stmt_init(mysql));
  if (!stmt) return HandleError(mysql, label);
  unsigned int param_count = static_cast<unsigned int>(params.size());
  if (mysql_stmt_attr_set(stmt.get(), STMT_ATTR_PREBIND_PARAMS, &param_count) != 0) {
    return StmtError(stmt.get(), label + ": bind");
  }
  ParamBinding binding = BindParams(params);
  if (!params.empty() && mysql_stmt_bind_param(stmt.get(), binding.binds.data()) != 0) {
    return StmtError(stmt.get(), label + ": bind");
  }
  if (mariadb_stmt_execute_direct(stmt.get(), sql.data(), sql.size()) != 0) return StmtError(stmt.get(), label);
  if (mysql_stmt_param_count(stmt.get()) != params.size()) {
    throw std::logic_error("SQL parameter count mismatch: " + std::string(sql));
  }
  return Prepared{std::move(stmt)};
}

}  // namespace

base::Result<MysqlConnection> MysqlConnection::Connect(const config::DatabaseUrl& url,
                                                       const ConnectOptions& options,
                                                       std::string label) {
  DeferOpenSslConfig();  // libmariadb initializes OpenSSL in its first mysql_init (agent/openssl_setup.h)
  base::UniqueHandle<st_mysql, CloseMysqlHandle> handle(mysql_init(nullptr));
  if (!handle) return base::Status::Internal(label + ": out of memory");
  MYSQL* mysql = handle.get();
  unsigned int connect_timeout = static_cast<unsigned>(options.connect_timeout.count());
  unsigned int read_timeout = static_cast<unsigned>(options.read_timeout.count());
  unsigned int write_timeout = static_cast<unsigned>(options.write_timeout.count());
  mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(mysql, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_optionsv(mysql, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  const std::string charset = url.charset.empty() ? "utf8mb4" : url.charset;
  mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, charset.c_str());
  BASE_TRY(SetTls(mysql, url));

  const std::string where = label + " at " + Where(url);
  const char* host = url.unix_socket.empty() ? (url.host.empty() ? nullptr : url.host.c_str())
                                             : "localhost";
  const char* socket = url.unix_socket.empty() ? nullptr : url.unix_socket.c_str();
  const char* user = url.username.empty() ? nullptr : url.username.c_str();
  const char* password = url.password.empty() ? nullptr : url.password.c_str();
  const char* database = url.database.empty() ? nullptr : url.database.c_str();
  const unsigned int port = url.port ? static_cast<unsigned>(*url.port) : kPyMysqlDefaultPort;
  bool connected = false;
  {
    const PeerTimer timer(options.peer_time);
    connected = mysql_real_connect(mysql, host, user, password, database, port, socket, 0) != nullptr;
  }
  if (!connected) return HandleError(mysql, where);
  return MysqlConnection(std::move(handle), std::move(label), options.peer_time);
}

base::Result<SqlRows> MysqlConnection::Query(std::string_view sql,
                                             std::span<const SqlParam> params) {
  std::optional<PeerTimer> timer(std::in_place, peer_time_);  // until the rows are in
  BASE_TRY_ASSIGN(Prepared prepared, PrepareAndExecute(mysql_.get(), sql, params, label_));
  MYSQL_STMT* stmt = prepared.stmt.get();
  ResHandle meta(mysql_stmt_result_metadata(stmt));
  if (!meta) return SqlRows();
  const unsigned columns = mysql_num_fields(meta.get());
  MYSQL_FIELD* fields = mysql_fetch_fields(meta.get());
  std::vector<std::string> names;
  names.reserve(columns);
  for (unsigned i = 0; i < columns; ++i) names.emplace_back(fields[i].name, fields[i].name_length);

  if (mysql_stmt_store_result(stmt) != 0) return StmtError(stmt, label_);
  timer.reset();  // fetching the stored rows below is local

  constexpr std::size_t kInitialBuffer = 256;
  std::vector<MYSQL_BIND> binds(columns);
  std::vector<std::vector<char>> buffers(columns, std::vector<char>(kInitialBuffer));
  std::vector<unsigned long> lengths(columns);
  std::vector<my_bool> nulls(columns);
  std::vector<my_bool> truncated(columns);
  for (unsigned i = 0; i < columns; ++i) {
    std::memset(&binds[i], 0, sizeof binds[i]);
    binds[i].buffer_type = MYSQL_TYPE_STRING;
    binds[i].buffer = buffers[i].data();
    binds[i].buffer_length = buffers[i].size();
    binds[i].length = &lengths[i];
    binds[i].is_null = &nulls[i];
    binds[i].error = &truncated[i];
  }
  if (mysql_stmt_bind_result(stmt, binds.data()) != 0) return StmtError(stmt, label_);

  std::vector<std::vector<SqlField>> rows;
  for (;;) {
    const int rc = mysql_stmt_fetch(stmt);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) return StmtError(stmt, label_);
    std::vector<SqlField> row(columns);
    for (unsigned i = 0; i < columns; ++i) {
      if (nulls[i]) continue;
      if (lengths[i] <= buffers[i].size()) {
        row[i] = std::string(buffers[i].data(), lengths[i]);
        continue;
      }
      // Truncated: fetch the whole column into a buffer of the right size.
      std::string value(lengths[i], '\0');
      MYSQL_BIND full;
      std::memset(&full, 0, sizeof full);
      unsigned long full_length = 0;
      full.buffer_type = MYSQL_TYPE_STRING;
      full.buffer = value.data();
      full.buffer_length = value.size();
      full.length = &full_length;
      if (mysql_stmt_fetch_column(stmt, &full, i, 0) != 0) return StmtError(stmt, label_);
      value.resize(full_length);
      row[i] = std::move(value);
    }
    rows.push_back(std::move(row));
  }
  return SqlRows(std::move(names), std::move(rows));
}

base::Result<std::uint64_t> MysqlConnection::Execute(std::string_view sql,
                                                     std::span<const SqlParam> params) {
  const PeerTimer timer(peer_time_);
  BASE_TRY_ASSIGN(Prepared prepared, PrepareAndExecute(mysql_.get(), sql, params, label_));
  return static_cast<std::uint64_t>(mysql_stmt_affected_rows(prepared.stmt.get()));
}

base::Status MysqlConnection::InTransaction(const std::function<base::Status()>& body) {
  MYSQL* mysql = mysql_.get();
  {
    const PeerTimer timer(peer_time_);
    if (mysql_autocommit(mysql, 0) != 0) return HandleError(mysql, label_ + ": begin");
  }
  base::Status status = body();  // its statements time themselves
  const PeerTimer timer(peer_time_);
  if (status.ok() && mysql_commit(mysql) != 0) status = HandleError(mysql, label_ + ": commit");
  if (!status.ok()) mysql_rollback(mysql);  // a lost connection rolls back by itself
  mysql_autocommit(mysql, 1);
  return status;
}

}  // namespace agent::db
