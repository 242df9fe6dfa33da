// agent/openssl_setup.h, each way of starting OpenSSL in a fresh process
// (openssl_setup_probe.cpp), with an openssl.cnf that sets the minimum TLS
// version: the configuration must apply when OpenSSL starts by itself, not
// after DeferOpenSslConfig, and again after LoadOpenSslConfig.
#include <cstdio>
#include <string>

#include <doctest/doctest.h>

namespace {

std::string RunProbe(const std::string& mode) {
  std::string output;
  FILE* pipe = popen((std::string(BDM_OPENSSL_SETUP_PROBE) + " " + mode).c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  CHECK(pclose(pipe) == 0);
  return output;
}

}  // namespace

TEST_CASE("agent::DeferOpenSslConfig and LoadOpenSslConfig") {
  CHECK(RunProbe("default") == "default=772\n");  // the file applies (772: TLS 1.3)
  CHECK(RunProbe("deferred") == "deferred=0 loaded=772\n");
}
