// One program through everything `sonde run` does before attaching: check, compile
// (in process, through driver::Compiler, the compile cache off), then open and load the
// object with libbpf as runtime/session does. Says at which stage it stopped and why.
#pragma once

#include <memory>
#include <string>

#include "compiler/driver/compiler.h"
#include "tests/e2e/bpf_objects.h"
#include "tests/e2e/generative/generator.h"

namespace sonde::gen {

enum class Stage {
  kRejected,   // `check` refused it with a located diagnostic: fine
  kLoaded,     // compiled and loaded: fine
  kUnlocated,  // `check` refused it without a located error, or with sema's "bug" message
  kLowering,   // accepted, then lowering failed
  kCompile,    // accepted, then the generated C did not compile
  kOpen,       // libbpf could not open the object
  kLoad,       // the kernel (verifier) or libbpf refused to load it
  kLeak,       // loaded, but BPF objects stayed held after the Object was destroyed
};
const char* stage_name(Stage s);
// A stage that is a bug in sonde.
bool is_failure(Stage s);

struct Outcome {
  Stage stage = Stage::kRejected;
  std::string message;  // the decisive message: first error, verifier's reason
  std::string detail;   // rendered diagnostics, libbpf/verifier output, ...
  e2e::BpfIds held;     // BPF objects this process held while the program was loaded
};

class Pipeline {
 public:
  Pipeline();
  ~Pipeline();
  Outcome run(const std::string& name, const std::string& text);
  driver::Compiler& compiler() { return *compiler_; }

 private:
  std::unique_ptr<driver::Compiler> compiler_;
};

// What the stdlib defines, for the generator (read from the compiler's definitions).
Stdlib read_stdlib(driver::Compiler& compiler);

}  // namespace sonde::gen
