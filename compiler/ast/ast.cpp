#include "compiler/ast/ast.h"

#include <fmt/format.h>

namespace sonde::ast {

const char* op_spelling(Op op) {
  switch (op) {
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kMod:
      return "%";
    case Op::kShl:
      return "<<";
    case Op::kShr:
      return ">>";
    case Op::kBitAnd:
      return "&";
    case Op::kBitOr:
      return "|";
    case Op::kBitXor:
      return "^";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kAnd:
      return "&&";
    case Op::kOr:
      return "||";
    case Op::kNot:
      return "!";
    case Op::kNeg:
      return "-";
    case Op::kBitNot:
      return "~";
  }
  return "?";
}

ExprPtr Expr::clone() const {
  auto copy = std::make_unique<Expr>();
  copy->kind = kind;
  copy->range = range;
  copy->number = number;
  copy->text = text;
  copy->op = op;
  for (const auto& a : args) copy->args.push_back(a->clone());
  copy->type = type;
  copy->binding = binding;
  return copy;
}

SourceRange statement_range(const Statement& s) {
  return std::visit([](const auto& v) { return v.range; }, s);
}

std::string describe(const Type& t) {
  switch (t.kind) {
    case TypeKind::kNone:
      return "nothing";
    case TypeKind::kInt:
      return fmt::format("{}-bit {} integer", t.size * 8, t.is_signed ? "signed" : "unsigned");
    case TypeKind::kBool:
      return "boolean";
    case TypeKind::kString:
      return fmt::format("string (up to {} bytes)", t.size);
    case TypeKind::kPointer:
      return t.user ? "user pointer" : "kernel pointer";
    case TypeKind::kRecord:
      return "struct";
    case TypeKind::kBytes:
      return fmt::format("{}-byte array", t.size);
    case TypeKind::kStack:
      return "stack";
    case TypeKind::kDecoded:
      return "decoded label";
  }
  return "?";
}

}  // namespace sonde::ast
