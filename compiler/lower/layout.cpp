#include "compiler/lower/layout.h"

#include <fmt/format.h>

#include "compiler/sema/probes.h"
#include "runtime/spec/aggregations.h"

namespace sonde::lower {
namespace {

using ast::Type;
using ast::TypeKind;
using sema::CheckedStatement;
using sema::ProgramRole;

uint32_t round8(uint32_t n) { return (n + 7) & ~7u; }

Slot make_slot(std::string field, const Type& t, uint32_t offset) {
  Slot s;
  s.field = std::move(field);
  s.offset = offset;
  if (t.kind == TypeKind::kString || (t.kind == TypeKind::kDecoded && t.buffer)) {
    s.size = t.size;
    s.slot_size = round8(t.size);
    s.text = true;
  } else {
    s.size = 8;
    s.slot_size = 8;
    s.is_signed = t.is_signed || t.kind == TypeKind::kStack;
  }
  return s;
}

// Slots one after the other, named `prefix` and their index.
std::vector<Slot> slots(const std::vector<Type>& types, const char* prefix, uint32_t& offset) {
  std::vector<Slot> out;
  for (size_t i = 0; i < types.size(); ++i) {
    out.push_back(make_slot(fmt::format("{}{}", prefix, i), types[i], offset));
    offset += out.back().slot_size;
  }
  return out;
}

// A number's decoder follows its type's signedness (ast::Type::decoder).
spec::Decoder decoder_of(const Type& t) {
  if (t.decoder == spec::Decoder::kUnsigned || t.decoder == spec::Decoder::kSigned)
    return t.is_signed ? spec::Decoder::kSigned : spec::Decoder::kUnsigned;
  return t.decoder;
}

spec::Probe probe_of(const sema::ResolvedProbe& p, std::string program, const CheckedStatement& s) {
  spec::Probe probe;
  probe.program = std::move(program);
  // raw_syscalls are hooked as raw tracepoints (sema/checked.h).
  probe.kind = p.raw_syscall ? spec::AttachKind::kRawTracepoint : p.kind->attach;
  probe.target = p.raw_syscall ? p.name : sema::probe_text(p.kind->target, p);
  probe.path = p.path;
  probe.provider = p.provider;
  probe.perf_type = p.perf_type;
  probe.perf_config = p.perf_config;
  probe.sample_period = p.sample_period;
  probe.sample_freq = p.sample_freq;
  probe.display = p.display;
  probe.origin = s.origin;
  probe.statement = s.index;
  return probe;
}

// A key of pid, tid or comm: its series describe processes and threads, which end.
bool is_process_key(const ast::Expr* e) {
  if (e == nullptr || e->kind != ast::ExprKind::kName ||
      e->binding.kind != ast::BindingKind::kBuiltin)
    return false;
  const ast::Builtin b = e->binding.builtin;
  return b == ast::Builtin::kPid || b == ast::Builtin::kTid || b == ast::Builtin::kComm;
}

bool keyed_by_process(const CheckedStatement& s) {
  for (const auto& prog : s.programs) {
    for (const auto& key : prog.keys) {
      if (is_process_key(key.get())) return true;
    }
    for (const auto& label : prog.start_labels) {  // span metrics' labels, taken at the start
      if (is_process_key(label.get())) return true;
    }
  }
  return false;
}

}  // namespace

std::string metric_map(uint32_t statement) { return fmt::format("sonde_m{}", statement); }
std::string stack_map(uint32_t statement) { return fmt::format("sonde_sk{}", statement); }
std::string start_map(uint32_t statement) { return fmt::format("sonde_st{}", statement); }

StatementLayout layout_statement(const CheckedStatement& s, uint32_t metric_slot,
                                 uint32_t span_slot, uint32_t span_capacity) {
  StatementLayout out;
  const uint32_t n = s.index;

  // The key: one slot per label, then the tgid when a label needs the process.
  std::vector<Type> label_types;
  for (const auto& label : s.labels) {
    label_types.push_back(label.type);
    out.stacks |= label.type.kind == TypeKind::kStack;
    out.key_pid |=
        label.type.decoder == spec::Decoder::kUsym || label.type.decoder == spec::Decoder::kUstack;
  }
  uint32_t key_size = 0;
  out.key = slots(label_types, "k", key_size);
  const int32_t pid_offset = out.key_pid ? static_cast<int32_t>(key_size) : -1;
  if (out.key_pid) key_size += 8;

  // The value, per CPU.
  const spec::AggregationInfo& aggregation = spec::aggregation_info(s.aggregation);
  uint32_t value_size = aggregation.value_size;
  if (aggregation.bucketed) {
    out.bucket_count = static_cast<uint32_t>(s.buckets.bounds.size()) + 1;
    value_size += sizeof(uint64_t) * out.bucket_count;
  }

  spec::Metric& m = out.metric;
  m.name = s.metric_name;
  m.help = s.help;
  m.aggregation = s.aggregation;
  m.buckets = s.buckets.scheme;
  m.bounds = s.buckets.bounds;
  m.unit = s.unit;
  m.value_signed = s.value_signed && !s.is_span;
  m.window_ns = s.window_ns;
  m.map = metric_map(n);
  m.keyed = !out.key.empty();
  m.key_size = m.keyed ? key_size : 4;  // unkeyed: a one-slot array, key u32 0
  m.value_size = value_size;
  m.max_entries = m.keyed ? s.capacity : 1;
  m.drop_index = metric_slot;
  m.statement = n;
  m.origin = s.origin;
  m.source = s.source;
  // docs/churn.md: a `ttl` clause; else series of processes and threads end after
  // kProcessSeriesTtlNs without an update, others stay (--series-ttl replaces these).
  m.ttl_from_statement = s.stmt != nullptr && s.stmt->ttl_ns.has_value();
  if (m.ttl_from_statement)
    m.ttl_ns = *s.stmt->ttl_ns;
  else if (m.keyed && keyed_by_process(s))
    m.ttl_ns = kProcessSeriesTtlNs;
  for (size_t i = 0; i < out.key.size(); ++i) {
    const Type& t = s.labels[i].type;
    spec::Label label;
    label.name = s.labels[i].name;
    label.offset = out.key[i].offset;
    label.size = out.key[i].size;
    label.decoder = decoder_of(t);
    if (t.symbols) {
      for (const auto& sym : *t.symbols) label.enum_names.push_back({sym.value, sym.name});
    }
    if (label.decoder == spec::Decoder::kKstack || label.decoder == spec::Decoder::kUstack)
      label.aux_map = stack_map(n);
    if (label.decoder == spec::Decoder::kUsym || label.decoder == spec::Decoder::kUstack) {
      label.pid_offset = pid_offset;
      for (const auto& prog : s.programs) {
        if (!prog.probe.path.empty()) label.binary = prog.probe.path;
      }
    }
    m.labels.push_back(std::move(label));
  }

  if (s.print) {
    spec::Events e;
    e.name = s.metric_name;
    e.fields = m.labels;
    for (auto& f : e.fields) {
      f.offset += kEventHeader;
      if (f.pid_offset >= 0) f.pid_offset += static_cast<int32_t>(kEventHeader);
    }
    e.record_size = kEventHeader + key_size;
    e.lost_index = metric_slot;
    e.statement = n;
    e.origin = s.origin;
    e.source = s.source;
    out.events = std::move(e);
  }

  if (s.is_span) {
    uint32_t key_offset = 0;
    out.span_key = slots(s.span_key_types, "k", key_offset);
    // Start values are read by name, after the timestamp; their offsets are not used.
    for (size_t i = 0; i < s.start_label_types.size(); ++i)
      out.start_values.push_back(make_slot(fmt::format("l{}", i), s.start_label_types[i], 0));
    spec::Span span;
    span.name = s.span_name;
    span.start_map = start_map(n);
    span.stats_index = span_slot;
    span.max_entries = span_capacity;
    span.statement = n;
    out.span = std::move(span);
  }

  // Programs: sonde_s<statement>_<p|a|b><n> (metric, span start, span end).
  uint32_t role_index[3] = {0, 0, 0};
  for (const auto& prog : s.programs) {
    const char* role = prog.role == ProgramRole::kMetric      ? "p"
                       : prog.role == ProgramRole::kSpanStart ? "a"
                                                              : "b";
    std::string fn =
        fmt::format("sonde_s{}_{}{}", n, role, role_index[static_cast<int>(prog.role)]++);
    out.probes.push_back(probe_of(prog.probe, std::move(fn), s));
  }
  return out;
}

}  // namespace sonde::lower
