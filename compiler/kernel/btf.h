// Read-only view of kernel BTF (/sys/kernel/btf/vmlinux), mmap'ed and indexed
// lazily. libbpf's btf__load_vmlinux_btf takes ~34-40 ms and 6.4 MB here (it copies
// and validates 5.5 MB); the compiler only needs a few lookups per program, so this
// reader maps the file (~0.4 ms), indexes type offsets on first use, and builds small
// name hashes on the first lookup of each sort: open + first find() + first
// find_enum_constant() ~5 ms and ~1.3 MB (tests/unit/kernel/btf_startup_bench.cpp).
// Functions get their own index on the first FUNC lookup (~3 ms, 1 MB more).
// Safe to share between threads once opened.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/result.h"

namespace sonde::kernel {

enum class TypeKind : uint8_t {
  kVoid,  // type id 0
  kInt,
  kPointer,
  kArray,
  kStruct,
  kUnion,
  kEnum,  // ENUM and ENUM64
  kForward,
  kTypedef,
  kVolatile,
  kConst,
  kRestrict,
  kFunction,       // FUNC: name -> FUNC_PROTO
  kFunctionProto,  // FUNC_PROTO
  kVariable,
  kDataSection,
  kFloat,
  kDeclTag,
  kTypeTag,
  kUnknown,
};

struct Member {
  std::string_view name;
  uint32_t type = 0;
  uint32_t bit_offset = 0;
  uint32_t bitfield_size = 0;  // 0 when not a bitfield
};

struct Param {
  std::string_view name;
  uint32_t type = 0;
};

struct EnumValue {
  std::string_view name;
  int64_t value = 0;
};

// One type, decoded. Fields are meaningful per kind.
struct Type {
  uint32_t id = 0;
  TypeKind kind = TypeKind::kVoid;
  std::string_view name;
  uint32_t size = 0;        // int/struct/union/enum/float/datasec; array: nelems * element
  uint32_t ref = 0;         // pointer/typedef/modifier/var/tag target, FUNC's proto, array
                            // element, FUNC_PROTO's return type
  uint32_t nelems = 0;      // array
  bool is_signed = false;   // int and enum
  bool is_char = false;     // int
  bool is_bool = false;     // int
  uint32_t int_bits = 0;    // int
  uint32_t int_offset = 0;  // int: bit offset of the value in its storage (0 in practice)
  uint32_t vlen = 0;        // members, params, enumerators, datasec vars; FUNC: linkage
  bool kind_flag = false;   // FWD: a union; struct/union: members carry bitfield sizes
};

struct EnumConstant {
  uint32_t enum_type = 0;      // id of the enum that declares it
  std::string_view enum_name;  // may be empty for anonymous enums
  int64_t value = 0;
};

class Btf {
 public:
  // Maps /sys/kernel/btf/vmlinux (or `path`).
  static Result<std::shared_ptr<const Btf>> open(
      const std::string& path = "/sys/kernel/btf/vmlinux");
  // From bytes in memory (tests, fuzzing). Runs validate() before returning.
  static Result<std::shared_ptr<const Btf>> from_bytes(std::vector<uint8_t> bytes);
  ~Btf();
  Btf(const Btf&) = delete;
  Btf& operator=(const Btf&) = delete;

  // Checks every type record's bounds, every name offset and every referenced type id.
  // open() checks only the header and leaves this to first use: a record found corrupt
  // then ends the type index there (lookups never read out of bounds either way).
  Status validate() const;

  uint32_t type_count() const;   // ids are 1..type_count()-1; 0 is void
  Type type(uint32_t id) const;  // kind kUnknown for an id out of range
  std::vector<Member> members(uint32_t struct_id) const;
  std::vector<Param> params(uint32_t func_proto_id) const;  // also accepts a FUNC
  std::vector<EnumValue> enum_values(uint32_t enum_id) const;
  // sizeof, through typedefs and modifiers; pointers are 8 bytes, void and functions 0.
  uint32_t size_of(uint32_t id) const;

  // Strips typedefs and const/volatile/restrict/type tags.
  uint32_t resolve(uint32_t id) const;
  // First type of the given kind and name, or nullopt. The name index is built on first use.
  std::optional<uint32_t> find(std::string_view name, TypeKind kind) const;
  // A named enumerator of any enum (TCP_ESTABLISHED).
  std::optional<EnumConstant> find_enum_constant(std::string_view name) const;
  // Every type name of the given kind starting with `prefix` (for listing and completion).
  std::vector<std::string_view> names_with_prefix(TypeKind kind, std::string_view prefix) const;
  // The same as type ids, in id order (one scan of the type index, ~1 ms for vmlinux).
  std::vector<uint32_t> ids_with_prefix(TypeKind kind, std::string_view prefix) const;
  // C spelling of a type, for messages ("struct task_struct *", "unsigned int").
  std::string type_name(uint32_t id) const;
  // Finds a member by name, looking through anonymous struct/union members; the bit
  // offset is accumulated from the outer struct.
  std::optional<Member> find_member(uint32_t struct_id, std::string_view name) const;

  // The raw bytes (header + types + strings), for tests.
  std::string_view raw() const;

  // Defined in btf_impl.h, which only this module's sources include.
  struct Impl;

 private:
  explicit Btf(std::unique_ptr<Impl> impl);
  std::string spell(uint32_t id, const std::string& declarator, int depth) const;
  std::unique_ptr<Impl> impl_;
};

// Emits C declarations for just the kernel types a program uses, marked
// preserve_access_index so clang records CO-RE relocations. At load, libbpf relocates
// them against the part of the kernel's BTF they name (runtime/btf/relocation_btf.h).
//
// Struct and union names get `suffix` ("___s7"); libbpf ignores a `___suffix` when
// matching, and a name unique per compile sidesteps the LLVM CO-RE cache bug in
// docs/toolchain.md.
//
// Spelling: integers by size and signedness (__s32, __u64; the kernel's `char` stays
// `char`), enums and floats as integers of their size, function pointers as `void *`,
// typedefs and qualifiers looked through. Struct members of enum type are declared with
// an anonymous enum of the same size and signedness (`__sonde_enum_u32`, prelude()):
// CO-RE matches an enum member with another enum only, never with an integer. Bitfields are
// declared `__u32 x : 3`, but a plain C read of one relocates only the byte offset and keeps the
// local shift: read them with __builtin_preserve_field_info (libbpf's
// BPF_CORE_READ_BITFIELD_PROBED). Anonymous structs reached by value get a local name
// (`__anon_<id>___s7`); they relocate as part of their parent's access. An anonymous struct at the root of an
// access (a pointer to guid_t) is spelled by the kernel's typedef for it (`guid_t___s7`),
// which libbpf can find by name.
class TypeEmitter {
 public:
  TypeEmitter(std::shared_ptr<const Btf> btf, std::string suffix);
  ~TypeEmitter();

  // Records that the program reads `member` of the struct/union `struct_id` and returns
  // the member's type id. The emitted struct holds only the recorded members.
  // Nested anonymous members are flattened to what the C access `s->member` needs.
  std::optional<uint32_t> use_member(uint32_t struct_id, std::string_view member);
  // C spelling of a type usable in a declaration, declaring what it references:
  // `c_type(ptr to task_struct)` -> "struct task_struct___s7 *". Function pointers
  // and anything the program cannot use directly become "void *" or an integer of the
  // same size. An anonymous struct or union is spelled by the kernel's typedef for it
  // when there is one (`c_type(guid_t's struct)` -> "guid_t___s7").
  std::string c_type(uint32_t type_id);
  // C declaration of a variable of this type named `name` (arrays need the name inside).
  std::string c_declaration(uint32_t type_id, std::string_view name);

  // C text for everything used so far: prelude() followed by forward declarations of
  // every struct/union reached and definitions (members in kernel order, without
  // offsets) of those whose members are read or that are embedded by value.
  std::string declarations() const;

  // The typedefs the declarations spell integers with (__u8 .. __s64): the generated
  // program is compiled with no system headers. Guarded, so it may appear twice.
  static std::string_view prelude();

  // Defined in type_emitter.cpp.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sonde::kernel
