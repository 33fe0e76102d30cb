// Type-checks an expression in the context of one probe: resolves names to fields,
// aliases, span labels and builtins, checks operators and calls, and fills each
// node's `type` and `binding`. Aliases and span labels evaluated in this probe are
// substituted in place.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/ast/diagnostics.h"
#include "compiler/sema/checked.h"
#include "compiler/sema/decoders_table.h"
#include "compiler/sema/kernel_info.h"
#include "compiler/sema/verdict.h"

namespace sonde::sema {

// A span label as seen from the end of the span.
struct SpanLabelScope {
  std::string name;
  const ast::Expr* expr = nullptr;  // the label's expression, when evaluated at the end
  int start_index = -1;             // >= 0: stored with the start, read back at the end
  ast::Type type;                   // type of a stored label
};

// `probe` and `func` are constants of a program that user space names from a table in
// the label, as enum values are named: the table of a statement's programs (of its ends,
// or of its starts for labels stored at a span's start) and this program's value in it.
// Equal names share a value (`main` of two binaries is one series).
struct NameTable {
  std::shared_ptr<const std::vector<ast::SymbolName>> names;  // null: this probe alone
  uint32_t value = 0;
};

struct Scope {
  const ResolvedProbe* probe = nullptr;
  std::vector<const ast::AliasDef*> aliases;  // aliases that apply to this probe
  std::vector<SpanLabelScope> span_labels;    // span end: labels by name
  bool latency = false;                       // span end: `latency` is the measured time
  NameTable probe_names;                      // `probe`: the probe's full name
  NameTable func_names;                       // `func`: its function, event or USDT name
  // A probe of the statement with a field or alias `func` when others have none (a
  // wildcard over sys_enter_*, where sys_enter_modify_ldt has an argument `func`): `func`
  // is then the builtin at every probe, and this one's is not read (said in a warning).
  std::string func_shadowed_in;
  bool warn_shadowed_func = false;
};

enum class Use : uint8_t {
  kPredicate,  // where: boolean (integers are true when non-zero)
  kValue,      // operand of an aggregation: integer
  kKey,        // a label: anything that can be shown, decoders allowed at the top
  kSpanKey,    // key pairing a span's start and end: integers and strings
};

class ExprChecker {
 public:
  ExprChecker(KernelInfo& kernel, ast::Diagnostics& diags, const Scope& scope);

  // Rejected only through the error that says why (verdict.h).
  Verdict check(ast::Expr& e, Use use);

  // Names a probe offers (fields, aliases, builtins), for hints and completion.
  static std::vector<std::string> field_names(const ResolvedProbe& probe);
  static std::vector<std::string> builtin_names(const ResolvedProbe& probe);

 private:
  Verdict visit(ast::Expr& e, Use use, bool top);
  Verdict name(ast::Expr& e, Use use);
  Verdict member(ast::Expr& e);
  Verdict index(ast::Expr& e);
  Verdict unary(ast::Expr& e);
  Verdict binary(ast::Expr& e);
  Verdict adopt_literal(ast::Expr& e);
  Verdict defined_for_constants(const ast::Expr& e);
  Verdict call(ast::Expr& e, Use use, bool top);
  Verdict decoder_call(ast::Expr& e, const DecoderInfo& d, Use use, bool top);
  Verdict in_cgroup_call(ast::Expr& e);
  Verdict inet_call(ast::Expr& e);
  Verdict syscall_arg_call(ast::Expr& e);
  Verdict text_scan_call(ast::Expr& e, bool digits);  // startswith(), digits()
  Verdict string_call(ast::Expr& e, Use use);
  Verdict field(ast::Expr& e, const std::string& field_name);
  Verdict builtin(ast::Expr& e, const std::string& builtin_name, bool qualified);
  Verdict named_constant(ast::Expr& e, const NameTable& table, const std::string& own_name);
  Verdict func(ast::Expr& e);
  ast::Rejection probe_name_as_number(const ast::Expr& x);
  bool constant(ast::Expr& e, const ast::Type* context);
  ast::Rejection unknown_name(ast::Expr& e);
  bool expanding(std::string_view kind, const std::string& name) const;
  Verdict expand(ast::Expr& e, const ast::Expr& definition, const char* kind,
                 const std::string& name, Use use);
  // A bare name compared with `other` that is neither one of its value names nor known.
  ast::Rejection unknown_constant(ast::Expr& e, const ast::Expr& other);
  // How the user wrote `e` (for hints).
  std::string derive_text(const ast::Expr& e) const;
  std::string probe_display() const;

  KernelInfo& kernel_;
  ast::Diagnostics& diags_;
  const Scope& scope_;
  std::vector<std::pair<std::string, std::string>> expanding_;  // (kind, name), outermost first
  static constexpr size_t kMaxExpandedNodes = 4096;
  static constexpr int kMaxExpandedDepth = 100;
  size_t nodes_ = 0;  // visited in this check()
  int depth_ = 0;
  std::optional<Verdict> expansion_rejected_;  // the bound on expansion, once reported
};

}  // namespace sonde::sema
