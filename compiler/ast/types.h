// Types of sonde expressions, as sema assigns them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/spec/program.h"

namespace sonde::ast {

struct SymbolName {
  int64_t value = 0;
  std::string name;
};

enum class TypeKind : uint8_t {
  kNone,     // not yet checked, or an error already reported
  kInt,      // integers of `size` bytes, signedness in `is_signed`
  kBool,     // comparisons and logic
  kString,   // NUL-terminated text of at most `size` bytes (comm, char[N], str(p, N))
  kPointer,  // an address; `btf` names the pointee when known
  kRecord,   // a BTF struct/union reached by value (member access only)
  kBytes,    // a fixed byte array that is not text (u8 saddr[4]): `size` bytes
  kStack,    // kstack / ustack: a stack id, decoded in user space
  kDecoded,  // result of a user-space decoder (ksym(x)): usable only as a key
};

struct Type {
  TypeKind kind = TypeKind::kNone;
  uint32_t size = 0;
  bool is_signed = false;
  uint32_t btf = 0;   // BTF type id of the value (or pointee), 0 when unknown
  bool user = false;  // pointer into user memory (uprobe args)
  // How the value is shown when it becomes a label (decoded in user space). A number's is
  // kUnsigned or kSigned as its type is (lowering decides, from `is_signed`).
  spec::Decoder decoder = spec::Decoder::kUnsigned;
  bool buffer = false;  // kDecoded: the value is a byte buffer (u8 addr[16]), not a number
  // Names of values (tracepoint __print_symbolic tables, BTF enums), shown as labels.
  std::shared_ptr<const std::vector<SymbolName>> symbols;

  static Type integer(uint32_t size, bool is_signed) {
    Type t;
    t.kind = TypeKind::kInt;
    t.size = size;
    t.is_signed = is_signed;
    return t;
  }
  static Type boolean() {
    Type t;
    t.kind = TypeKind::kBool;
    t.size = 1;
    t.decoder = spec::Decoder::kBool;
    return t;
  }
  static Type string(uint32_t size) {
    Type t;
    t.kind = TypeKind::kString;
    t.size = size;
    t.decoder = spec::Decoder::kString;
    return t;
  }
  bool is_numeric() const {
    return kind == TypeKind::kInt || kind == TypeKind::kBool || kind == TypeKind::kPointer;
  }
};

std::string describe(const Type& t);

}  // namespace sonde::ast
