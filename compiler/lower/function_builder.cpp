#include "compiler/lower/function_builder.h"

#include <fmt/format.h>

#include <algorithm>

#include "compiler/sema/functions_table.h"
#include "compiler/sema/probes.h"
#include "compiler/sema/typing.h"

namespace sonde::lower {
namespace {

using ast::BindingKind;
using ast::Builtin;
using ast::Expr;
using ast::ExprKind;
using ast::Op;
using ast::TypeKind;

const char* c_operator(Op op) { return ast::op_spelling(op); }

std::string c_string_literal(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\{:03o}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// The registers of a system call's arguments, in order (x86-64).
const char* syscall_argument_register(uint32_t index) {
  static const char* kSyscallArgs[] = {"di", "si", "dx", "r10", "r8", "r9"};
  return kSyscallArgs[index < 6 ? index : 0];
}

}  // namespace

FunctionBuilder::FunctionBuilder(const sema::ResolvedProbe& probe, kernel::TypeEmitter* types,
                                 std::string stack_map)
    : probe_(probe), types_(types), stack_map_(std::move(stack_map)) {}

std::string FunctionBuilder::section() const {
  if (wildcard())
    return probe_.name.starts_with("sys_exit_") ? "raw_tp/sys_exit" : "raw_tp/sys_enter";
  // raw_syscalls are hooked as raw tracepoints (sema/checked.h).
  if (probe_.raw_syscall) return fmt::format("raw_tp/{}", probe_.name);
  return sema::probe_text(probe_.kind->section, probe_);
}

std::string FunctionBuilder::context_parameter() {
  if (probe_.raw_syscall || wildcard()) return "struct bpf_raw_tracepoint_args *ctx";
  // A tracepoint's record, typed from BTF when the kernel describes it.
  if (probe_.record_struct && types_) return types_->c_type(probe_.record_struct) + " *ctx";
  return probe_.kind->context;
}

// The probed function's argument `index`, as a raw 64-bit C expression.
std::string FunctionBuilder::argument(uint32_t index) {
  static const char* kRegs[] = {"di", "si", "dx", "cx", "r8", "r9"};
  switch (probe_.kind->args) {
    case sema::ArgAccess::kRawArgs:
      // Each argument is stored zero-extended to 64 bits: an int -11 arrives as
      // 0xfffffff5, which value() sign-extends from the argument's 32 bits.
      return context_value(fmt::format("ctx->args[{}]", index));
    case sema::ArgAccess::kTrampoline:
      return context_value(fmt::format("ctx[{}]", index));
    case sema::ArgAccess::kNone:
    case sema::ArgAccess::kRegisters:
    case sema::ArgAccess::kUsdtSpec:
      break;
  }
  return context_value(fmt::format("ctx->{}", kRegs[index < 6 ? index : 0]));
}

std::string FunctionBuilder::read_user_or_kernel_str(bool user) const {
  return user ? "bpf_probe_read_user_str" : "bpf_probe_read_kernel_str";
}

std::string FunctionBuilder::record_access(const std::string& member) {
  types_->use_member(probe_.record_struct, member);
  return fmt::format("ctx->{}", member);
}

// A number of the program's context (a tracepoint record's member, a probed function's
// argument or return value), read once per program into a local, where it is read. The
// verifier takes a load from ctx only at a constant offset of ctx itself, and clang 16
// does not always keep it so: read twice, it keeps a relocated offset in a register for
// the second read and loads through ctx plus that register; read inside a large
// expression, it may compute ctx plus the offset early and load through that pointer
// later (found by the generative test: `arg5` of a uprobe). Both are refused
// ("dereference of modified ctx ptr"; LLVM's preserve_static_offset came in LLVM 18).
// The empty asm takes the value as soon as it is loaded, so the load stays one
// instruction at ctx plus its offset.
std::string FunctionBuilder::context_value(const std::string& access) {
  auto it = context_values_.find(access);
  if (it != context_values_.end()) return it->second;
  std::string t = temp("r");
  body_ += context_read(t, access);
  context_values_.emplace(access, t);
  return t;
}

std::string FunctionBuilder::context_read(const std::string& local, const std::string& access) {
  return fmt::format("  __u64 {0} = (__u64)({1});\n  asm volatile(\"\" : \"+r\"({0}));\n", local,
                     access);
}

std::string FunctionBuilder::record_value(const std::string& member) {
  return context_value(record_access(member));
}

std::string FunctionBuilder::offset_access(uint32_t offset, uint32_t size, bool is_signed) {
  return context_value(
      fmt::format("*({} *)((char *)ctx + {})", sema::storage_c_type(size, is_signed), offset));
}

// Every numeric value is emitted as a C expression of its promoted type (__s64 or
// __u64, sema/typing.h); leaves are read at their declared width and widened from it.
std::string FunctionBuilder::value(const Expr& e) {
  const std::string promoted = sema::promoted_c_type(e.type);
  const std::string cast = "(" + promoted + ")";
  switch (e.kind) {
    case ExprKind::kNumber:
      return fmt::format("{}{}ULL", cast, e.number);
    case ExprKind::kString:
      return "0";  // never a number; sema rejects
    case ExprKind::kName:
      switch (e.binding.kind) {
        case BindingKind::kField:
          return widen(e.type, field_value(e));
        case BindingKind::kBuiltin:
          return builtin_value(e);
        case BindingKind::kConstant:
          return fmt::format("(__s64){}LL", e.binding.constant);
        case BindingKind::kStartLabel:
          return fmt::format("{}{}.l{}", cast, start_value_, e.binding.index);
        default:
          return "0";
      }
    case ExprKind::kMember: {
      if (e.binding.kind == BindingKind::kBuiltin) return builtin_value(e);
      std::string t = temp();
      std::string type = e.type.kind == TypeKind::kPointer
                             ? "__u64"
                             : sema::storage_c_type(e.type.size, e.type.is_signed);
      line(fmt::format("{} {} = 0;", type, t));
      line(fmt::format("bpf_core_read(&{}, sizeof({}), {});", t, t, member_address(e)));
      return fmt::format("{}{}", cast, t);
    }
    case ExprKind::kIndex: {
      const Expr& array = *e.args[0];
      if (probe_.raw_syscall && array.binding.kind == BindingKind::kField) {
        return fmt::format("{}{}", cast,
                           syscall_register(static_cast<uint32_t>(e.args[1]->number)));
      }
      if (std::string element = array_element(e); !element.empty()) return cast + element;
      std::string t = temp();
      line(fmt::format("char {}[{}] = {{}};", t, array.type.size));
      fill_string(array, t, array.type.size);
      return fmt::format("{}(({} *){})[{}]", cast,
                         sema::storage_c_type(e.type.size, e.type.is_signed), t, e.args[1]->number);
    }
    case ExprKind::kUnary: {
      std::string operand = value(*e.args[0]);
      if (e.op == Op::kNot) return fmt::format("{}(!({}))", cast, operand);
      return fmt::format("{}({}{}({}))", cast, c_operator(e.op), cast, operand);
    }
    case ExprKind::kBinary:
      return binary_value(e);
    case ExprKind::kCall: {
      if (e.binding.kind == BindingKind::kDecoder) return value(*e.args[0]);
      const Expr& arg = *e.args[0];
      const sema::FunctionInfo* f = sema::find_function(e.text);
      if (!f) return "0";  // sema accepts no other call
      switch (f->kind) {
        case sema::FunctionKind::kInCgroup: {
          if (!cgroup_paths_) return "0";
          // The kernel's own test (cgroup_is_descendant) on the task's cgroup2 cgroup,
          // against the directory the runtime opened at load; a path that did not exist
          // then leaves its slot empty, and the helper's error means "no".
          auto& paths = *cgroup_paths_;
          size_t slot = std::find(paths.begin(), paths.end(), arg.text) - paths.begin();
          if (slot == paths.size()) paths.push_back(arg.text);
          return fmt::format("(__s64)(bpf_current_task_under_cgroup(&{}, {}) == 1)", kCgroupMap,
                             slot);
        }
        case sema::FunctionKind::kBlockOp: {
          if (arg.type.kind == TypeKind::kInt)
            return fmt::format("(__s64)sonde_req_op({})", value(arg));
          std::string t = temp();
          line(fmt::format("char {}[8] = {{}};", t));
          fill_string(arg, t, 8);
          return fmt::format("(__s64)sonde_block_op({})", t);
        }
        case sema::FunctionKind::kByteSwap:
          return fmt::format("{}__builtin_bswap{}((__u{})({}))", cast, 8 * f->width, 8 * f->width,
                             value(arg));
        case sema::FunctionKind::kCast:
          return widen(e.type, value(arg));
        case sema::FunctionKind::kSyscallArg:
          return fmt::format("{}{}", cast,
                             task_syscall_register(static_cast<uint32_t>(arg.number)));
        case sema::FunctionKind::kUserU64: {
          std::string t = temp();
          line(fmt::format("__u64 {} = 0;", t));
          line(fmt::format("bpf_probe_read_user(&{}, sizeof({}), (const void *)(long)({}));", t, t,
                           value(arg)));
          return fmt::format("{}{}", cast, t);
        }
        case sema::FunctionKind::kStartsWith: {
          // One read of the string, then each text compared over its own length.
          const std::string buffer = text_buffer(arg);
          std::string any;
          for (size_t i = 1; i < e.args.size(); ++i) {
            const std::string& prefix = e.args[i]->text;
            any += fmt::format("{}sonde_streq({}, {}, {})", i > 1 ? " || " : "", buffer,
                               c_string_literal(prefix), prefix.size());
          }
          return fmt::format("(__s64)({})", any);
        }
        case sema::FunctionKind::kDigits:
          return fmt::format("(__s64)sonde_digits({} + {}, {})", text_buffer(arg),
                             e.args[1]->number, e.args[2]->number);
        case sema::FunctionKind::kString:
        case sema::FunctionKind::kInetAddr:
          return "0";  // never a number; see fill_string
      }
      return "0";
    }
  }
  return "0";
}

// One element of an array member or of an array field, read where it lies ("" for
// other arrays): a copy of the whole array may not fit the 512-byte stack (a 4 KiB
// fpu padding did not, and clang cannot zero so large a local without memset).
std::string FunctionBuilder::array_element(const ast::Expr& e) {
  const Expr& array = *e.args[0];
  const uint64_t index = e.args[1]->number;
  std::string address;
  if (array.kind == ExprKind::kMember && array.binding.kind == BindingKind::kMember) {
    address = fmt::format("&{}[{}]", member_lvalue(array), index);
  } else if (array.kind == ExprKind::kName && array.binding.kind == BindingKind::kField &&
             wildcard()) {
    return unmappable();
  } else if (array.kind == ExprKind::kName && array.binding.kind == BindingKind::kField &&
             probe_.format) {
    const kernel::TracepointField* f = probe_.format->field(array.binding.field);
    if (!f || (f->kind != kernel::FieldKind::kArray && f->kind != kernel::FieldKind::kCharArray))
      return "";
    const uint32_t size =
        f->kind == kernel::FieldKind::kArray && f->element_size ? f->element_size : 1;
    address = probe_.record_struct && types_
                  ? fmt::format("&{}[{}]", record_access(f->name), index)
                  : fmt::format("(char *)ctx + {}", f->offset + index * size);
  } else {
    return "";
  }
  std::string t = temp();
  line(fmt::format("{} {} = 0;", sema::storage_c_type(e.type.size, e.type.is_signed), t));
  line(fmt::format("{}(&{}, sizeof({}), {});",
                   array.kind == ExprKind::kMember ? "bpf_core_read" : "bpf_probe_read_kernel", t,
                   t, address));
  return t;
}

// `raw` (any integer C expression) as a value of type `t`: truncated to t's width and
// signedness, then widened to its promoted type (sign-extended when t is signed).
std::string FunctionBuilder::widen(const ast::Type& t, const std::string& raw) const {
  const std::string promoted = sema::promoted_c_type(t);
  if (t.kind == TypeKind::kPointer) return fmt::format("({})({})", promoted, raw);
  return fmt::format("({})({})({})", promoted, sema::storage_c_type(t.size, t.is_signed), raw);
}

std::string FunctionBuilder::binary_value(const Expr& e) {
  const Expr& lhs = *e.args[0];
  const Expr& rhs = *e.args[1];
  if (lhs.type.kind == TypeKind::kString) {
    std::string a = string_operand(lhs);
    std::string b = string_operand(rhs);
    uint32_t n = std::min(lhs.kind == ExprKind::kString ? rhs.type.size : lhs.type.size,
                          rhs.kind == ExprKind::kString ? lhs.type.size : rhs.type.size);
    if (lhs.kind == ExprKind::kString) n = static_cast<uint32_t>(lhs.text.size() + 1);
    if (rhs.kind == ExprKind::kString) n = static_cast<uint32_t>(rhs.text.size() + 1);
    return fmt::format("(__s64)({}sonde_streq({}, {}, {}))", e.op == Op::kNe ? "!" : "", a, b, n);
  }
  std::string a = value(lhs);
  std::string b = value(rhs);
  if (e.op == Op::kAnd || e.op == Op::kOr) {
    return fmt::format("(__s64)(({}) {} ({}))", a, c_operator(e.op), b);
  }
  // The one typing rule decides the operation's type; both operands are converted to it.
  const ast::Type operands = sema::operand_type(e.op, lhs.type, rhs.type);
  const bool is_signed = operands.is_signed;
  const std::string t = sema::promoted_c_type(operands);
  const std::string result = "(" + std::string(sema::promoted_c_type(e.type)) + ")";
  switch (e.op) {
    // Defined for every operand (sema/typing.h): BPF has no signed division before
    // cpu v4, and C leaves x / 0 and out-of-range shifts undefined.
    case Op::kDiv:
      return fmt::format("{}sonde_{}div(({})({}), ({})({}))", result, is_signed ? "s" : "u", t, a,
                         t, b);
    case Op::kMod:
      return fmt::format("{}sonde_{}mod(({})({}), ({})({}))", result, is_signed ? "s" : "u", t, a,
                         t, b);
    case Op::kShl:
      return fmt::format("{}sonde_shl((__u64)({}), (__u64)({}))", result, a, b);
    case Op::kShr:
      return fmt::format("{}sonde_shr_{}(({})({}), (__u64)({}))", result, is_signed ? "s" : "u", t,
                         a, b);
    default:
      return fmt::format("{}(({})({}) {} ({})({}))", result, t, a, c_operator(e.op), t, b);
  }
}

std::string FunctionBuilder::string_operand(const Expr& e) {
  if (e.kind == ExprKind::kString) return c_string_literal(e.text);
  std::string t = temp("s");
  line(fmt::format("char {}[{}] = {{}};", t, e.type.size));
  fill_string(e, t, e.type.size);
  return t;
}

// The raw C expression reading a field or a typed argument; value() widens it.
std::string FunctionBuilder::field_value(const Expr& e) {
  const std::string& name = e.binding.field;
  for (size_t i = 0; i < probe_.args.size(); ++i) {
    if (probe_.args[i].name != name) continue;
    return argument(static_cast<uint32_t>(i));
  }
  if (probe_.raw_syscall) return raw_syscall_field(name);
  if (wildcard()) return wildcard_field(name);
  const kernel::TracepointField* f = probe_.format->field(name);
  uint32_t size = f->kind == kernel::FieldKind::kPointer ? 8 : f->size;
  if (probe_.record_struct && types_) return record_value(name);
  return offset_access(f->offset, size > 8 ? 8 : size, f->is_signed);
}

// raw_syscalls as raw tracepoints: ctx->args[0] is the task's pt_regs and ctx->args[1]
// the syscall number (sys_enter) or return value (sys_exit).
std::string FunctionBuilder::raw_syscall_field(const std::string& name) {
  if (name == "ret" || (name == "id" && probe_.name == "sys_enter"))
    return context_value("ctx->args[1]");
  if (name == "id") return saved_register("orig_ax");
  return "0";  // sema offers no other field here
}

// A syscalls:sys_enter_NAME/sys_exit_NAME field as the raw hook has it: the record's
// arguments are the syscall's argument registers in order (syscall_get_arguments), its
// ret is the raw hook's, its common_pid the thread's id.
std::string FunctionBuilder::wildcard_field(const std::string& name) {
  if (name == "ret" && probe_.name.starts_with("sys_exit_")) return context_value("ctx->args[1]");
  if (name == "__syscall_nr") return wildcard_nr_;
  if (name == "common_pid") return "(__u32)bpf_get_current_pid_tgid()";
  if (!probe_.format || probe_.name.starts_with("sys_exit_")) return unmappable();
  uint32_t position = 0;
  for (const auto& f : probe_.format->fields) {
    if (f.common || f.name == "__syscall_nr") continue;
    if (f.name == name) return position < 6 ? syscall_register(position) : unmappable();
    ++position;
  }
  return unmappable();
}

std::string FunctionBuilder::saved_register(const char* reg) {
  std::string t = temp();
  line(fmt::format("__u64 {} = 0;", t));
  line(fmt::format("bpf_probe_read_kernel(&{}, sizeof({}), &((struct pt_regs *)ctx->args[0])->{});",
                   t, t, reg));
  return t;
}

std::string FunctionBuilder::syscall_register(uint32_t index) {
  return saved_register(syscall_argument_register(index));
}

// The same registers of any task in a system call, from its pt_regs on its kernel stack
// (bpf_task_pt_regs): at a syscall's exit or inside it, where the tracepoint's context
// no longer holds them.
std::string FunctionBuilder::task_syscall_register(uint32_t index) {
  std::string t = temp();
  line(fmt::format("__u64 {} = 0;", t));
  line(
      fmt::format("bpf_probe_read_kernel(&{}, sizeof({}), &((struct pt_regs *)bpf_task_pt_regs("
                  "bpf_get_current_task_btf()))->{});",
                  t, t, syscall_argument_register(index)));
  return t;
}

// A string operand read once into a buffer of its own size, for a scan of fixed indices.
std::string FunctionBuilder::text_buffer(const Expr& e) {
  std::string t = temp("s");
  line(fmt::format("char {}[{}] = {{}};", t, e.type.size));
  fill_string(e, t, e.type.size);
  return t;
}

// A pointer value with its BTF type, so member access records CO-RE relocations. It is
// read into a local first: inside bpf_core_read() the whole expression is relocated, and
// the context it comes from (ctx->args[i]) is not a kernel type.
std::string FunctionBuilder::typed_pointer(const Expr& object) {
  std::string pointer = temp("p");
  line(fmt::format("__u64 {} = {};", pointer, value(object)));
  return fmt::format("(({} *)(long){})", types_->c_type(object.type.btf), pointer);
}

// The member as a C lvalue: `p->a` through a pointer, `p->a.b` for a struct held by
// value (sk.__sk_common.skc_daddr), so one bpf_core_read() relocates the whole path.
std::string FunctionBuilder::member_lvalue(const Expr& e) {
  const Expr& object = *e.args[0];
  types_->use_member(object.type.btf, e.text);
  // Records are reached only as members (sema gives no other expression that type).
  if (object.type.kind == TypeKind::kRecord && object.kind == ExprKind::kMember)
    return fmt::format("{}.{}", member_lvalue(object), e.text);
  return fmt::format("{}->{}", typed_pointer(object), e.text);
}

std::string FunctionBuilder::member_address(const Expr& e) { return "&" + member_lvalue(e); }

std::string FunctionBuilder::builtin_value(const Expr& e) {
  switch (e.binding.builtin) {
    case Builtin::kPid:
      return "(__u64)(bpf_get_current_pid_tgid() >> 32)";
    case Builtin::kTid:
      return "(__u64)(__u32)bpf_get_current_pid_tgid()";
    case Builtin::kCpu:
      return "(__u64)bpf_get_smp_processor_id()";
    case Builtin::kUid:
      return "(__u64)(__u32)bpf_get_current_uid_gid()";
    case Builtin::kGid:
      return "(__u64)(bpf_get_current_uid_gid() >> 32)";
    case Builtin::kCgroup:
      return "(__u64)bpf_get_current_cgroup_id()";
    case Builtin::kNsecs:
      return "(__u64)bpf_ktime_get_ns()";
    case Builtin::kKstack:
      // The raw hook's stack is not the classic one's (other frames below the syscall).
      if (wildcard()) return unmappable();
      return fmt::format("(__s64)bpf_get_stackid(ctx, &{}, 0)", stack_map_);
    case Builtin::kUstack:
      if (wildcard()) return unmappable();
      return fmt::format("(__s64)bpf_get_stackid(ctx, &{}, BPF_F_USER_STACK)", stack_map_);
    case Builtin::kLatency:
      return fmt::format("(__u64){}", latency_);
    case Builtin::kProbe:
    case Builtin::kFunc:
      if (wildcard()) {
        const bool probe = e.binding.builtin == Builtin::kProbe;
        (probe ? probe_constant_ : func_constant_) = e.binding.index;
        return fmt::format("(__u64){}->{}", wildcard_entry_, probe ? "probe" : "func");
      }
      return fmt::format("(__u64){}", e.binding.index);
    case Builtin::kRetval:
      // After the arguments in a trampoline's context, in ax at a probed return.
      if (probe_.kind->args == sema::ArgAccess::kTrampoline)
        return fmt::format("(__s64){}", context_value(fmt::format("ctx[{}]", probe_.args.size())));
      return fmt::format("(__s64){}", context_value("ctx->ax"));
    case Builtin::kArg:
      if (probe_.kind->args == sema::ArgAccess::kUsdtSpec) {
        std::string t = temp();
        line(fmt::format("long {} = 0;", t));
        line(fmt::format("bpf_usdt_arg(ctx, {}, &{});", e.binding.index, t));
        return fmt::format("(__s64){}", t);
      }
      return fmt::format("(__s64){}", argument(e.binding.index));
    case Builtin::kComm:
      return "0";  // a string: see fill_string
  }
  return "0";
}

void FunctionBuilder::fill_string(const Expr& e, const std::string& dst, uint32_t size) {
  if (e.kind == ExprKind::kString) {
    line(fmt::format("__builtin_memcpy({}, {}, {});", dst, c_string_literal(e.text),
                     std::min<size_t>(size, e.text.size() + 1)));
    return;
  }
  if ((e.kind == ExprKind::kName || e.kind == ExprKind::kMember) &&
      e.binding.kind == BindingKind::kBuiltin && e.binding.builtin == Builtin::kComm) {
    line(fmt::format("bpf_get_current_comm({}, {});", dst, std::min<uint32_t>(size, 16)));
    return;
  }
  if (e.kind == ExprKind::kName && e.binding.kind == BindingKind::kStartLabel) {
    line(
        fmt::format("__builtin_memcpy({}, {}.l{}, {});", dst, start_value_, e.binding.index, size));
    return;
  }
  if (e.kind == ExprKind::kMember) {
    // Bytes (an IPv6 address) are read whole: a string read stops at the first zero.
    line(fmt::format(
        "{}({}, {}, {});",
        e.type.kind == TypeKind::kBytes ? "bpf_probe_read_kernel" : "bpf_probe_read_kernel_str",
        dst, std::min(size, e.type.size), member_address(e)));
    return;
  }
  if (e.kind == ExprKind::kCall && e.binding.kind == BindingKind::kFunction &&
      sema::find_function(e.text)->kind == sema::FunctionKind::kString) {
    const Expr& arg = *e.args[0];
    uint32_t n = std::min(size, e.type.size);
    if (arg.type.kind == TypeKind::kString) {
      fill_string(arg, dst, n);
      if (n < size) line(fmt::format("{}[{}] = 0;", dst, n - 1));
      return;
    }
    // A read that fails (a bad or paged-out pointer) leaves a marker the decoder shows as
    // "[unreadable]" and counts as a decode error, not an empty string that looks real.
    line(fmt::format("if ({}({}, {}, (const void *)(long)({})) < 0) sonde_unreadable({});",
                     read_user_or_kernel_str(e.type.user), dst, n, value(arg), dst));
    return;
  }
  if (e.kind == ExprKind::kCall && e.binding.kind == BindingKind::kDecoder) {
    fill_string(*e.args[0], dst, size);
    return;
  }
  if (e.kind == ExprKind::kCall && e.binding.kind == BindingKind::kFunction &&
      sema::find_function(e.text)->kind == sema::FunctionKind::kInetAddr) {
    // inet(family, v4, v6): IPv4 as ::ffff:a.b.c.d, which the ntop decoder shows dotted.
    const Expr& v4 = *e.args[1];
    line(fmt::format("if ({} == 2 /* AF_INET */) {{", value(*e.args[0])));
    line(fmt::format("__builtin_memset({}, 0, 10);", dst));
    line(fmt::format("((__u8 *){})[10] = 0xff;", dst));
    line(fmt::format("((__u8 *){})[11] = 0xff;", dst));
    if (v4.type.kind == TypeKind::kBytes) {
      fill_string(v4, fmt::format("((__u8 *){} + 12)", dst), 4);
    } else {
      std::string t = temp();
      line(fmt::format("__u32 {} = (__u32)({});", t, value(v4)));
      line(fmt::format("__builtin_memcpy((__u8 *){} + 12, &{}, 4);", dst, t));
    }
    line("} else {");
    fill_string(*e.args[2], dst, std::min<uint32_t>(size, 16));
    line("}");
    return;
  }
  if (e.kind == ExprKind::kName && e.binding.kind == BindingKind::kField && wildcard()) {
    unmappable();  // syscall records hold no strings or arrays of their own
    return;
  }
  if (e.kind == ExprKind::kName && e.binding.kind == BindingKind::kField) {
    const kernel::TracepointField* f =
        probe_.format ? probe_.format->field(e.binding.field) : nullptr;
    if (!f) return;
    bool core = probe_.record_struct && types_;
    if (f->kind == kernel::FieldKind::kDataLoc) {
      std::string loc = temp();
      std::string access =
          core ? record_value("__data_loc_" + f->name) : offset_access(f->offset, 4, false);
      line(fmt::format("__u32 {} = {};", loc, access));
      line(fmt::format("bpf_probe_read_kernel_str({}, {}, (char *)ctx + ({} & 0xffff));", dst, size,
                       loc));
      return;
    }
    uint32_t n = f->size ? std::min(size, f->size) : size;  // `char buf[]`: up to the buffer
    std::string address =
        core ? "&" + record_access(f->name) : fmt::format("(char *)ctx + {}", f->offset);
    if (f->kind == kernel::FieldKind::kCharArray) {
      line(fmt::format("bpf_probe_read_kernel_str({}, {}, {});", dst, n, address));
    } else {
      line(fmt::format("bpf_probe_read_kernel({}, {}, {});", dst, n, address));
    }
  }
}

}  // namespace sonde::lower
