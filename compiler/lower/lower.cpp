#include "compiler/lower/lower.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "compiler/lower/function_builder.h"

namespace sonde::lower {
namespace {

using ast::AggregationKind;
using ast::Display;
using ast::Type;
using ast::TypeKind;
using sema::CheckedStatement;
using sema::ProbeProgram;
using sema::ProgramRole;

uint32_t round8(uint32_t n) { return (n + 7) & ~7u; }

// One slot of a map key or a span start value.
struct Slot {
  std::string field;  // C member name
  std::string decl;   // C declaration of the member
  uint32_t offset = 0;
  uint32_t size = 0;       // bytes the decoder reads
  uint32_t slot_size = 0;  // bytes the slot takes (a multiple of 8)
  bool text = false;       // filled by fill_string
};

Slot make_slot(const std::string& field, const Type& t, uint32_t offset) {
  Slot s;
  s.field = field;
  s.offset = offset;
  if (t.kind == TypeKind::kString || (t.kind == TypeKind::kDecoded && t.buffer)) {
    s.size = t.size;
    s.slot_size = round8(t.size);
    s.decl = fmt::format("char {}[{}];", field, s.slot_size);
    s.text = true;
  } else {
    s.size = 8;
    s.slot_size = 8;
    s.decl =
        fmt::format("{} {};", t.is_signed || t.kind == TypeKind::kStack ? "__s64" : "__u64", field);
  }
  return s;
}

spec::Decoder decoder_of(const Type& t) {
  switch (t.display) {
    case Display::kNumber:
      return t.is_signed ? spec::Decoder::kSigned : spec::Decoder::kUnsigned;
    case Display::kString:
      return spec::Decoder::kString;
    case Display::kSymbols:
      return spec::Decoder::kEnum;
    case Display::kBool:
      return spec::Decoder::kBool;
    case Display::kKsym:
      return spec::Decoder::kKsym;
    case Display::kUsym:
      return spec::Decoder::kUsym;
    case Display::kKstack:
      return spec::Decoder::kKstack;
    case Display::kUstack:
      return spec::Decoder::kUstack;
    case Display::kSyscall:
      return spec::Decoder::kSyscall;
    case Display::kErrno:
      return spec::Decoder::kErrno;
    case Display::kInet:
      return spec::Decoder::kInet;
    case Display::kDisk:
      return spec::Decoder::kDisk;
    case Display::kBlockOp:
      return spec::Decoder::kBlockOp;
    case Display::kCgroup:
      return spec::Decoder::kCgroup;
  }
  return spec::Decoder::kUnsigned;
}

spec::Aggregation aggregation_of(AggregationKind k) {
  switch (k) {
    case AggregationKind::kCount:
      return spec::Aggregation::kCount;
    case AggregationKind::kSum:
      return spec::Aggregation::kSum;
    case AggregationKind::kMin:
      return spec::Aggregation::kMin;
    case AggregationKind::kMax:
      return spec::Aggregation::kMax;
    case AggregationKind::kAvg:
      return spec::Aggregation::kAvg;
    case AggregationKind::kGauge:
      return spec::Aggregation::kGauge;
    case AggregationKind::kHistogram:
      return spec::Aggregation::kHistogram;
  }
  return spec::Aggregation::kCount;
}

spec::BucketScheme scheme_of(const CheckedStatement& s) {
  if (s.aggregation != AggregationKind::kHistogram) return spec::BucketScheme::kNone;
  switch (s.buckets.scheme) {
    case ast::Scheme::kLinear:
      return spec::BucketScheme::kLinear;
    case ast::Scheme::kExplicit:
      return spec::BucketScheme::kExplicit;
    case ast::Scheme::kNone:
    case ast::Scheme::kLog2:
      break;
  }
  return spec::BucketScheme::kLog2;
}

spec::AttachKind attach_of(sema::ProbeKind k) {
  switch (k) {
    case sema::ProbeKind::kTracepoint:
      return spec::AttachKind::kTracepoint;
    case sema::ProbeKind::kRawTracepoint:
      return spec::AttachKind::kRawTracepoint;
    case sema::ProbeKind::kUprobe:
      return spec::AttachKind::kUprobe;
    case sema::ProbeKind::kUretprobe:
      return spec::AttachKind::kUretprobe;
    case sema::ProbeKind::kUsdt:
      return spec::AttachKind::kUsdt;
    case sema::ProbeKind::kProfile:
    case sema::ProbeKind::kSoftware:
    case sema::ProbeKind::kHardware:
      return spec::AttachKind::kPerfEvent;
    case sema::ProbeKind::kKprobe:
      return spec::AttachKind::kKprobe;
    case sema::ProbeKind::kKretprobe:
      return spec::AttachKind::kKretprobe;
    case sema::ProbeKind::kFentry:
      return spec::AttachKind::kFentry;
    case sema::ProbeKind::kFexit:
      return spec::AttachKind::kFexit;
  }
  return spec::AttachKind::kTracepoint;
}

class ProgramLowering {
 public:
  ProgramLowering(const sema::CheckedProgram& checked, sema::KernelInfo& kernel,
                  const Options& options)
      : checked_(checked), kernel_(kernel), options_(options) {}

  Result<Output> run() {
    auto btf = kernel_.btf();
    if (btf) types_ = std::make_unique<kernel::TypeEmitter>(*btf, options_.type_suffix);

    uint32_t spans = 0;
    for (const auto& s : checked_.statements) spans += s.is_span ? 1 : 0;
    Output out;
    out.program.drops_map = "sonde_drops";
    out.program.span_stats_map = "sonde_spans";
    uint32_t metric_slot = 0;
    uint32_t span_slot = 0;
    std::string definitions;
    for (const auto& s : checked_.statements) {
      definitions += statement(s, metric_slot, span_slot, out.program);
      ++metric_slot;
      if (s.is_span) ++span_slot;
    }
    bool usdt = false;
    for (const auto& p : out.program.probes) usdt |= p.kind == spec::AttachKind::kUsdt;

    std::string& c = out.c_source;
    c += "// Generated by sonde.\n";
    c += "#include <sonde/prelude.h>\n";
    if (usdt) {
      // usdt.bpf.h reads the instruction pointer through bpf_tracing.h's x86 macros,
      // with the kernel's pt_regs member names (the prelude's), as under vmlinux.h.
      c += "#define __TARGET_ARCH_x86\n#define __VMLINUX_H__\n";
      c += "#include <bpf/usdt.bpf.h>\n";
    }
    c += fmt::format("#define SONDE_DROP_SLOTS {}\n", std::max<uint32_t>(metric_slot, 1));
    c += fmt::format("#define SONDE_SPAN_SLOTS {}\n", std::max<uint32_t>(spans, 1));
    c += "#include <sonde/runtime.h>\n\n";
    if (types_) {
      c += "// Kernel types this program reads (from BTF; relocated by CO-RE).\n";
      c += types_->declarations();
      c += "\n";
    }
    c += definitions;
    return out;
  }

 private:
  std::string statement(const CheckedStatement& s, uint32_t metric_slot, uint32_t span_slot,
                        spec::Program& program) {
    std::string c = fmt::format("// {}: {}\n", s.origin, s.source);
    const uint32_t n = s.index;
    const std::string map = fmt::format("sonde_m{}", n);
    const std::string stacks = fmt::format("sonde_sk{}", n);
    const std::string starts = fmt::format("sonde_st{}", n);

    // Key layout.
    std::vector<Slot> slots;
    uint32_t offset = 0;
    bool needs_stacks = false, needs_pid = false;
    for (size_t i = 0; i < s.labels.size(); ++i) {
      const Type& t = s.labels[i].type;
      slots.push_back(make_slot(fmt::format("k{}", i), t, offset));
      offset += slots.back().slot_size;
      needs_stacks |= t.kind == TypeKind::kStack;
      needs_pid |= t.display == Display::kUsym || t.display == Display::kUstack;
    }
    int32_t pid_offset = -1;
    if (needs_pid) {
      pid_offset = static_cast<int32_t>(offset);
      offset += 8;
    }
    const bool keyed = !slots.empty();
    const uint32_t key_size = keyed ? offset : 4;

    // Value layout.
    uint32_t bucket_count = 0;
    std::string value_type;
    uint32_t value_size = 8;
    switch (s.aggregation) {
      case AggregationKind::kCount:
        value_type = "__u64";
        break;
      case AggregationKind::kSum:
        value_type = "__s64";
        break;
      case AggregationKind::kMin:
      case AggregationKind::kMax:
        value_type = "struct sonde_minmax";
        value_size = 32;
        break;
      case AggregationKind::kAvg:
        value_type = "struct sonde_avg";
        value_size = 16;
        break;
      case AggregationKind::kGauge:
        value_type = "struct sonde_gauge";
        value_size = 16;
        break;
      case AggregationKind::kHistogram:
        // One slot per bound, and one for values above them all.
        bucket_count = static_cast<uint32_t>(s.buckets.bounds.size()) + 1;
        value_type = fmt::format("struct sonde_v{}", n);
        value_size = 16 + 8 * bucket_count;
        c += fmt::format(
            "struct sonde_v{} {{\n  struct sonde_hist_head head;\n  __u64 buckets[{}];\n}};\n", n,
            bucket_count);
        if (s.buckets.scheme == ast::Scheme::kExplicit) {
          std::vector<std::string> bounds;
          for (int64_t b : s.buckets.bounds) bounds.push_back(fmt::format("{}LL", b));
          c += fmt::format("static const __s64 sonde_b{}[{}] = {{{}}};\n", n, bounds.size(),
                           fmt::join(bounds, ", "));
        }
        break;
    }
    if (keyed) {
      c += fmt::format("struct sonde_k{} {{\n", n);
      for (const auto& slot : slots) c += "  " + slot.decl + "\n";
      if (needs_pid) c += "  __u64 pid;\n";
      c += "};\n";
      c += fmt::format(
          "struct {{\n  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);\n  __uint(max_entries, {});\n"
          "  __type(key, struct sonde_k{});\n  __type(value, {});\n}} {} SEC(\".maps\");\n",
          s.capacity, n, value_type, map);
      c += fmt::format("static const {} sonde_z{} = {};\n", value_type, n,
                       value_type.starts_with("struct") ? "{}" : "0");
    } else {
      c += fmt::format(
          "struct {{\n  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);\n  __uint(max_entries, 1);\n"
          "  __type(key, __u32);\n  __type(value, {});\n}} {} SEC(\".maps\");\n",
          value_type, map);
    }
    if (needs_stacks) {
      c += fmt::format(
          "struct {{\n  __uint(type, BPF_MAP_TYPE_STACK_TRACE);\n  __uint(max_entries, {});\n"
          "  __uint(key_size, sizeof(__u32));\n  __uint(value_size, 127 * sizeof(__u64));\n}} {} "
          "SEC(\".maps\");\n",
          s.capacity, stacks);
    }

    // Span start map: key and the value stored at the start.
    std::vector<Slot> span_key_slots, start_slots;
    if (s.is_span) {
      uint32_t o = 0;
      for (size_t i = 0; i < s.span_key_types.size(); ++i) {
        span_key_slots.push_back(make_slot(fmt::format("k{}", i), s.span_key_types[i], o));
        o += span_key_slots.back().slot_size;
      }
      c += fmt::format("struct sonde_sk{}_key {{\n", n);
      for (const auto& slot : span_key_slots) c += "  " + slot.decl + "\n";
      c += "};\n";
      c += fmt::format("struct sonde_st{}_value {{\n  __u64 ts;\n", n);
      for (size_t i = 0; i < s.start_label_types.size(); ++i) {
        start_slots.push_back(make_slot(fmt::format("l{}", i), s.start_label_types[i], 0));
        c += "  " + start_slots.back().decl + "\n";
      }
      c += "};\n";
      c += fmt::format(
          "struct {{\n  __uint(type, BPF_MAP_TYPE_LRU_HASH);\n  __uint(max_entries, {});\n"
          "  __type(key, struct sonde_sk{}_key);\n  __type(value, struct sonde_st{}_value);\n}} {} "
          "SEC(\".maps\");\n",
          options_.span_capacity, n, n, starts);
      spec::Span span;
      span.name = s.span_name;
      span.start_map = starts;
      span.stats_index = span_slot;
      span.max_entries = options_.span_capacity;
      span.statement = n;
      program.spans.push_back(span);
    }

    // Programs.
    uint32_t role_index[3] = {0, 0, 0};
    for (const auto& prog : s.programs) {
      const char* role = prog.role == ProgramRole::kMetric      ? "p"
                         : prog.role == ProgramRole::kSpanStart ? "a"
                                                                : "b";
      std::string fn =
          fmt::format("sonde_s{}_{}{}", n, role, role_index[static_cast<int>(prog.role)]++);
      FunctionBuilder f(prog.probe, types_.get(), stacks);
      std::string param = f.context_parameter();
      if (prog.where) f.line(fmt::format("if (!({})) return 0;", f.condition(*prog.where)));
      if (prog.role == ProgramRole::kSpanStart) {
        span_start(f, s, prog, span_key_slots, start_slots, span_slot);
      } else {
        if (prog.role == ProgramRole::kSpanEnd) span_end(f, s, prog, span_key_slots, span_slot);
        record(f, s, prog, slots, needs_pid, keyed, map, metric_slot, value_type, bucket_count);
      }
      f.line("return 0;");
      c += fmt::format("SEC(\"{}\")\nint {}({}) {{\n{}}}\n", f.section(), fn, param, f.body());

      spec::Probe probe;
      probe.program = fn;
      probe.kind =
          prog.probe.raw_syscall ? spec::AttachKind::kRawTracepoint : attach_of(prog.probe.kind);
      probe.display = prog.probe.display;
      probe.origin = s.origin;
      probe.statement = n;
      switch (prog.probe.kind) {
        case sema::ProbeKind::kTracepoint:
          probe.target = prog.probe.raw_syscall ? prog.probe.name
                                                : prog.probe.category + ":" + prog.probe.name;
          break;
        case sema::ProbeKind::kUprobe:
        case sema::ProbeKind::kUretprobe:
          probe.path = prog.probe.path;
          probe.target = prog.probe.symbol;
          break;
        case sema::ProbeKind::kUsdt:
          probe.path = prog.probe.path;
          probe.provider = prog.probe.provider;
          probe.target = prog.probe.name;
          break;
        default:
          probe.target = prog.probe.name;
          break;
      }
      probe.perf_type = prog.probe.perf_type;
      probe.perf_config = prog.probe.perf_config;
      probe.sample_period = prog.probe.sample_period;
      probe.sample_freq = prog.probe.sample_freq;
      program.probes.push_back(std::move(probe));
    }
    c += "\n";

    // The metric the runtime exports.
    spec::Metric m;
    m.name = s.metric_name;
    m.help = s.help;
    m.aggregation = aggregation_of(s.aggregation);
    m.buckets = scheme_of(s);
    m.bounds = s.buckets.bounds;
    m.unit = s.unit;
    m.value_signed = s.value_signed && !s.is_span;
    m.window_ns = s.window_ns;
    m.map = map;
    m.keyed = keyed;
    m.key_size = key_size;
    m.value_size = value_size;
    m.max_entries = keyed ? s.capacity : 1;
    m.drop_index = metric_slot;
    m.statement = n;
    m.origin = s.origin;
    m.source = s.source;
    for (size_t i = 0; i < slots.size(); ++i) {
      spec::Label label;
      label.name = s.labels[i].name;
      label.offset = slots[i].offset;
      label.size = slots[i].size;
      label.decoder = decoder_of(s.labels[i].type);
      if (s.labels[i].type.symbols) {
        for (const auto& sym : *s.labels[i].type.symbols)
          label.enum_names.push_back({sym.value, sym.name});
      }
      if (label.decoder == spec::Decoder::kKstack || label.decoder == spec::Decoder::kUstack)
        label.aux_map = stacks;
      if (label.decoder == spec::Decoder::kUsym || label.decoder == spec::Decoder::kUstack) {
        label.pid_offset = pid_offset;
        for (const auto& prog : s.programs) {
          if (!prog.probe.path.empty()) label.binary = prog.probe.path;
        }
      }
      m.labels.push_back(std::move(label));
    }
    program.metrics.push_back(std::move(m));
    return c;
  }

  void store_slot(FunctionBuilder& f, const Slot& slot, const ast::Expr& e,
                  const std::string& object) {
    std::string dst = fmt::format("{}.{}", object, slot.field);
    if (slot.text) {
      f.fill_string(e, dst, slot.size);
    } else {
      f.line(fmt::format("{} = {};", dst, f.value(e)));
    }
  }

  void span_start(FunctionBuilder& f, const CheckedStatement& s, const ProbeProgram& prog,
                  const std::vector<Slot>& key_slots, const std::vector<Slot>& start_slots,
                  uint32_t span_slot) {
    const uint32_t n = s.index;
    f.line(fmt::format("struct sonde_sk{}_key key;", n));
    f.line("__builtin_memset(&key, 0, sizeof(key));");
    for (size_t i = 0; i < key_slots.size(); ++i)
      store_slot(f, key_slots[i], *prog.span_keys[i], "key");
    f.line(fmt::format("struct sonde_st{}_value start;", n));
    f.line("__builtin_memset(&start, 0, sizeof(start));");
    f.line("start.ts = bpf_ktime_get_ns();");
    for (size_t i = 0; i < start_slots.size(); ++i)
      store_slot(f, start_slots[i], *prog.start_labels[i], "start");
    f.line(fmt::format("sonde_span_start(&sonde_st{}, &key, &start, {});", n, span_slot));
  }

  void span_end(FunctionBuilder& f, const CheckedStatement& s, const ProbeProgram& prog,
                const std::vector<Slot>& key_slots, uint32_t span_slot) {
    const uint32_t n = s.index;
    f.line(fmt::format("struct sonde_sk{}_key skey;", n));
    f.line("__builtin_memset(&skey, 0, sizeof(skey));");
    for (size_t i = 0; i < key_slots.size(); ++i)
      store_slot(f, key_slots[i], *prog.span_keys[i], "skey");
    f.line(fmt::format("struct sonde_st{}_value *found = bpf_map_lookup_elem(&sonde_st{}, &skey);",
                       n, n));
    f.line("if (!found) return 0;");
    f.line("__u64 now = bpf_ktime_get_ns();");
    f.line("__u64 latency = now - found->ts;");
    f.line(fmt::format("struct sonde_st{}_value start = *found;", n));
    f.line(fmt::format("if (!sonde_span_claim(&sonde_st{}, &skey, {})) return 0;", n, span_slot));
    f.set_start_value("start");
    f.set_latency("latency");
    if (prog.filter) f.line(fmt::format("if (!({})) return 0;", f.condition(*prog.filter)));
  }

  void record(FunctionBuilder& f, const CheckedStatement& s, const ProbeProgram& prog,
              const std::vector<Slot>& slots, bool needs_pid, bool keyed, const std::string& map,
              uint32_t drop_slot, const std::string& value_type, uint32_t bucket_count) {
    const uint32_t n = s.index;
    std::string x;
    if (prog.role == ProgramRole::kSpanEnd)
      x = "(__s64)latency";
    else if (prog.value)
      x = f.value(*prog.value);
    if (!x.empty()) {
      f.line(fmt::format("__s64 x = (__s64)({});", x));
    }
    if (keyed) {
      f.line(fmt::format("struct sonde_k{} key;", n));
      f.line("__builtin_memset(&key, 0, sizeof(key));");
      for (size_t i = 0; i < slots.size(); ++i) {
        if (prog.keys[i]) {
          store_slot(f, slots[i], *prog.keys[i], "key");
        } else {
          int from = prog.key_from_start[i];
          if (slots[i].text)
            f.line(fmt::format("__builtin_memcpy(key.{}, start.l{}, sizeof(key.{}));",
                               slots[i].field, from, slots[i].field));
          else
            f.line(fmt::format("key.{} = start.l{};", slots[i].field, from));
        }
      }
      if (needs_pid) f.line("key.pid = bpf_get_current_pid_tgid() >> 32;");
      f.line(fmt::format("{} *v = sonde_lookup_or_init(&{}, &key, &sonde_z{}, {});", value_type,
                         map, n, drop_slot));
    } else {
      f.line("__u32 zero = 0;");
      f.line(fmt::format("{} *v = bpf_map_lookup_elem(&{}, &zero);", value_type, map));
    }
    f.line("if (!v) return 0;");
    switch (s.aggregation) {
      case AggregationKind::kCount:
        f.line("sonde_count(v);");
        break;
      case AggregationKind::kSum:
        f.line("sonde_sum(v, x);");
        break;
      case AggregationKind::kMin:
      case AggregationKind::kMax:
        // A span's end has just read the clock.
        f.line(fmt::format("sonde_{}(v, x, {} / {}ULL);",
                           s.aggregation == AggregationKind::kMin ? "min" : "max",
                           prog.role == ProgramRole::kSpanEnd ? "now" : "bpf_ktime_get_ns()",
                           s.window_ns));
        break;
      case AggregationKind::kAvg:
        f.line("sonde_avg(v, x);");
        break;
      case AggregationKind::kGauge:
        f.line("sonde_gauge(v, x);");
        break;
      case AggregationKind::kHistogram: {
        const sema::Buckets& b = s.buckets;
        const int is_signed = prog.role == ProgramRole::kSpanEnd ? 0 : s.value_signed;
        const size_t bounds = b.bounds.size();
        std::string slot;
        switch (b.scheme) {
          case ast::Scheme::kLinear:
            slot = fmt::format("sonde_linear_bucket(x, {}, {}LL, {}ULL, {})", is_signed, b.low,
                               b.step, bounds);
            break;
          case ast::Scheme::kExplicit:
            slot = fmt::format("sonde_explicit_bucket(x, {}, sonde_b{}, {})", is_signed, n, bounds);
            break;
          case ast::Scheme::kNone:
          case ast::Scheme::kLog2:
            slot = fmt::format("sonde_log2_bucket(x, {}, {}ULL, {}, {})", is_signed, b.low, b.first,
                               bounds);
            break;
        }
        f.line(fmt::format("sonde_hist(&v->head, v->buckets, {}, {}, x);", bucket_count, slot));
        break;
      }
    }
  }

  const sema::CheckedProgram& checked_;
  sema::KernelInfo& kernel_;
  const Options& options_;
  std::unique_ptr<kernel::TypeEmitter> types_;
};

}  // namespace

Result<Output> lower(const sema::CheckedProgram& checked, sema::KernelInfo& kernel,
                     const Options& options) {
  return ProgramLowering(checked, kernel, options).run();
}

}  // namespace sonde::lower
