// One BPF object: the ELF the compiler produced (programs and maps), opened, then loaded
// into the kernel. The entry point of this module:
//
//   auto object = Object::open(program.object, "sonde", relocation_btf);
//   object->load({.probes = program.probes});
//   auto links = attach_all(*object, program.probes);   // attach.h
//   auto map = object->map("counts");                    // map.h
//
// Errors name the probe the user wrote and say why in words; the full verifier log of
// a program that failed stays available for --verbose. Links, Maps and RingBuffers share
// ownership of the loaded object: it is unloaded when the last of them and the Object
// are gone, in any order.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/bpf/map.h"
#include "runtime/bpf/stats.h"
#include "runtime/spec/program.h"
#include "support/result.h"
#include "support/unique_fd.h"

struct bpf_object;
struct bpf_program;

namespace sonde::bpf {

struct LoadOptions {
  // Programs left out of the load (their probes cannot work here, or already failed).
  std::vector<std::string> disabled_programs;
  // The program's probes: errors then name a BPF program by what the user wrote
  // ("kprobe:vfs_read: ...") rather than by its C function name.
  std::span<const spec::Probe> probes;
  // Verifier log buffer per program. Only written when that program fails to load; the
  // kernel (6.4+) keeps the end of a longer log, the part that explains the failure.
  size_t log_size = 1 << 20;
};

class Object {
 public:
  // Parses the ELF; nothing reaches the kernel yet. `relocation_btf` (raw BTF) replaces
  // the kernel's BTF for CO-RE relocations, sparing libbpf the parse of the whole
  // vmlinux BTF (~45 ms of CPU here, against ~0.5 ms for the load with a blob).
  // libbpf 1.1 (obj_needs_vmlinux_btf) still parses vmlinux BTF when a loaded program
  // is a BTF tracepoint (tp_btf), fentry/fexit, LSM or struct_ops program (it resolves
  // their attach targets by BTF id) or when the object uses typed __ksym externs: only
  // objects of classic tracepoint, raw tracepoint, uprobe, USDT, kprobe and perf-event
  // programs get the saving.
  static Result<Object> open(std::span<const uint8_t> elf, std::string_view name,
                             std::span<const uint8_t> relocation_btf = {});

  Object(Object&&) noexcept;
  Object& operator=(Object&&) noexcept;
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  ~Object();

  // Before load: sets a `const volatile` global (in .rodata) by name; sizes must match.
  Status set_constant(std::string_view variable, std::span<const uint8_t> value);

  // Before load: map `map` is the existing map `fd` names (duplicated), not a new one.
  Status reuse_map(std::string_view map, int fd);

  // Creates the maps and loads the programs (once per Object). BTF tracepoints and
  // fentry/fexit are bound to the target their ELF section names ("tp_btf/sched_switch").
  // (Not bpf_program__set_attach_target: in libbpf 1.1 it leaks the 5.5 MB vmlinux BTF
  // when the object is then closed without a successful load.) On failure the error
  // names the program (by its probe) and gives the kernel's reason; `failed_program()`
  // says which program it was, so the caller may reopen and load without it.
  Status load(const LoadOptions& options = {});

  const std::string& name() const { return name_; }
  bool loaded() const { return loaded_; }
  std::vector<std::string> program_names() const;  // in ELF order
  std::vector<std::string> map_names() const;      // including .rodata, .bss, ...
  // Before load: each map as the ELF declares it (no kernel id yet); what a bundle's
  // specification is checked against (runtime/spec/validate.h).
  std::vector<MapInfo> declared_maps() const;
  bool has_program(std::string_view program) const;

  // The program that made load() fail; "" when none or when no single program did.
  const std::string& failed_program() const { return failed_program_; }
  // The verifier's full log for a program that failed to load; "" otherwise.
  const std::string& verifier_log(std::string_view program) const;

  // After load. The fd belongs to the Object (-1 when the program is not loaded).
  int program_fd(std::string_view program) const;
  Result<ProgramStats> stats(std::string_view program) const;
  Result<Map> map(std::string_view name) const;

  // For this module (attach.cpp): libbpf's handles.
  bpf_program* program(std::string_view name) const;
  const std::shared_ptr<bpf_object>& handle() const { return object_; }

 private:
  struct ProgramLog {
    std::string program;
    std::unique_ptr<char[]> buffer;  // handed to the kernel; freed after load
    std::string text;                // kept when the program failed
  };

  Object(std::shared_ptr<bpf_object> object, std::string name, UniqueFd btf);

  std::shared_ptr<bpf_object> object_;
  std::string name_;
  UniqueFd btf_;  // memfd holding the relocation BTF until load reads it
  std::vector<ProgramLog> logs_;
  std::string failed_program_;
  bool loaded_ = false;
};

struct ProgramFailure {
  std::string program;
  Error error;
};

struct PartialLoad {
  Object object;
  std::vector<ProgramFailure> failures;  // programs left out, each with its reason
};

// Non-strict loading (sonde-agent's default): loads every program that can be loaded,
// leaving out each one that fails. An Object loads only once, so every failure costs a
// reopen of the ELF. Fails only when something other than a single program fails (a
// map cannot be created, the ELF is invalid).
Result<PartialLoad> open_and_load_partial(std::span<const uint8_t> elf, std::string_view name,
                                          std::span<const uint8_t> relocation_btf,
                                          LoadOptions options = {});

}  // namespace sonde::bpf
