# Every third-party dependency is found here, once.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf)   # libbpf ships only a .pc
find_package(fmt 9 REQUIRED CONFIG)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)  # bundle checksums (runtime/spec)

# The Prometheus exposition (serializer, and the pull Exposer on civetweb with gzip).
# Its config finds civetweb's own (whose executable target points at a file of another
# package, harmless as long as nothing links it) and defines civetweb::civetweb.
find_package(prometheus-cpp CONFIG REQUIRED)  # 1.0.1 in bookworm; it ships no version file
if(NOT TARGET civetweb::civetweb)
  find_path(CIVETWEB_INCLUDE_DIR civetweb.h REQUIRED)
  find_library(CIVETWEB_LIBRARY civetweb REQUIRED)
  add_library(civetweb::civetweb UNKNOWN IMPORTED)
  set_target_properties(civetweb::civetweb PROPERTIES
    IMPORTED_LOCATION ${CIVETWEB_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${CIVETWEB_INCLUDE_DIR})
endif()
# TLS for /metrics: civetweb dlopen()s OpenSSL itself; only the shims of
# runtime/export/tls_shim link it (the key and certificate, and what civetweb needs to
# find OpenSSL 3), loaded when TLS is asked for. bcrypt password hashes: libxcrypt.
find_package(OpenSSL 3 REQUIRED)
pkg_check_modules(LIBXCRYPT REQUIRED IMPORTED_TARGET libxcrypt)

find_package(antlr4-runtime 4.9 REQUIRED CONFIG)
add_library(sonde_antlr4 INTERFACE)
target_include_directories(sonde_antlr4 SYSTEM INTERFACE ${ANTLR4_INCLUDE_DIR})
target_link_libraries(sonde_antlr4 INTERFACE antlr4_shared)
find_program(ANTLR4_TOOL antlr4 REQUIRED)

# LLVM/Clang 16: always give the version, an unversioned Clang picks clang-14's config.
list(APPEND CMAKE_PREFIX_PATH /usr/lib/llvm-16)
find_package(LLVM 16 REQUIRED CONFIG)
find_package(Clang 16 REQUIRED CONFIG)
