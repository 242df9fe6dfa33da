#include "agent/openssl_setup.h"

#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

namespace agent {

void DeferOpenSslConfig() {
  static const int initialized =
      OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, nullptr);
  static_cast<void>(initialized);  // a failure shows at the first use of OpenSSL, with its reason
}

void LoadOpenSslConfig() {
  // What OpenSSL 3's automatic configuration does (crypto/conf/conf_sap.c).
  static const int loaded = CONF_modules_load_file(
      nullptr, nullptr,
      CONF_MFLAGS_DEFAULT_SECTION | CONF_MFLAGS_IGNORE_MISSING_FILE | CONF_MFLAGS_IGNORE_RETURN_CODES);
  static_cast<void>(loaded);  // return codes ignored, as OpenSSL's own initialization ignores them
}

}  // namespace agent
