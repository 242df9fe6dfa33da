// The floor under `bdm-agent show INSTANCE VOLUME`: a program that does only
// what cannot be avoided (start a process, connect to the API database and to
// the cell database, run the instance-mapping and the BDM query, print the
// row), linked as bdm-agent is (the same libmariadb, statically in a release
// tree), and, like bdm-agent, without OpenSSL's configuration (no TLS here;
// agent/openssl_setup.h). tools/bench show times it beside bdm-agent, so that
// what bdm-agent adds on top is plain to see. No config file, no checks, text
// protocol: a benchmark, not a tool.
//
// Usage: show_floor HOST PORT USER PASSWORD API_DB CELL_DB INSTANCE VOLUME
#include <mysql.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

MYSQL* Connect(char** argv, const char* database) {
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) return nullptr;
  mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (mysql_real_connect(mysql, argv[1], argv[3], argv[4], database, static_cast<unsigned>(std::atoi(argv[2])),
                         nullptr, 0) == nullptr) {
    std::fprintf(stderr, "show_floor: %s\n", mysql_error(mysql));
    mysql_close(mysql);
    return nullptr;
  }
  return mysql;
}

std::string Quoted(MYSQL* mysql, const char* value) {
  std::string text(2 * std::string(value).size() + 1, '\0');
  text.resize(mysql_real_escape_string(mysql, text.data(), value, std::string(value).size()));
  return "'" + text + "'";
}

// Runs `sql` and prints every field of every row; false on an error or no row.
bool PrintRows(MYSQL* mysql, const std::string& sql) {
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) {
    std::fprintf(stderr, "show_floor: %s\n", mysql_error(mysql));
    return false;
  }
  MYSQL_RES* result = mysql_store_result(mysql);
  if (result == nullptr) return false;
  const unsigned columns = mysql_num_fields(result);
  bool any = false;
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    any = true;
    for (unsigned i = 0; i < columns; ++i) std::printf("%s%s", i ? "\t" : "", row[i] ? row[i] : "NULL");
    std::printf("\n");
  }
  mysql_free_result(result);
  return any;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 9) {
    std::fprintf(stderr, "usage: show_floor HOST PORT USER PASSWORD API_DB CELL_DB INSTANCE VOLUME\n");
    return 64;
  }
  OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, nullptr);  // before libmariadb's
  MYSQL* api = Connect(argv, argv[5]);
  if (api == nullptr) return 1;
  bool ok = PrintRows(api,
                      "SELECT im.instance_uuid, cm.uuid, cm.name, cm.database_connection FROM instance_mappings im "
                      "LEFT JOIN cell_mappings cm ON im.cell_id = cm.id WHERE im.instance_uuid = " +
                          Quoted(api, argv[7]) + " LIMIT 1");
  MYSQL* cell = ok ? Connect(argv, argv[6]) : nullptr;
  ok = cell != nullptr && PrintRows(cell, "SELECT * FROM block_device_mapping WHERE deleted = 0 AND volume_id = " +
                                              Quoted(cell, argv[8]) + " AND instance_uuid = " +
                                              Quoted(cell, argv[7]) + " ORDER BY id LIMIT 1");
  if (cell != nullptr) mysql_close(cell);
  mysql_close(api);
  return ok ? 0 : 1;
}
