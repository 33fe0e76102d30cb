// The part of the running kernel's BTF that libbpf needs to relocate one BPF object's
// CO-RE accesses: handed to libbpf (spec::Program::relocation_btf) in place of the
// whole vmlinux BTF, whose parse doubles a small agent's peak memory (libbpf holds
// two 5.5 MB copies of it for a moment) and costs tens of milliseconds.
//
// libbpf matches each local type to the target types of the same name (without the
// local "___flavor" suffix), then members by name, and checks member types loosely
// (any two pointers match). So the subset holds every kernel type named like a local
// type, and what those contain by value (members, array elements, typedef targets),
// copied as they are; pointers become pointers to void, which cuts the closure short
// (each struct reached through a pointer is a local type of its own, matched by name).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "runtime/btf/raw_btf.h"
#include "support/result.h"

namespace sonde::btf {

// Raw BTF; an error when the object has no BTF, or when a local type meant for CO-RE
// (one with a "___flavor" suffix) has no kernel type of its name in `kernel` (it may
// live in a module's BTF): the caller then lets libbpf read the kernel's BTF itself.
Result<std::vector<uint8_t>> relocation_btf(std::span<const uint8_t> object_elf,
                                            const RawBtf& kernel);

// The running kernel's BTF, whole (/sys/kernel/btf/vmlinux, ~5.5 MB).
Result<std::vector<uint8_t>> read_kernel_btf(const char* path = "/sys/kernel/btf/vmlinux");

}  // namespace sonde::btf
