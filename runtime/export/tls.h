// TLS for the metrics endpoint: civetweb does the protocol, with OpenSSL, which it
// loads itself at run time; sonde hands it the certificate and key of the web config.
#pragma once

#include "runtime/export/web_config.h"
#include "support/result.h"

namespace sonde::exporter {

// Makes civetweb's run-time OpenSSL loading work with OpenSSL 3 (tls_shim/ssl_shim.c
// says why): loads the two shim libraries found next to the executable (else the build
// tree's), once per process. Call before starting a TLS listener.
Status prepare_openssl_for_civetweb();

// Sets up civetweb's SSL_CTX (an `SSL_CTX*`, from its init_ssl callback): the
// certificate chain and key of `config`, checked to belong together, and TLS 1.2 or
// 1.3 at least (done in the shim, which links OpenSSL; sonde itself does not).
Status configure_tls(void* ssl_ctx, const WebConfig& config);

}  // namespace sonde::exporter
