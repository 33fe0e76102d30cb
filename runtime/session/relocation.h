// Which BTF libbpf relocates a program's CO-RE accesses against, chosen at load for
// `sonde run`, the REPL and `sonde-agent` alike: the part of the running kernel's BTF
// the object needs (runtime/btf/relocation_btf.h), written with libbpf's BTF writer;
// or, when that part would not do, nothing, and libbpf reads the kernel's BTF itself.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/btf/kernel_btf.h"
#include "runtime/spec/program.h"

namespace sonde::session {

struct RelocationBtf {
  // Raw BTF for libbpf's btf_custom_path; empty when libbpf needs none or reads the
  // kernel's own.
  std::vector<uint8_t> subset;
  // Why libbpf reads the whole kernel BTF (tp_btf attach points, a relocation type the
  // subset cannot answer, a type not in vmlinux); empty when it does not.
  std::string whole_btf_reason;
};

// `kernel` may be null: it is opened here if the program needs it.
RelocationBtf choose_relocation_btf(const spec::Program& program,
                                    std::shared_ptr<const btf::KernelBtf> kernel);

}  // namespace sonde::session
