// A fresh process for tests/unit/agent/openssl_setup_test.cpp: OpenSSL is
// initialized once per process, so each way of starting it needs its own.
//
// Writes an openssl.cnf whose system_default section sets MinProtocol =
// TLSv1.3, points OPENSSL_CONF at it, then prints the minimum protocol version
// of new SSL_CTXs (0: none set, 772: TLS 1.3):
//   openssl_setup_probe default   "default=<v>"  (OpenSSL starts by itself)
//   openssl_setup_probe deferred  "deferred=<v> loaded=<v>"  (DeferOpenSslConfig,
//                                  a context, LoadOpenSslConfig, a context)
#include <openssl/ssl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "agent/openssl_setup.h"

namespace {

long MinimumProtocol() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  if (ctx == nullptr) return -1;
  const long version = SSL_CTX_get_min_proto_version(ctx);
  SSL_CTX_free(ctx);
  return version;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc == 2 ? argv[1] : "";
  if (mode != "default" && mode != "deferred") {
    std::fprintf(stderr, "usage: openssl_setup_probe default|deferred\n");
    return 64;
  }
  char path[] = "/tmp/openssl_setup_probe.XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return 1;
  const std::string config =
      "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n[ssl_sect]\n"
      "system_default = system_default_sect\n[system_default_sect]\nMinProtocol = TLSv1.3\n";
  const bool written = write(fd, config.data(), config.size()) == static_cast<ssize_t>(config.size());
  close(fd);
  setenv("OPENSSL_CONF", path, 1);
  if (!written) {
    unlink(path);
    return 1;
  }
  if (mode == "default") {
    std::printf("default=%ld\n", MinimumProtocol());
  } else {
    agent::DeferOpenSslConfig();
    const long deferred = MinimumProtocol();
    agent::LoadOpenSslConfig();
    std::printf("deferred=%ld loaded=%ld\n", deferred, MinimumProtocol());
  }
  unlink(path);
  return 0;
}
