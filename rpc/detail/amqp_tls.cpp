#include "rpc/detail/amqp_tls.h"

#include <amqp_ssl_socket.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <string>

namespace rpc::detail {
namespace {

std::string Prefix(std::string_view context) {
  return context.empty() ? std::string() : std::string(context) + ": ";
}

SSL_CTX* ContextOf(amqp_socket_t* socket) { return static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket)); }

TlsObservations* ObservationsOf(const SSL* ssl) {
  if (ssl == nullptr) return nullptr;
  return static_cast<TlsObservations*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
}

// Keeps OpenSSL's verdict (a failed chain fails the handshake) and notes the
// first error with the certificate it concerns.
int RecordVerifyResult(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok == 1) return 1;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  TlsObservations* observations = ObservationsOf(ssl);
  if (observations != nullptr && observations->verify_error.empty()) {
    std::string text = X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
    text += " (depth " + std::to_string(X509_STORE_CTX_get_error_depth(store));
    if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
      char subject[256];
      X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
      text += std::string(", ") + subject;
    }
    observations->verify_error = text + ")";
  }
  return 0;
}

void RecordAlert(const SSL* ssl, int where, int value) {
  if ((where & SSL_CB_READ_ALERT) == 0) return;
  TlsObservations* observations = ObservationsOf(ssl);
  if (observations == nullptr || !observations->alert_received.empty()) return;
  const int description = value & 0xff;
  if (description == 0) return;  // close_notify
  // OpenSSL 3.0 has no text for TLS 1.3's certificate_required (RFC 8446).
  observations->alert_received = description == 116 ? "certificate required" : SSL_alert_desc_string_long(value);
}

bool CertificateAlert(const std::string& alert) {
  return alert.find("certificate") != std::string::npos || alert.find("unknown CA") != std::string::npos ||
         alert.find("access denied") != std::string::npos;
}

}  // namespace

base::Status ConfigureTlsSocket(amqp_socket_t* socket, const TlsOptions& tls, std::string_view host,
                                TlsObservations* observations, std::string_view context) {
  SSL_CTX* ctx = ContextOf(socket);
  if (ctx == nullptr) return base::Status::Internal(Prefix(context) + "TLS: no OpenSSL context");
  if (!tls.ca_file.empty()) {
    if (amqp_ssl_socket_set_cacert(socket, tls.ca_file.c_str()) != AMQP_STATUS_OK) {
      return base::Status::InvalidInput(Prefix(context) + "TLS: cannot load ssl_ca_file " + tls.ca_file);
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return base::Status::Internal(Prefix(context) + "TLS: cannot load the system CA store");
  }
  if (!tls.cert_file.empty()) {
    const std::string& key = tls.key_file.empty() ? tls.cert_file : tls.key_file;
    if (amqp_ssl_socket_set_key(socket, tls.cert_file.c_str(), key.c_str()) != AMQP_STATUS_OK) {
      return base::Status::InvalidInput(Prefix(context) + "TLS: cannot load ssl_cert_file " + tls.cert_file +
                                        " with ssl_key_file " + key + " (unreadable, not PEM, or not a pair)");
    }
  }
  if (tls.verify_hostname) {
    // OpenSSL checks the name during chain verification (DNS names and IP
    // addresses, as Python's ssl module does; rabbitmq-c's own check knows
    // no IP addresses), so a mismatch is reported like any other
    // verification error.
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
    const bool is_ip = X509_VERIFY_PARAM_set1_ip_asc(param, std::string(host).c_str()) == 1;
    if (!is_ip && X509_VERIFY_PARAM_set1_host(param, std::string(host).c_str(), 0) != 1) {
      return base::Status::Internal(Prefix(context) + "TLS: cannot set the host name to verify");
    }
  }
  amqp_ssl_socket_set_verify_peer(socket, 1);
  amqp_ssl_socket_set_verify_hostname(socket, 0);
  SSL_CTX_set_app_data(ctx, observations);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, RecordVerifyResult);
  SSL_CTX_set_info_callback(ctx, RecordAlert);
  return base::Status::Ok();
}

void DetachTlsObservations(amqp_socket_t* socket) {
  if (SSL_CTX* ctx = ContextOf(socket)) {
    SSL_CTX_set_info_callback(ctx, nullptr);
    SSL_CTX_set_app_data(ctx, nullptr);
  }
}

base::Status DescribeTlsFailure(const base::Status& fallback, const TlsOptions& tls,
                                const TlsObservations& observations, TlsPhase phase, std::string_view context) {
  if (!observations.verify_error.empty()) {
    const std::string store = tls.ca_file.empty() ? "the system CA store (ssl_ca_file is not set)"
                                                  : "ssl_ca_file " + tls.ca_file;
    return base::Status::PermissionDenied(Prefix(context) + "TLS certificate verification failed: " +
                                          observations.verify_error +
                                          "; the broker's certificate was checked against " + store);
  }
  if (!observations.alert_received.empty()) {
    std::string message = Prefix(context) + "TLS: the broker refused the session with alert '" +
                          observations.alert_received + "'";
    // TLS 1.3: the broker checks our certificate after the client's side of
    // the handshake is done, so an alert during login is about it.
    if (phase != TlsPhase::kLogin && !CertificateAlert(observations.alert_received)) {
      return base::Status::Unavailable(message);
    }
    message += tls.cert_file.empty() ? "; it requires a client certificate: set ssl_cert_file and ssl_key_file"
                                     : "; it did not accept the client certificate ssl_cert_file " + tls.cert_file;
    return base::Status::PermissionDenied(message);
  }
  // The alert can be lost: when the broker's TCP reset overtakes it, OpenSSL
  // reports only a failed read.
  if (phase == TlsPhase::kLogin && fallback.code() == base::Code::kUnavailable) {
    return base::Status::Unavailable(
        fallback.message() + "; the broker ended the TLS session before AMQP login: " +
        (tls.cert_file.empty() ? "it may require a client certificate (ssl_cert_file and ssl_key_file)"
                               : "it may not accept the client certificate ssl_cert_file " + tls.cert_file));
  }
  return fallback;
}

}  // namespace rpc::detail
