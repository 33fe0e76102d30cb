#include "compiler/sema/typing.h"

namespace sonde::sema {
namespace {

using ast::Op;
using ast::Type;
using ast::TypeKind;

bool is_comparison(Op op) {
  return op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe || op == Op::kEq ||
         op == Op::kNe;
}

bool is_shift(Op op) { return op == Op::kShl || op == Op::kShr; }

// Keeps what a value is (its symbols, its display) out of computed results: only the
// number remains.
Type integer64(bool is_signed) { return Type::integer(8, is_signed); }

}  // namespace

Type promote(const Type& t) {
  if (t.kind == TypeKind::kPointer) return integer64(false);
  if (t.kind == TypeKind::kInt && t.size >= 8) return integer64(t.is_signed);
  return integer64(true);
}

Type common_type(const Type& a, const Type& b) {
  const Type pa = promote(a), pb = promote(b);
  return integer64(pa.is_signed && pb.is_signed);
}

Type operand_type(Op op, const Type& lhs, const Type& rhs) {
  if (is_shift(op)) return promote(lhs);
  if (op == Op::kAnd || op == Op::kOr) return Type::boolean();
  return common_type(lhs, rhs);
}

Type result_type(Op op, const Type& lhs, const Type& rhs) {
  if (is_comparison(op) || op == Op::kAnd || op == Op::kOr) return Type::boolean();
  return operand_type(op, lhs, rhs);
}

Type unary_result_type(Op op, const Type& operand) {
  if (op == Op::kNot) return Type::boolean();
  return promote(operand);
}

const char* promoted_c_type(const Type& t) { return promote(t).is_signed ? "__s64" : "__u64"; }

const char* storage_c_type(uint32_t size, bool is_signed) {
  switch (size) {
    case 1:
      return is_signed ? "__s8" : "__u8";
    case 2:
      return is_signed ? "__s16" : "__u16";
    case 4:
      return is_signed ? "__s32" : "__u32";
    default:
      return is_signed ? "__s64" : "__u64";
  }
}

std::optional<Constant> fold(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::kNumber:
      // Typed as sema left it: a literal alone is signed when it fits.
      return Constant{e.number, e.type.kind == TypeKind::kInt
                                    ? promote(e.type).is_signed
                                    : e.number <= static_cast<uint64_t>(INT64_MAX)};
    case ast::ExprKind::kName:
      if (e.binding.kind == ast::BindingKind::kConstant)
        return Constant{static_cast<uint64_t>(e.binding.constant), true};
      return std::nullopt;
    case ast::ExprKind::kUnary: {
      auto v = fold(*e.args[0]);
      if (!v) return std::nullopt;
      switch (e.op) {
        case Op::kNeg:
          return Constant{0 - v->bits, v->is_signed};
        case Op::kBitNot:
          return Constant{~v->bits, v->is_signed};
        default:
          return Constant{v->bits == 0 ? 1u : 0u, true};
      }
    }
    case ast::ExprKind::kBinary: {
      auto a = fold(*e.args[0]);
      auto b = fold(*e.args[1]);
      if (!a || !b) return std::nullopt;
      const bool s = is_shift(e.op) ? a->is_signed : a->is_signed && b->is_signed;
      const uint64_t x = a->bits, y = b->bits;
      const auto sx = static_cast<int64_t>(x), sy = static_cast<int64_t>(y);
      auto cmp = [&](bool r) { return Constant{r ? 1u : 0u, true}; };
      switch (e.op) {
        case Op::kAdd:
          return Constant{x + y, s};
        case Op::kSub:
          return Constant{x - y, s};
        case Op::kMul:
          return Constant{x * y, s};
        case Op::kDiv:
          if (y == 0) return std::nullopt;
          if (s && sx == INT64_MIN && sy == -1) return Constant{x, s};
          return Constant{s ? static_cast<uint64_t>(sx / sy) : x / y, s};
        case Op::kMod:
          if (y == 0) return std::nullopt;
          if (s && sy == -1) return Constant{0, s};
          return Constant{s ? static_cast<uint64_t>(sx % sy) : x % y, s};
        case Op::kShl:
          if (y >= 64) return std::nullopt;
          return Constant{x << y, s};
        case Op::kShr:
          if (y >= 64) return std::nullopt;
          return Constant{s ? static_cast<uint64_t>(sx >> y) : x >> y, s};
        case Op::kBitAnd:
          return Constant{x & y, s};
        case Op::kBitOr:
          return Constant{x | y, s};
        case Op::kBitXor:
          return Constant{x ^ y, s};
        case Op::kLt:
          return cmp(s ? sx < sy : x < y);
        case Op::kLe:
          return cmp(s ? sx <= sy : x <= y);
        case Op::kGt:
          return cmp(s ? sx > sy : x > y);
        case Op::kGe:
          return cmp(s ? sx >= sy : x >= y);
        case Op::kEq:
          return cmp(x == y);
        case Op::kNe:
          return cmp(x != y);
        case Op::kAnd:
          return cmp(x && y);
        case Op::kOr:
          return cmp(x || y);
        default:
          return std::nullopt;
      }
    }
    default:
      return std::nullopt;
  }
}

bool representable(const Constant& c, uint32_t size, bool is_signed) {
  const uint32_t bits = size >= 8 ? 64 : size * 8;
  if (c.negative()) {
    if (!is_signed) return false;
    return bits == 64 || c.as_signed() >= -(int64_t{1} << (bits - 1));
  }
  // A non-negative value (an unsigned constant above INT64_MAX included).
  if (is_signed) {
    const uint64_t max =
        bits == 64 ? static_cast<uint64_t>(INT64_MAX) : (uint64_t{1} << (bits - 1)) - 1;
    return c.bits <= max;
  }
  return bits == 64 || c.bits < (uint64_t{1} << bits);
}

}  // namespace sonde::sema
