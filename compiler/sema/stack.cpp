#include "compiler/sema/stack.h"

namespace sonde::sema {
namespace {

using ast::BindingKind;
using ast::Expr;
using ast::ExprKind;
using ast::TypeKind;

uint32_t round8(uint32_t n) { return (n + 7) & ~7u; }

// A slot of a key or of a start record (lower.cpp's make_slot).
uint32_t slot(const ast::Type& t) {
  const bool text = t.kind == TypeKind::kString || (t.kind == TypeKind::kDecoded && t.buffer);
  return text ? round8(t.size) : 8;
}

class Walker {
 public:
  explicit Walker(const ResolvedProbe& probe) : probe_(probe) {}

  // `e` computed as a number (FunctionBuilder::value).
  uint32_t value(const Expr& e) const {
    switch (e.kind) {
      case ExprKind::kNumber:
      case ExprKind::kString:
        return 0;
      case ExprKind::kName:
        if (e.binding.kind == BindingKind::kBuiltin && e.binding.builtin == ast::Builtin::kArg &&
            probe_.kind->args == ArgAccess::kUsdtSpec)
          return 8;
        // sys_exit's syscall number is read from the saved registers.
        return e.binding.kind == BindingKind::kField && probe_.raw_syscall ? 8 : 0;
      case ExprKind::kMember:
        return e.binding.kind == BindingKind::kBuiltin ? 0 : 8 + root(*e.args[0]);
      case ExprKind::kIndex: {
        const Expr& array = *e.args[0];
        if (array.kind == ExprKind::kMember && array.binding.kind == BindingKind::kMember)
          return 8 + root(array.args[0] ? *array.args[0] : array);
        if (array.kind == ExprKind::kName && array.binding.kind == BindingKind::kField &&
            probe_.format) {
          const kernel::TracepointField* f = probe_.format->field(array.binding.field);
          if (probe_.raw_syscall || (f && (f->kind == kernel::FieldKind::kArray ||
                                           f->kind == kernel::FieldKind::kCharArray)))
            return 8;
        }
        return array.type.size + fill(array);
      }
      case ExprKind::kUnary:
        return value(*e.args[0]);
      case ExprKind::kBinary: {
        const Expr& a = *e.args[0];
        const Expr& b = *e.args[1];
        if (a.type.kind == TypeKind::kString) return operand(a) + operand(b);
        return value(a) + value(b);
      }
      case ExprKind::kCall: {
        const Expr& arg = *e.args[0];
        if (e.text == "op" && arg.type.kind == TypeKind::kString) return 8 + fill(arg);
        // startswith(), digits(): the string read once into a buffer of its size.
        if (arg.type.kind == TypeKind::kString) return round8(arg.type.size) + fill(arg);
        if (e.text == "syscall_arg") return 8;
        if (e.text == "user_u64") return 8 + value(arg);
        return value(arg);
      }
    }
    return 0;
  }

  // `e` (a string, a decoded buffer) written into a buffer that exists already
  // (FunctionBuilder::fill_string).
  uint32_t fill(const Expr& e) const {
    switch (e.kind) {
      case ExprKind::kMember:
        return e.binding.kind == BindingKind::kBuiltin ? 0 : root(*e.args[0]);
      case ExprKind::kCall: {
        if (e.args.empty()) return 0;
        const Expr& arg = *e.args[0];
        if (arg.type.kind == TypeKind::kString || arg.type.kind == TypeKind::kBytes ||
            (e.binding.kind == BindingKind::kDecoder && e.type.buffer))
          return fill(arg);
        return value(arg);
      }
      default:
        return 0;
    }
  }

  // A key, a span key or a start label, written into its slot.
  uint32_t stored(const Expr& e) const {
    const bool text =
        e.type.kind == TypeKind::kString || (e.type.kind == TypeKind::kDecoded && e.type.buffer);
    return text ? fill(e) : value(e);
  }

 private:
  // A string operand of a comparison: a buffer of its own unless a literal.
  uint32_t operand(const Expr& e) const {
    return e.kind == ExprKind::kString ? 0 : e.type.size + fill(e);
  }

  // The pointer a member access starts from, through structs held by value.
  uint32_t root(const Expr& object) const {
    if (object.type.kind == TypeKind::kRecord && object.kind == ExprKind::kMember)
      return root(*object.args[0]);
    return value(object);
  }

  const ResolvedProbe& probe_;
};

}  // namespace

StackUse stack_use(const CheckedStatement& s, const ProbeProgram& p) {
  StackUse use;
  uint32_t span_key = 0, start = 8;  // the start record begins with its timestamp
  for (const auto& t : s.span_key_types) span_key += slot(t);
  for (const auto& t : s.start_label_types) start += slot(t);
  uint32_t key = 0;
  bool pid = false;
  for (const auto& label : s.labels) {
    key += slot(label.type);
    pid |=
        label.type.decoder == spec::Decoder::kUsym || label.type.decoder == spec::Decoder::kUstack;
  }
  if (pid) key += 8;
  if (s.print) key += 8;  // an event's record starts with its statement's index
  switch (p.role) {
    case ProgramRole::kMetric:
      use.records = key;
      break;
    case ProgramRole::kSpanStart:
      use.records = span_key + start;
      break;
    case ProgramRole::kSpanEnd:
      use.records = span_key + start + key;
      break;
  }
  Walker w(p.probe);
  for (const ast::ExprPtr* e : {&p.where, &p.filter, &p.value}) {
    if (*e) use.values += w.value(**e);
  }
  for (const auto* list : {&p.keys, &p.span_keys, &p.start_labels}) {
    for (const auto& e : *list) {
      if (e) use.values += w.stored(*e);
    }
  }
  return use;
}

}  // namespace sonde::sema
