/* Loaded by sonde (runtime/export/tls.cpp) before civetweb starts a TLS listener.
 *
 * Debian 12's civetweb 1.15 loads OpenSSL at run time with dlopen("libssl.so") and
 * dlsym(), written against the OpenSSL 1.1 API. OpenSSL 3 no longer exports
 * SSL_get_peer_certificate (it is a macro for SSL_get1_peer_certificate), so civetweb
 * calls a null pointer on every TLS connection. This library's SONAME is "libssl.so":
 * once it is loaded, the dynamic loader answers civetweb's dlopen("libssl.so") with it,
 * and civetweb's dlsym() finds this function here and everything else in the real
 * libssl.so.3 and libcrypto.so.3 it depends on. */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate
X509* SSL_get_peer_certificate(const SSL* ssl);

/* Both return the certificate with a reference taken; civetweb frees it. */
X509* SSL_get_peer_certificate(const SSL* ssl) { return SSL_get1_peer_certificate(ssl); }
