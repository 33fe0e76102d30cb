/* SONAME "libcrypto.so": answers civetweb's dlopen("libcrypto.so") with the real
 * libcrypto.so.3 it depends on, so that TLS needs only the OpenSSL runtime package (the
 * unversioned libcrypto.so link comes with libssl-dev). See ssl_shim.c. */
void sonde_crypto_shim(void);
void sonde_crypto_shim(void) {}
