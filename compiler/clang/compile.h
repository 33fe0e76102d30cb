// C source -> BPF ELF object, in memory, with the embedded Clang/LLVM 16.
//
// Each compile runs in a forked child that sends the object back over a pipe: LLVM's
// BPF backend reads freed memory on a second CO-RE compile in one process (see
// shared/TOOLCHAIN.md), and a child also contains LLVM's fatal errors and crashes, so
// a long-lived process (the REPL) survives any compile.
//
// Clang and LLVM live in the plugin libsonde-cc.so (next to the executable, or
// $SONDE_CC_PLUGIN), which the child dlopen()s: a process that only compiles once never
// maps LLVM itself. A process that compiles many times calls preload() first so that each
// child starts with the plugin already loaded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::clang_bpf {

struct CompileInput {
  std::string main_file = "/sonde/program.bpf.c";  // path of the file to compile
  // Every file the compile may read, by absolute path (the main file and its headers).
  // Nothing is read from the real filesystem.
  std::map<std::string, std::string> files;
  std::vector<std::string> include_dirs;  // searched for #include <...>
  std::vector<std::string> defines;       // "NAME" or "NAME=VALUE"
};

struct CompileOutput {
  std::vector<uint8_t> object;  // ELF, with .BTF and .BTF.ext
  std::string warnings;         // clang's warnings, if any (rendered)
};

// Errors carry clang's rendered diagnostics (file:line:col: error: ...) in `message`.
// A crash or fatal error of the compiler is an Error too; the caller survives it.
// Thread-safe. It forks: in a process with other threads, call preload() first, so the
// child does not dlopen() (a lock another thread held at fork time stays held in it).
Result<CompileOutput> compile(const CompileInput& input);

// Loads the plugin into this process once (later calls do nothing), so forked compiles
// skip loading it (~30 ms each here). Costs this process ~28 MB RSS.
Status preload();

}  // namespace sonde::clang_bpf
