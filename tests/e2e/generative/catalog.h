// The probes the generator writes programs for, read from the running system the way a
// user would find them (tracefs formats, kernel BTF, the ELF of the test workload), and
// typed from those kernel facts directly, not through sonde's checker: the generator
// predicts what `sonde check` should accept from what the kernel says.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/kernel/btf.h"
#include "support/result.h"
#include "tests/e2e/generative/rng.h"

namespace sonde::gen {

// What a value is, as far as writing well-typed programs needs to know.
enum class Kind : uint8_t {
  kInt,      // `size` bytes, `is_signed`; `symbols` names some of its values
  kBool,     // a comparison or a logical operation
  kPointer,  // an address; `btf` is the pointee (0: unknown)
  kString,   // text of at most `size` bytes
  kBytes,    // a byte array that is not text: `size` bytes of `element_size`
  kRecord,   // a struct or union held by value: `btf`
  kStack,    // kstack, ustack
  kOther,    // a type sonde cannot read (float, dynamic array, ...)
};

struct VType {
  Kind kind = Kind::kInt;
  uint32_t size = 8;
  bool is_signed = false;
  uint32_t btf = 0;
  uint32_t element_size = 1;
  bool bitfield = false;
  std::shared_ptr<const std::vector<std::string>> symbols;  // identifiers only

  bool numeric() const {
    return kind == Kind::kInt || kind == Kind::kBool || kind == Kind::kPointer;
  }
  // The type in arithmetic (sema/typing.h's rule, restated): 64-bit, signed unless an
  // unsigned 64-bit value or an address.
  bool promoted_signed() const {
    if (kind == Kind::kPointer) return false;
    return size >= 8 ? is_signed : true;
  }
  bool same(const VType& o) const {
    return kind == o.kind && size == o.size && is_signed == o.is_signed && btf == o.btf;
  }
  static VType integer(uint32_t size, bool is_signed) {
    VType t;
    t.size = size;
    t.is_signed = is_signed;
    return t;
  }
  static VType boolean() {
    VType t;
    t.kind = Kind::kBool;
    t.size = 1;
    return t;
  }
  static VType string(uint32_t size) {
    VType t;
    t.kind = Kind::kString;
    t.size = size;
    return t;
  }
};

// A name usable in a program (a field, an argument) and its type.
struct Field {
  std::string name;
  VType type;
};

enum class ProbeKind : uint8_t {
  kTracepoint,
  kRawTracepoint,
  kUprobe,
  kUretprobe,
  kUsdt,
  kPerfEvent,  // profile:, software:, hardware:
  kKprobe,
  kKretprobe,
};
const char* probe_kind_name(ProbeKind k);

struct Probe {
  ProbeKind kind = ProbeKind::kTracepoint;
  std::string spec;  // as written: "tracepoint:sched:sched_switch", may be a wildcard
  std::vector<Field> fields;
  bool wildcard = false;
  bool user_pointers = false;  // syscalls: pointer fields point into user memory
  std::string category;        // tracepoints
};

struct CatalogOptions {
  uint64_t seed = 0;
  std::string workload;  // build/tests/probes_workload: uprobes, uretprobes, USDT
  size_t tracepoints_per_category = 4;
  size_t raw_tracepoints = 120;
  size_t kernel_functions = 24;
  size_t wildcards = 24;
};

class Catalog {
 public:
  static Result<std::unique_ptr<Catalog>> build(const CatalogOptions& options);

  const std::vector<Probe>& probes() const { return probes_; }
  std::vector<const Probe*> of_kind(ProbeKind k) const;
  // The probe a spec names (the stdlib's spans and events name probes the sample may
  // have left out): read on demand; nullptr when this kernel has no such probe.
  const Probe* find(const std::string& spec);

  // Members of a struct or union (anonymous members flattened, as sonde reads them).
  const std::vector<Field>& members(uint32_t record);
  // Whether `id` (resolved) is a struct or union with members.
  bool is_record(uint32_t id) const;
  VType type_of(uint32_t btf_id) const;

  // Syscalls with both sys_enter_NAME and sys_exit_NAME tracepoints (`syscall NAME` spans).
  const std::vector<std::string>& syscalls() const { return syscalls_; }
  // Enumerators of the kernel's enums (usable as constants anywhere).
  const std::vector<std::string>& enum_constants() const { return enum_constants_; }
  const std::string& workload() const { return workload_; }
  const kernel::Btf& btf() const { return *btf_; }

 private:
  Catalog() = default;
  std::optional<Probe> tracepoint(const std::string& category, const std::string& name);
  std::optional<Probe> raw_tracepoint(const std::string& name);
  std::optional<Probe> kernel_function(const std::string& name, bool ret);
  void add_wildcards(Rng& rng, size_t count);

  std::shared_ptr<const kernel::Btf> btf_;
  std::vector<Probe> probes_;
  std::map<std::string, std::unique_ptr<Probe>> on_demand_;
  std::map<uint32_t, std::vector<Field>> members_;
  std::vector<std::pair<std::string, std::string>> all_tracepoints_;
  std::vector<std::string> raw_names_;
  std::vector<std::string> syscalls_;
  std::vector<std::string> enum_constants_;
  std::string workload_;
};

// Words of sonde's grammar that cannot be names in an expression.
bool usable_name(const std::string& name);

}  // namespace sonde::gen
