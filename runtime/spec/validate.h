// A bundle's programs checked field by field against their limits and against the BPF
// objects they describe, before anything reaches the kernel or a scrape. A checksum
// only says the bytes are the ones written: whoever wrote them may have written a
// specification that would crash the collector (a value smaller than its buckets, a
// label past the end of its key) or lie about what it exports. `sonde build` runs this
// before writing, `sonde-agent` (and its --check) after reading.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/spec/bundle.h"
#include "support/result.h"

namespace sonde::spec {

// What the BPF object declares, as libbpf reads it from the ELF (runtime/bpf fills it
// in: this module does not see libbpf).
struct ObjectMap {
  std::string name;
  uint32_t type = 0;  // enum bpf_map_type
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
};
struct ObjectFacts {
  std::vector<std::string> programs;  // BPF program (function) names
  std::vector<ObjectMap> maps;
};

// Limits a bundle's fields are held to (the compiler stays far below each).
inline constexpr size_t kMaxNameBytes = 200;       // metric, label and map names
inline constexpr size_t kMaxHelpBytes = 4096;      // help texts
inline constexpr uint32_t kMaxKeyBytes = 4096;     // a metric's map key
inline constexpr uint32_t kMaxEntries = 1u << 24;  // a metric's map capacity
inline constexpr size_t kMaxLabels = 64;           // per metric
inline constexpr size_t kMaxMetrics = 4096;        // per program
inline constexpr size_t kMaxProbes = 4096;         // per program

// The program's own fields: names, label layouts, value sizes, bucket bounds, reserved
// label names, metric type against name suffix, the ELF header (EM_BPF, relocatable).
// `where` names it in messages ("x.bundle: program 0 (x.sonde)").
Status validate_program(const Program& program, std::string_view where);

// The same, then every map and BPF program the specification names against `object`:
// present, of the type, key and value sizes and capacity the specification says.
Status validate_program(const Program& program, const ObjectFacts& object, std::string_view where);

// Names in messages come from the bundle: bytes a terminal would act on are escaped
// (\xNN), and the text is cut at a length a person reads.
std::string printable(std::string_view text);

// "x.bundle: program 0 (a.sonde, b.sonde)"
std::string program_place(std::string_view bundle_name, size_t index, const Program& program);

}  // namespace sonde::spec
