// Tracepoints as tracefs describes them: the list of events and each event's format
// file (fields, offsets, sizes, C types, and the print format's symbolic value names).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/result.h"

namespace sonde::kernel {

enum class FieldKind : uint8_t {
  kInteger,       // signed or unsigned integer of `size` bytes (also enums, bool, dev_t, pid_t)
  kPointer,       // any pointer: an address (kernel or user)
  kCharArray,     // char name[N]: a fixed string
  kArray,         // other fixed arrays (u8 saddr[4], ...): `element_size` bytes each
  kDataLoc,       // __data_loc char[] name: a dynamic string in the record
  kDataLocArray,  // __data_loc of anything else
};
// A __data_loc field is a u32: the data's length in the high 16 bits, its offset in the
// record in the low 16 (from the start of the record; __rel_loc: from the end of the
// field, see TracepointField::relative_loc).

struct SymbolicValue {
  int64_t value = 0;
  std::string name;
};

struct TracepointField {
  std::string name;
  std::string c_type;  // as written in the format file, e.g. "unsigned long", "char[16]"
  FieldKind kind = FieldKind::kInteger;
  uint32_t offset = 0;
  uint32_t size = 0;
  bool is_signed = false;
  uint32_t array_len = 0;     // kCharArray, kArray
  uint32_t element_size = 0;  // kArray
  bool common = false;        // common_pid, common_type, ... (the record header)
  bool relative_loc = false;  // kDataLoc/kDataLocArray declared __rel_loc
  // Names for values from the print format's __print_symbolic(REC->name, ...), e.g.
  // inet_sock_set_state's newstate -> TCP_ESTABLISHED. Empty when there are none.
  std::vector<SymbolicValue> symbols;
  // __print_flags(REC->name, ...) tables, e.g. gfp flags. Empty when none.
  std::vector<SymbolicValue> flags;
};

struct TracepointFormat {
  std::string category;
  std::string name;
  uint32_t id = 0;
  std::vector<TracepointField> fields;  // common_* first, in record order
  std::string print_fmt;

  const TracepointField* field(std::string_view name) const;
};

// The tracefs mount point. Mounts tracefs at /sys/kernel/tracing when nothing is
// mounted there yet (sonde runs as root; a fresh machine often has it unmounted).
Result<std::string> tracefs_root();

// Gives the value of a name the print format uses in a symbolic table but the kernel
// left unexpanded (enum constants such as TCP_ESTABLISHED in sock/inet_sock_set_state
// of some kernels): typically Btf::find_enum_constant. Entries it cannot resolve are
// left out of the tables.
using ConstantResolver = std::function<std::optional<int64_t>(std::string_view name)>;

// Reads and parses events/CATEGORY/NAME/format under tracefs_root().
Result<TracepointFormat> read_tracepoint_format(std::string_view category, std::string_view name,
                                                const ConstantResolver& resolve = {});
// The same under `root`: a tracefs mount, or a directory laid out like one (a test
// fixture).
Result<TracepointFormat> read_tracepoint_format_at(const std::string& root,
                                                   std::string_view category, std::string_view name,
                                                   const ConstantResolver& resolve = {});
// Parses the text of a format file (pure; unit-tested).
Result<TracepointFormat> parse_tracepoint_format(std::string_view category, std::string_view name,
                                                 std::string_view text,
                                                 const ConstantResolver& resolve = {});

struct TracepointName {
  std::string category;
  std::string name;
};
// Every tracepoint under events/, sorted.
Result<std::vector<TracepointName>> list_tracepoints();
Result<std::vector<TracepointName>> list_tracepoints_at(const std::string& root);
// Categories only (for completion), sorted.
Result<std::vector<std::string>> list_tracepoint_categories();

}  // namespace sonde::kernel
