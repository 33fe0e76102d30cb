// The owned AST. Nodes carry source ranges; sema fills the `type` and `binding`
// slots in place, so later passes see a checked program without a second tree.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compiler/ast/source.h"
#include "compiler/ast/types.h"

namespace sonde::ast {

enum class ExprKind : uint8_t { kNumber, kString, kName, kCall, kMember, kIndex, kUnary, kBinary };

enum class Op : uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kShl,
  kShr,
  kBitAnd,
  kBitOr,
  kBitXor,
  kLt,
  kLe,
  kGt,
  kGe,
  kEq,
  kNe,
  kAnd,
  kOr,
  kNot,
  kNeg,
  kBitNot,
};
const char* op_spelling(Op op);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// What a name (or a call) turned out to mean; set by sema. Aliases and span labels
// are substituted in place by sema, so lowering never sees them.
enum class BindingKind : uint8_t {
  kUnresolved,
  kField,       // a field of the probe: `field` names it
  kBuiltin,     // pid, tid, comm, ...: `builtin`
  kConstant,    // an enum constant: `constant`
  kStartLabel,  // span end: a label stored when the span started (`index`)
  kDecoder,     // a call to a user-space decoder (ksym, syscall, ...): key only
  kFunction,    // a call computed in BPF (str, op, ...)
  kMember,      // member of a BTF struct (through a pointer or by value)
};

enum class Builtin : uint8_t {
  kPid,
  kTid,
  kComm,
  kCpu,
  kUid,
  kGid,
  kCgroup,
  kNsecs,
  kKstack,
  kUstack,
  kRetval,
  kArg,      // uprobes: retval, arg0..arg5 (`index`)
  kLatency,  // span statements: the measured latency (ns)
  kProbe,    // which probe fired: `index` into the label's table of probe names
  kFunc,     // its function, event or USDT probe name: as kProbe, from a table of those
};

struct Binding {
  BindingKind kind = BindingKind::kUnresolved;
  std::string field;
  Builtin builtin = Builtin::kPid;
  uint32_t index = 0;
  int64_t constant = 0;
};

struct Expr {
  ExprKind kind = ExprKind::kNumber;
  SourceRange range;
  uint64_t number = 0;        // kNumber, two's complement
  std::string text;           // kString: the value; kName/kCall/kMember: the name
  Op op = Op::kAdd;           // kUnary/kBinary
  std::vector<ExprPtr> args;  // operands, call arguments, member object, index pair
  // Filled by sema.
  Type type;
  Binding binding;

  ExprPtr clone() const;
};

struct ProbeRef {
  std::string text;  // "tracepoint:timer:timer_start" or an event name
  bool is_event_name = false;
  SourceRange range;
};

// What a number's suffix says it measures: `10ms` a duration, `4KiB` a size.
enum class NumberUnit : uint8_t { kNone, kDuration, kSize };

// A number of a bucket scheme, in raw units (ns, bytes).
struct SchemeNumber {
  int64_t value = 0;
  NumberUnit unit = NumberUnit::kNone;
  SourceRange range;
};

struct Aggregation {
  spec::Aggregation kind = spec::Aggregation::kCount;
  spec::BucketScheme scheme = spec::BucketScheme::kNone;
  // log2: none (the default range) or (low, high); linear: (low, high, step);
  // explicit: the bounds as written.
  std::vector<SchemeNumber> args;
  SourceRange range;
  SourceRange scheme_range;
};

struct KeyItem {
  std::string label;  // explicit label name, empty when derived from the expression
  SourceRange label_range;
  bool named_with_as = false;  // `expr as name` (vs `name = expr`)
  ExprPtr expr;
  SourceRange range;
};

struct MetricStmt {
  bool is_span = false;
  bool print = false;  // `on PROBE print EXPR, ...`: one record per event; `keys` are the fields
  ProbeRef probe;      // !is_span
  std::vector<std::string> span;  // is_span: the span's words ("block", "rq")
  SourceRange span_range;
  ExprPtr where;
  Aggregation aggregation;
  ExprPtr value;  // operand of the aggregation; null for count and span forms
  std::vector<KeyItem> keys;
  std::optional<uint64_t> capacity;
  SourceRange capacity_range;
  std::optional<uint64_t> ttl_ns;  // `ttl D`: 0 keeps series for ever
  SourceRange ttl_range;
  std::string name;  // `as NAME`
  SourceRange name_range;
  SourceRange range;
};

struct SpanEndpoint {
  ProbeRef probe;
  ExprPtr where;
  std::vector<ExprPtr> keys;
  SourceRange range;
};

struct SpanWord {
  std::string text;
  bool is_param = false;  // `$name`
};

struct SpanDef {
  std::vector<SpanWord> words;
  std::vector<SpanEndpoint> starts;
  std::vector<SpanEndpoint> ends;
  std::vector<KeyItem> labels;
  SourceRange name_range;
  SourceRange range;
};

struct EventDef {
  std::string name;
  SourceRange name_range;
  ProbeRef probe;
  ExprPtr where;
  SourceRange range;
};

struct AliasDef {
  ProbeRef probe;
  std::string name;
  SourceRange name_range;
  ExprPtr expr;
  SourceRange range;
};

struct UseStmt {
  std::string path;
  SourceRange range;
};

// `slo "NAME" objective P% [window W]: INDICATOR`: good events / all events of
// metrics of the program (docs/slo.md).
enum class SloForm : uint8_t {
  kBucket,    // METRIC <= BOUND [where LABELS]: a histogram's bucket over its count
  kFiltered,  // COUNTER where LABELS: the counter's matching series over all of it
  kRatio,     // GOOD / ALL [where LABELS]: two counters
};

struct SloStmt {
  std::string name;
  SourceRange name_range;
  double objective = 0;        // a fraction: 99.5% is 0.995
  std::string objective_text;  // "99.5"
  SourceRange objective_range;
  uint64_t window_seconds = 30 * 24 * 3600;
  std::string window_text;  // "30d"
  SourceRange window_range;
  SloForm form = SloForm::kBucket;
  std::string metric;  // kRatio: the good counter
  SourceRange metric_range;
  std::string total;  // kRatio: the counter of all events
  SourceRange total_range;
  SchemeNumber threshold;  // kBucket
  ExprPtr where;
  SourceRange range;
};

using Statement = std::variant<MetricStmt, SpanDef, EventDef, AliasDef, UseStmt, SloStmt>;

struct Program {
  std::vector<Statement> statements;
};

SourceRange statement_range(const Statement& s);

}  // namespace sonde::ast
