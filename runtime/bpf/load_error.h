// Turns a failed bpf_object__load into words: which probe, and why (module-internal).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support/result.h"

namespace sonde::bpf {

struct LoadFailure {
  std::string who;            // the probes of the failing program, or "BPF program 'name'"
  uint32_t program_type = 0;  // enum bpf_prog_type
  uint32_t attach_type = 0;   // enum bpf_attach_type
  int err = 0;                // negative errno from libbpf
  std::string_view verifier_log;
  std::vector<std::string> libbpf_warnings;  // for the failing program, oldest first
};

Error describe_load_failure(const LoadFailure& failure);

// "prog 'NAME': ..." -> "NAME" (libbpf's warning prefix), or "".
std::string program_of_warning(std::string_view warning);

}  // namespace sonde::bpf
