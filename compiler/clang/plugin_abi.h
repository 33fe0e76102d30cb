/* The C ABI between sonde_clang (no LLVM) and libsonde-cc.so (Clang + LLVM, static).
 *
 * The plugin exports exactly one symbol, SONDE_CC_ENTRY. Strings are NUL-terminated
 * except file contents, which carry a size. Output buffers are malloc()ed by the
 * plugin and free()d by the caller. Call it at most once per process: LLVM's BPF
 * backend keeps a stale cache between CO-RE compiles (see compile.h). */
#ifndef SONDE_COMPILER_CLANG_PLUGIN_ABI_H
#define SONDE_COMPILER_CLANG_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SONDE_CC_ABI_VERSION 1u
#define SONDE_CC_ENTRY "sonde_cc_compile"
#define SONDE_CC_PLUGIN_NAME "libsonde-cc.so"

struct sonde_cc_file {
  const char* path; /* absolute */
  const char* data;
  size_t size;
};

struct sonde_cc_input {
  const char* main_file;
  const struct sonde_cc_file* files;
  size_t file_count;
  const char* const* include_dirs;
  size_t include_dir_count;
  const char* const* defines; /* "NAME" or "NAME=VALUE" */
  size_t define_count;
  /* Called on an LLVM fatal error (report_fatal_error); must not return. May be
   * NULL, then LLVM prints the reason and exits the process. */
  void (*on_fatal_error)(void* context, const char* reason);
  void* fatal_error_context;
};

enum sonde_cc_status {
  SONDE_CC_OK = 0,             /* object holds the ELF, diagnostics the warnings */
  SONDE_CC_COMPILE_ERROR = 1,  /* diagnostics holds clang's rendered errors */
  SONDE_CC_INTERNAL_ERROR = 2, /* diagnostics says what went wrong (ABI, arguments) */
};

struct sonde_cc_output {
  uint8_t* object;
  size_t object_size;
  char* diagnostics;
  size_t diagnostics_size;
};

/* Returns a sonde_cc_status; fills *output in every case. */
typedef int (*sonde_cc_compile_fn)(uint32_t abi_version, const struct sonde_cc_input* input,
                                   struct sonde_cc_output* output);

#ifdef __cplusplus
}
#endif

#endif /* SONDE_COMPILER_CLANG_PLUGIN_ABI_H */
