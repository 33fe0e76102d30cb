// C source -> BPF ELF object, in memory, with the embedded Clang/LLVM 16.
//
// Each compile runs in a forked child that sends the object back over a socket: LLVM's
// BPF backend reads freed memory on a second CO-RE compile in one process (see
// docs/toolchain.md), and a child also contains LLVM's fatal errors and crashes, so
// a long-lived process (the REPL) survives any compile.
//
// Clang and LLVM live in the plugin libsonde-cc.so (next to the executable, or
// $SONDE_CC_PLUGIN), which the child dlopen()s: a process that only compiles once never
// maps LLVM itself. A process that compiles many times calls preload() first so that each
// child starts with the plugin already loaded.
#pragma once

#include <chrono>
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
// The same as PendingCompile::start() then finish().
Result<CompileOutput> compile(const CompileInput& input);

// A compile whose child starts before its input exists: the child loads the plugin
// (~25-35 ms here, mostly page faults) while the caller is still producing the C, on
// another CPU. Destroyed unfinished, the child exits without compiling. Movable, not
// copyable; finish() once.
class PendingCompile {
 public:
  static Result<PendingCompile> start();
  PendingCompile(PendingCompile&& other) noexcept;
  PendingCompile& operator=(PendingCompile&& other) noexcept;
  ~PendingCompile();

  // A compile takes 20 ms to a few seconds; a child that has not answered by then is
  // stuck (or stopped) and is killed, so that the caller gets an error, not a hang.
  static constexpr std::chrono::milliseconds kDeadline{120'000};

  // Sends `input` to the child and waits for the object, at most `deadline`.
  Result<CompileOutput> finish(const CompileInput& input,
                               std::chrono::milliseconds deadline = kDeadline);
  // The child's process id (for tests).
  int pid() const { return pid_; }

 private:
  PendingCompile(int pid, int socket) : pid_(pid), socket_(socket) {}
  void abandon();

  int pid_ = -1;
  int socket_ = -1;
};

// What identifies the compiler compile() runs: the plugin's ELF build id (or, lacking
// one, its path, size and modification time). Equal input compiled by compilers of
// equal identity gives an equal object, so a cache may key on it. Reads the plugin's
// headers only (~0.1 ms); does not load it.
Result<std::string> compiler_identity();

// Loads the plugin into this process once (later calls do nothing), so forked compiles
// skip loading it (~30 ms each here). Costs this process ~28 MB RSS.
Status preload();
// Whether preload() has loaded the plugin.
bool preloaded();

}  // namespace sonde::clang_bpf
