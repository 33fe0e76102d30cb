// Shared by the runtime/bpf tests and the bench: test objects, probes, workloads.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "runtime/bpf/map.h"
#include "runtime/bpf/object.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::bpf::testing {

// The compiled test program `name` (data/NAME.bpf.c), read from the build directory.
std::vector<uint8_t> read_object(const std::string& name);

spec::Probe probe(std::string program, spec::AttachKind kind, std::string target,
                  std::string display);

// The object, opened with `target_tgid` set to this process; empty error on success.
Result<Object> open_for_this_process(const std::string& name,
                                     std::span<const uint8_t> relocation_btf = {});

void call_getpid(int times);

// Slot `index` of an array of u64, summed over CPUs.
uint64_t slot(const Map& map, uint32_t index);

struct Field {
  uint32_t struct_size = 0;  // 0: not found
  uint32_t bit_offset = 0;
};

// Where the running kernel's BTF puts `field` of `struct_name`.
Field kernel_field(const char* struct_name, const char* field);

// A raw BTF blob holding one struct with one int field, as a relocation BTF.
std::vector<uint8_t> relocation_blob(const char* struct_name, const char* field, Field where);

// The path of the running executable.
std::string self_exe();

template <typename T>
std::span<const uint8_t> bytes(const T& value) {
  return {reinterpret_cast<const uint8_t*>(&value), sizeof(value)};
}

inline std::string describe(const Error& error) {
  return error.hint.empty() ? error.message : error.message + " [hint: " + error.hint + "]";
}
inline std::string describe(const Status& status) {
  return status.ok() ? "ok" : describe(status.error());
}
template <typename T>
std::string describe(const Result<T>& result) {
  return result.ok() ? "ok" : describe(result.error());
}

}  // namespace sonde::bpf::testing
