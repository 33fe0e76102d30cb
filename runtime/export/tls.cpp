#include "runtime/export/tls.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <mutex>
#include <string>

#include <fmt/format.h>

namespace sonde::exporter {

namespace {

// tls_shim/ssl_shim.c.
using Configure = int (*)(void* ssl_ctx, const char* cert, const char* key, int tls13_only,
                          char* error, size_t error_size);
Configure configure_in_shim = nullptr;

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
  void* ssl = nullptr;
  for (const char* name : {"libsonde-openssl-crypto.so", "libsonde-openssl-ssl.so"}) {
    const std::string path = find_shim(name);
    if (path.empty()) {
      return Error{fmt::format("cannot serve TLS: {} was not found next to the executable ({})",
                               name, executable_dir()),
                   "reinstall sonde with its libsonde-openssl-*.so beside the executable"};
    }
    // Never closed: civetweb keeps the functions it looked up.
    ssl = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (ssl == nullptr) {
      const char* why = ::dlerror();
      return Error{fmt::format("cannot serve TLS: {}", why ? why : path),
                   "TLS needs OpenSSL 3 (Debian: libssl3)"};
    }
  }
  configure_in_shim = reinterpret_cast<Configure>(::dlsym(ssl, "sonde_tls_configure"));
  if (configure_in_shim == nullptr)
    return Error{"cannot serve TLS: libsonde-openssl-ssl.so is not sonde's", "reinstall sonde"};
  return {};
}

}  // namespace

Status prepare_openssl_for_civetweb() {
  static std::once_flag once;
  static Status loaded;
  std::call_once(once, [] { loaded = load_shims(); });
  return loaded;
}

Status configure_tls(void* ssl_ctx, const WebConfig& config) {
  if (configure_in_shim == nullptr) return Error{"TLS was not prepared", ""};
  char why[1024];
  switch (configure_in_shim(ssl_ctx, config.cert_file.c_str(), config.key_file.c_str(),
                            config.tls13_only ? 1 : 0, why, sizeof why)) {
    case 0:
      return {};
    case 1:
      return Error{fmt::format("cannot use {} as the TLS certificate: {}", config.cert_file, why),
                   "cert_file must hold PEM certificates, the server's first"};
    case 2:
      return Error{fmt::format("cannot use {} as the TLS key: {}", config.key_file, why),
                   "key_file must hold the certificate's private key, in PEM, unencrypted"};
    default:
      return Error{fmt::format("{} is not the key of the certificate in {}: {}", config.key_file,
                               config.cert_file, why),
                   "give the key the certificate was issued for"};
  }
}

}  // namespace sonde::exporter
