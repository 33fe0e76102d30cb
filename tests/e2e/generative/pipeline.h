// One program through everything `sonde run` does before attaching: check, compile
// (in process, through driver::Compiler, the compile cache off), then open and load the
// object with libbpf as runtime/session does; then once more as sonde-agent loads the
// same object from a bundle (relocated against the kernel BTF subset runtime/btf cuts).
// Says at which stage it stopped and why.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/driver/compiler.h"
#include "runtime/btf/kernel_btf.h"
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
  kAgentLoad,  // it loaded, but not as sonde-agent loads a bundle of it (runtime/btf)
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
  Outcome load(const driver::Compilation& compiled, const std::vector<uint8_t>& relocation_btf,
               Stage failure);

  std::unique_ptr<driver::Compiler> compiler_;
  std::shared_ptr<const btf::KernelBtf> kernel_btf_;  // null when the kernel has none
};

// What the stdlib defines, for the generator (read from the compiler's definitions).
Stdlib read_stdlib(driver::Compiler& compiler);

}  // namespace sonde::gen
