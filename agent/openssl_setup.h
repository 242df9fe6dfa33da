// When OpenSSL reads its configuration (openssl.cnf): only before a TLS
// connection, not whenever libmariadb starts.
//
// libmariadb initializes OpenSSL in the process's first mysql_init(), whether
// or not a connection will use TLS, and OpenSSL's default initialization
// reads and applies openssl.cnf, which loads its error strings and registers
// its exit-time cleanup: some 2.8 million instructions, as much as all the
// rest of a `bdm-agent show` (which, as a rule, makes no TLS connection).
//
// DeferOpenSslConfig() initializes OpenSSL without its configuration and
// without the cleanup at exit (the process's exit frees its memory anyway);
// agent/db calls it before its first mysql_init(). From then on, whatever is
// about to create a TLS context in this process must call LoadOpenSslConfig()
// first: agent/db before a connection with TLS options, agent/refresh before
// connecting to the broker, agent/cinder before starting libcurl (which shares
// OpenSSL in builds that link it dynamically). LoadOpenSslConfig() reads the
// configuration as OpenSSL's own initialization would (the file OPENSSL_CONF
// names, else the default one; a missing file is no error), once per process.
//
// Both are thread-safe and cheap after the first call. If OpenSSL was
// initialized before DeferOpenSslConfig() (by another library), it keeps the
// configuration it read then and LoadOpenSslConfig() reads it once more
// (harmless: modules are set up again with the same settings).
#pragma once

namespace agent {

void DeferOpenSslConfig();
void LoadOpenSslConfig();

}  // namespace agent
