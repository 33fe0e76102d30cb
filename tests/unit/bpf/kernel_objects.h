// What BPF programs and links the kernel holds right now, whoever loaded them. Used to
// check that nothing is left behind (test code: the product never lists them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::bpf {

struct KernelProgram {
  uint32_t id = 0;
  uint32_t type = 0;  // enum bpf_prog_type
  std::string name;   // at most 15 characters
};

struct KernelLink {
  uint32_t id = 0;
  uint32_t type = 0;  // enum bpf_link_type
  uint32_t program_id = 0;
};

// Objects that vanish while being listed are skipped.
Result<std::vector<KernelProgram>> kernel_programs();
Result<std::vector<KernelLink>> kernel_links();

}  // namespace sonde::bpf
