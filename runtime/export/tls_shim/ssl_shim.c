/* The OpenSSL side of sonde's TLS, loaded (runtime/export/tls.cpp) only when a web
 * config asks for TLS, so that a plain-HTTP sonde maps no OpenSSL at all.
 *
 * Debian 12's civetweb 1.15 loads OpenSSL at run time with dlopen("libssl.so") and
 * dlsym(), written against the OpenSSL 1.1 API. OpenSSL 3 no longer exports
 * SSL_get_peer_certificate (it is a macro for SSL_get1_peer_certificate), so civetweb
 * calls a null pointer on every TLS connection. This library's SONAME is "libssl.so":
 * once it is loaded, the dynamic loader answers civetweb's dlopen("libssl.so") with it,
 * and civetweb's dlsym() finds that function here and everything else in the real
 * libssl.so.3 and libcrypto.so.3 it depends on. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>

#undef SSL_get_peer_certificate
X509* SSL_get_peer_certificate(const SSL* ssl);

/* Both return the certificate with a reference taken; civetweb frees it. */
X509* SSL_get_peer_certificate(const SSL* ssl) { return SSL_get1_peer_certificate(ssl); }

static void describe_errors(char* out, size_t size) {
  size_t used = 0;
  out[0] = 0;
  unsigned long code;
  while ((code = ERR_get_error()) != 0 && used + 4 < size) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "; " : "", text);
  }
  if (out[0] == 0) snprintf(out, size, "unknown OpenSSL error");
}

/* Sets up civetweb's SSL_CTX: the certificate chain in `cert` (PEM, leaf first), its
 * private key in `key`, checked to belong together, and TLS 1.2 (or 1.3) at least.
 * Returns 0, or which step failed (1 certificate, 2 key, 3 key not the certificate's)
 * with OpenSSL's reasons in `error`. */
int sonde_tls_configure(void* ssl_ctx, const char* cert, const char* key, int tls13_only,
                        char* error, size_t error_size);
int sonde_tls_configure(void* ssl_ctx, const char* cert, const char* key, int tls13_only,
                        char* error, size_t error_size) {
  SSL_CTX* ctx = (SSL_CTX*)ssl_ctx;
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
    describe_errors(error, error_size);
    return 1;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
    const int mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    describe_errors(error, error_size);
    return mismatch ? 3 : 2;
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    describe_errors(error, error_size);
    return 3;
  }
  SSL_CTX_set_min_proto_version(ctx, tls13_only ? TLS1_3_VERSION : TLS1_2_VERSION);
  return 0;
}
