// detail/amqp_tls: sets up a rabbitmq-c TLS socket from TlsOptions the way
// oslo.messaging 14 with py-amqp 5 sets up its SSLContext, and turns a TLS
// failure into a one-line message that says what went wrong. Internal to
// rpc/; the .cpp includes <amqp_ssl_socket.h> and OpenSSL.
//
// Verification as oslo/py-amqp do it: the broker's certificate chain is
// always verified (PROTOCOL_TLS_CLIENT defaults to CERT_REQUIRED), against
// ssl_ca_file when given, else against the system's default CA store; the
// host name only when verify_hostname is set. A client certificate is sent
// when ssl_cert_file is given (ssl_key_file defaults to the same file, as
// Python's load_cert_chain does).
//
// While a socket is being opened, OpenSSL's callbacks record the first
// certificate verification error and the first fatal alert the broker sent
// into a TlsObservations the caller owns. The caller must keep it alive until
// DetachTlsObservations has run or the socket is destroyed. Messages name
// files but never contain key material or passwords.
#pragma once

#include <amqp.h>

#include <string>
#include <string_view>

#include "base/status.h"
#include "rpc/amqp_connection.h"

namespace rpc::detail {

struct TlsObservations {
  std::string verify_error;    // e.g. "unable to get local issuer certificate (depth 0, /CN=localhost)"
  std::string alert_received;  // e.g. "certificate required"
};

// Applies `tls` to a socket made by amqp_ssl_socket_new that will connect to
// `host` (a name or an IP address; checked against the certificate when
// tls.verify_hostname). kInvalidInput naming the option when a CA,
// certificate or key file cannot be used.
base::Status ConfigureTlsSocket(amqp_socket_t* socket, const TlsOptions& tls, std::string_view host,
                                TlsObservations* observations, std::string_view context);

// Stops recording into the observations (call once the connection is open).
void DetachTlsObservations(amqp_socket_t* socket);

enum class TlsPhase { kOpen, kLogin };

// For a failed open (TCP + handshake) or AMQP login over TLS: a Status that
// says what TLS reported (verification error, broker alert) with a hint at
// the option to check, or `fallback` when TLS reported nothing (at login an
// kUnavailable fallback gets a hint at the client certificate: the broker's
// TCP reset can overtake its alert). kPermissionDenied for certificate
// problems (ours or the broker's), kUnavailable for other alerts.
base::Status DescribeTlsFailure(const base::Status& fallback, const TlsOptions& tls,
                                const TlsObservations& observations, TlsPhase phase, std::string_view context);

}  // namespace rpc::detail
