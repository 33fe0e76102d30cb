// What sema hands to lowering: every metric statement resolved against the kernel,
// with its probes, its checked expressions (one copy per BPF program, since types
// can differ between the probes of a wildcard or a span), its labels and its metric.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/kernel/tracefs.h"
#include "compiler/sema/probe_kinds.h"
#include "runtime/spec/program.h"

namespace sonde::sema {

// A typed argument of a BTF-described probe (raw tracepoints, kernel functions).
struct ProbeArg {
  std::string name;
  ast::Type type;
  uint32_t btf_type = 0;
};

struct ResolvedProbe {
  const ProbeKindInfo* kind = nullptr;  // its row in the table of probe kinds
  std::string display;                  // "tracepoint:timer:timer_start"
  std::string short_name;               // "timer_start": used to name metrics
  std::string category;                 // tracepoint category
  std::string name;                     // tracepoint / raw tracepoint / function / usdt probe name
  std::string path;                     // uprobe / usdt binary
  std::string symbol;                   // uprobe symbol
  std::string provider;                 // usdt provider
  uint32_t perf_type = 0;
  uint64_t perf_config = 0;
  uint64_t sample_period = 0;
  uint64_t sample_freq = 0;
  std::shared_ptr<const kernel::TracepointFormat> format;  // tracepoints
  uint32_t record_struct = 0;  // BTF struct of a tracepoint record (0: use format offsets)
  // raw_syscalls:sys_enter/sys_exit: hooked as raw tracepoints, which fire for the same
  // events ~35 ns cheaper (docs/performance.md); fields are read from the registers.
  bool raw_syscall = false;
  std::vector<ProbeArg> args;  // raw tracepoints, kprobes, fentry
  ast::ProbeRef ref;           // where the user wrote it
};

enum class ProgramRole : uint8_t { kMetric, kSpanStart, kSpanEnd };

// One BPF program: a statement's body on one probe.
struct ProbeProgram {
  ResolvedProbe probe;
  ProgramRole role = ProgramRole::kMetric;
  ast::ExprPtr where;   // may be null; for span endpoints, the endpoint's own condition
  ast::ExprPtr filter;  // kSpanEnd: the statement's condition, evaluated after pairing
  ast::ExprPtr value;   // kMetric: the aggregation's operand (null for count)
  // kMetric and kSpanEnd: one expression per metric label, or null when the label
  // comes from the span's start (then `key_from_start[i]` is the start label index).
  std::vector<ast::ExprPtr> keys;
  std::vector<int> key_from_start;
  std::vector<ast::ExprPtr> span_keys;     // kSpanStart/kSpanEnd: the span's key
  std::vector<ast::ExprPtr> start_labels;  // kSpanStart: labels stored with the start
};

struct Label {
  std::string name;
  ast::Type type;  // unified across the statement's programs
  ast::SourceRange range;
};

// A histogram's buckets (the rules are in stdlib/bpf/sonde/buckets.h): the finite
// upper bounds in raw units, and what the kernel finds a value's slot with.
struct Buckets {
  spec::BucketScheme scheme = spec::BucketScheme::kNone;
  std::vector<int64_t> bounds;
  int64_t low = 0;     // log2: the bound of the first power (>= 1); linear: the first bound
  uint64_t step = 0;   // linear
  uint32_t first = 0;  // log2: 1 when a bound of 0 comes before the powers
};

struct CheckedStatement {
  uint32_t index = 0;  // among metric statements
  const ast::MetricStmt* stmt = nullptr;
  std::string source;  // the statement's text
  std::string origin;  // "<input>:1:1"
  std::string metric_name;
  std::string help;
  spec::Aggregation aggregation = spec::Aggregation::kCount;
  Buckets buckets;  // histograms
  spec::Unit unit = spec::Unit::kNone;
  uint64_t window_ns = 0;  // min and max: the window they are kept over
  bool value_signed = false;
  std::vector<Label> labels;
  uint32_t capacity = 0;
  bool print = false;  // one record per event: `labels` are its fields (no metric map)
  // Spans.
  bool is_span = false;
  std::string span_name;                  // "block rq"
  std::vector<ast::Type> span_key_types;  // unified across starts and ends
  std::vector<ast::Type> start_label_types;
  std::vector<ProbeProgram> programs;
};

struct CheckedProgram {
  std::vector<CheckedStatement> statements;
  std::vector<spec::Slo> slos;  // `slo` statements, over the statements' metrics
};

}  // namespace sonde::sema
