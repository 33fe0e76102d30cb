#include "runtime/export/tls.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <mutex>
#include <string>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace sonde::exporter {

namespace {

std::string executable_dir() {
  char path[PATH_MAX];
  const ssize_t size = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (size <= 0) return ".";
  const std::string exe(path, static_cast<size_t>(size));
  const size_t slash = exe.rfind('/');
  return slash == std::string::npos ? "." : exe.substr(0, slash);
}

// Next to the executable in an install; tests run from build/tests, so the build
// tree's copy after that.
std::string find_shim(const char* name) {
  for (const std::string& dir : {executable_dir(), std::string(SONDE_TLS_SHIM_DIR)}) {
    std::string path = dir + "/" + name;
    if (::access(path.c_str(), R_OK) == 0) return path;
  }
  return {};
}

Status load_shims() {
  for (const char* name : {"libsonde-openssl-crypto.so", "libsonde-openssl-ssl.so"}) {
    const std::string path = find_shim(name);
    if (path.empty()) {
      return Error{fmt::format("cannot serve TLS: {} was not found next to the executable ({})",
                               name, executable_dir()),
                   "reinstall sonde with its libsonde-openssl-*.so beside the executable"};
    }
    // Never closed: civetweb keeps the functions it looked up.
    if (::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr) {
      const char* why = ::dlerror();
      return Error{fmt::format("cannot serve TLS: {}", why ? why : path),
                   "TLS needs OpenSSL 3 (Debian: libssl3)"};
    }
  }
  return {};
}

std::string openssl_errors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

}  // namespace

Status prepare_openssl_for_civetweb() {
  static std::once_flag once;
  static Status loaded;
  std::call_once(once, [] { loaded = load_shims(); });
  return loaded;
}

Status configure_tls(void* ssl_ctx, const WebConfig& config) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) != 1) {
    return Error{
        fmt::format("cannot use {} as the TLS certificate: {}", config.cert_file, openssl_errors()),
        "cert_file must hold PEM certificates, the server's first"};
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
      return Error{
          fmt::format("cannot use {} as the TLS key: {}", config.key_file, openssl_errors()),
          "key_file must hold the certificate's private key, in PEM, unencrypted"};
    }
  }
  if (ERR_peek_error() != 0 || SSL_CTX_check_private_key(ctx) != 1) {
    return Error{fmt::format("{} is not the key of the certificate in {}: {}", config.key_file,
                             config.cert_file, openssl_errors()),
                 "give the key the certificate was issued for"};
  }
  SSL_CTX_set_min_proto_version(ctx, config.tls13_only ? TLS1_3_VERSION : TLS1_2_VERSION);
  return {};
}

}  // namespace sonde::exporter
