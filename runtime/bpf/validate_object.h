// The validation of a bundle's program (runtime/spec/validate.h) against what libbpf
// reads from its BPF object: the maps it declares and the programs it holds. Only the
// ELF is parsed; nothing reaches the kernel. sonde-agent (its --check too) and the
// bundle fuzzer run this.
#pragma once

#include <string_view>

#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::bpf {

// The program's own fields first (a wrong specification says so without a word from
// libbpf), then against its object. Errors start with `where`.
Status validate_program(const spec::Program& program, std::string_view where);

}  // namespace sonde::bpf
