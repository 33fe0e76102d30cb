// Lowers checked expressions into the body of one BPF program. Numbers become C
// expressions of their promoted type, __s64/__u64 (sema/typing.h); strings are materialized into
// zeroed local buffers (or written straight into a key slot) by the helpers that read them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/kernel/btf.h"
#include "compiler/sema/checked.h"

namespace sonde::lower {

// The CGROUP_ARRAY behind in_cgroup(), filled by the runtime at load (spec::Program).
inline constexpr const char* kCgroupMap = "sonde_cgroups";

class FunctionBuilder {
 public:
  FunctionBuilder(const sema::ResolvedProbe& probe, kernel::TypeEmitter* types,
                  std::string stack_map);

  // The program's section and context parameter ("struct pt_regs *ctx").
  std::string section() const;
  std::string context_parameter();

  // A numeric C expression for `e` (statements it needs are appended to the body).
  std::string value(const ast::Expr& e);
  // Writes the string `e` into the zeroed buffer `dst` of `size` bytes.
  void fill_string(const ast::Expr& e, const std::string& dst, uint32_t size);
  // A condition for `if`.
  std::string condition(const ast::Expr& e) { return value(e); }

  void line(const std::string& text) { body_ += "  " + text + "\n"; }
  std::string temp(const std::string& prefix = "t") { return prefix + std::to_string(temps_++); }
  const std::string& body() const { return body_; }
  // The context reads made so far (access -> local), and the lines of one: a shared
  // program reads what several bodies read once (shared_values.h).
  const std::map<std::string, std::string>& context_reads() const { return context_values_; }
  static std::string context_read(const std::string& local, const std::string& access);

  // Span end: the start's value and the measured latency, for names bound to them.
  void set_start_value(std::string name) { start_value_ = std::move(name); }
  void set_latency(std::string name) { latency_ = std::move(name); }
  // The program's cgroup array: in_cgroup("/p") tests slot i of it, where (*paths)[i]
  // is "/p" (added when first used). Shared by every function of a program.
  void set_cgroup_paths(std::vector<std::string>* paths) { cgroup_paths_ = paths; }

  // One program for a statement's syscalls:sys_enter_* or sys_exit_* probes
  // (syscall_wildcard.h): hooked on raw_syscalls' raw tracepoint, this probe's fields read
  // from the saved registers by their position, `probe` and `func` from `entry` (a pointer
  // to the id's row of the statement's table) and __syscall_nr from `nr`.
  void set_syscall_wildcard(std::string entry, std::string nr) {
    wildcard_entry_ = std::move(entry);
    wildcard_nr_ = std::move(nr);
  }
  // False when the body reads something the raw hook does not have as this probe did
  // (a common field other than common_pid, a stack, an argument past the sixth).
  bool wildcard_mappable() const { return wildcard_mappable_; }
  // The probe's `probe` and `func` constants the body read (its row of the table).
  uint32_t probe_constant() const { return probe_constant_; }
  uint32_t func_constant() const { return func_constant_; }

 private:
  std::string field_value(const ast::Expr& e);
  std::string raw_syscall_field(const std::string& name);
  std::string wildcard_field(const std::string& name);
  bool wildcard() const { return !wildcard_entry_.empty(); }
  std::string unmappable() {
    wildcard_mappable_ = false;
    return "0";
  }
  std::string saved_register(const char* reg);
  std::string syscall_register(uint32_t index);
  std::string task_syscall_register(uint32_t index);
  std::string text_buffer(const ast::Expr& e);
  std::string member_address(const ast::Expr& e);  // typed pointer to a member
  std::string member_lvalue(const ast::Expr& e);
  std::string typed_pointer(const ast::Expr& object);
  std::string builtin_value(const ast::Expr& e);
  std::string binary_value(const ast::Expr& e);
  std::string array_element(const ast::Expr& e);
  std::string string_operand(const ast::Expr& e);        // a buffer or a literal
  std::string record_access(const std::string& member);  // ctx->member with CO-RE
  std::string record_value(const std::string& member);   // read once, into a local
  std::string offset_access(uint32_t offset, uint32_t size, bool is_signed);
  std::string widen(const ast::Type& t, const std::string& raw) const;
  std::string argument(uint32_t index);
  std::string context_value(const std::string& access);
  std::string read_user_or_kernel_str(bool user) const;

  const sema::ResolvedProbe& probe_;
  kernel::TypeEmitter* types_;
  std::string stack_map_;
  std::string body_;
  std::string start_value_;
  std::string latency_;
  std::vector<std::string>* cgroup_paths_ = nullptr;
  int temps_ = 0;
  std::string wildcard_entry_;
  std::string wildcard_nr_;
  bool wildcard_mappable_ = true;
  uint32_t probe_constant_ = 0;
  uint32_t func_constant_ = 0;
  std::map<std::string, std::string> context_values_;  // context access -> local
};

}  // namespace sonde::lower
