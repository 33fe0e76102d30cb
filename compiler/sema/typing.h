// sonde's one typing rule for integers, used by sema to type expressions and by
// lowering to emit them, so the two can never disagree on a width or a signedness.
//
// Values keep their declared width and signedness (from BTF, tracepoint formats, casts)
// until they are computed with. Then C's rules apply as if C's int were 64 bits wide:
//  - promotion: a value narrower than 64 bits (and a bool or an enum) widens to a
//    signed 64-bit value, which holds all its values; a 64-bit value keeps its
//    signedness; an address is an unsigned 64-bit value;
//  - the usual arithmetic conversions: an operation on two promoted values is unsigned
//    when either is unsigned, signed otherwise (comparisons included);
//  - a shift has the promoted type of its left operand;
//  - a literal takes the type of the other operand when it can hold its value.
// Division by zero yields 0 and modulo by zero the dividend (as BPF defines them); a
// shift by a count outside 0..63 yields 0 (or -1 for a negative value shifted right).
#pragma once

#include <cstdint>
#include <optional>

#include "compiler/ast/ast.h"

namespace sonde::sema {

// The type `t` has in arithmetic (always 64 bits).
ast::Type promote(const ast::Type& t);

// The type both operands of a binary arithmetic or comparison operator are converted to.
ast::Type common_type(const ast::Type& a, const ast::Type& b);

// The type the operands of `op` are converted to before it applies (the left operand's
// for shifts), and the type of its result.
ast::Type operand_type(ast::Op op, const ast::Type& lhs, const ast::Type& rhs);
ast::Type result_type(ast::Op op, const ast::Type& lhs, const ast::Type& rhs);
ast::Type unary_result_type(ast::Op op, const ast::Type& operand);

// C spellings: the promoted type ("__s64"/"__u64") and a stored width ("__s32", ...).
const char* promoted_c_type(const ast::Type& t);
const char* storage_c_type(uint32_t size, bool is_signed);

// The value of a constant expression (literals, enum constants, and operators applied
// to them), two's complement, with the type it has. Nullopt when `e` is not constant.
struct Constant {
  uint64_t bits = 0;
  bool is_signed = true;
  int64_t as_signed() const { return static_cast<int64_t>(bits); }
  bool negative() const { return is_signed && as_signed() < 0; }
};
std::optional<Constant> fold(const ast::Expr& e);

// Whether a constant's value fits in an integer type of `size` bytes and `is_signed`.
bool representable(const Constant& c, uint32_t size, bool is_signed);

}  // namespace sonde::sema
