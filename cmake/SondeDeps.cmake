# Every third-party dependency is found here, once.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf)   # libbpf ships only a .pc
find_package(fmt 9 REQUIRED CONFIG)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)  # bundle checksums (runtime/spec)

# civetweb's CMake config references files of another package: find it by hand.
find_path(CIVETWEB_INCLUDE_DIR civetweb.h REQUIRED)
find_library(CIVETWEB_LIBRARY civetweb REQUIRED)
add_library(civetweb::civetweb UNKNOWN IMPORTED)
set_target_properties(civetweb::civetweb PROPERTIES
  IMPORTED_LOCATION ${CIVETWEB_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${CIVETWEB_INCLUDE_DIR})

find_package(antlr4-runtime 4.9 REQUIRED CONFIG)
add_library(sonde_antlr4 INTERFACE)
target_include_directories(sonde_antlr4 SYSTEM INTERFACE ${ANTLR4_INCLUDE_DIR})
target_link_libraries(sonde_antlr4 INTERFACE antlr4_shared)
find_program(ANTLR4_TOOL antlr4 REQUIRED)

# LLVM/Clang 16: always give the version, an unversioned Clang picks clang-14's config.
list(APPEND CMAKE_PREFIX_PATH /usr/lib/llvm-16)
find_package(LLVM 16 REQUIRED CONFIG)
find_package(Clang 16 REQUIRED CONFIG)
