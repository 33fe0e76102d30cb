#include "tests/e2e/generative/catalog.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "compiler/kernel/tracefs.h"
#include "compiler/kernel/tracepoint_btf.h"
#include "compiler/sema/btf_types.h"
#include "format/elf_catalog.h"

namespace sonde::gen {
namespace {

// How much sema reads of a string with no length of its own (a flexible `char name[]`,
// a __data_loc field).
using sema::kUnsizedStringBound;

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Tracepoints every catalog holds when the kernel has them: the ones with the field
// types the others may lack (symbolic values, byte arrays, __data_loc strings, typed
// pointers, syscall records).
constexpr const char* kAlwaysTracepoints[] = {"sched:sched_switch",
                                              "sched:sched_wakeup",
                                              "sched:sched_process_exec",
                                              "sched:sched_process_fork",
                                              "block:block_rq_issue",
                                              "block:block_rq_complete",
                                              "sock:inet_sock_set_state",
                                              "tcp:tcp_retransmit_skb",
                                              "raw_syscalls:sys_enter",
                                              "raw_syscalls:sys_exit",
                                              "timer:timer_start",
                                              "timer:hrtimer_start",
                                              "syscalls:sys_enter_openat",
                                              "syscalls:sys_exit_read",
                                              "irq:softirq_entry",
                                              "skb:kfree_skb",
                                              "kmem:kmalloc",
                                              "signal:signal_generate",
                                              "net:netif_receive_skb",
                                              "writeback:writeback_dirty_folio"};

constexpr const char* kAlwaysRaw[] = {
    "sched_switch",     "sched_wakeup", "block_rq_issue",     "block_rq_complete",
    "sock_recv_length", "sys_enter",    "sys_exit",           "tcp_retransmit_skb",
    "kfree_skb",        "timer_start",  "sched_process_exec", "inet_sock_set_state"};

constexpr const char* kPerfEvents[] = {
    "profile:hz:99",         "profile:ms:10",           "profile:us:500",
    "profile:s:1",           "software:cpu-clock",      "software:page-faults:100",
    "software:cs",           "software:task-clock",     "software:cpu-migrations:1",
    "software:minor-faults", "hardware:cycles:1000000", "hardware:instructions"};

template <typename T>
std::vector<T> sample(Rng& rng, std::vector<T> items, size_t n) {
  for (size_t i = 0; i < items.size() && i < n; ++i) {
    size_t j = i + rng.below(items.size() - i);
    std::swap(items[i], items[j]);
  }
  if (items.size() > n) items.resize(n);
  return items;
}

// Fields present in every probe with the same type.
std::vector<Field> common_fields(const std::vector<Probe>& probes) {
  std::vector<Field> out;
  for (const Field& f : probes.front().fields) {
    bool everywhere = true;
    for (const Probe& p : probes) {
      auto it = std::find_if(p.fields.begin(), p.fields.end(),
                             [&](const Field& g) { return g.name == f.name; });
      everywhere = everywhere && it != p.fields.end() && it->type.same(f.type);
    }
    if (everywhere) out.push_back(f);
  }
  return out;
}

}  // namespace

const char* probe_kind_name(ProbeKind k) {
  switch (k) {
    case ProbeKind::kTracepoint:
      return "tracepoint";
    case ProbeKind::kRawTracepoint:
      return "rawtracepoint";
    case ProbeKind::kUprobe:
      return "uprobe";
    case ProbeKind::kUretprobe:
      return "uretprobe";
    case ProbeKind::kUsdt:
      return "usdt";
    case ProbeKind::kPerfEvent:
      return "perf_event";
    case ProbeKind::kKprobe:
      return "kprobe";
    case ProbeKind::kKretprobe:
      return "kretprobe";
  }
  return "?";
}

bool usable_name(const std::string& name) {
  static const std::set<std::string> reserved = {"on", "where", "by", "as", "log2", "linear"};
  return is_identifier(name) && !reserved.count(name);
}

VType Catalog::type_of(uint32_t id) const {
  const kernel::Btf& btf = *btf_;
  const uint32_t r = btf.resolve(id);
  const kernel::Type t = btf.type(r);
  VType v;
  switch (t.kind) {
    case kernel::TypeKind::kInt:
      return VType::integer(t.size, t.is_signed);
    case kernel::TypeKind::kEnum: {
      v = VType::integer(t.size, t.is_signed);
      auto names = std::make_shared<std::vector<std::string>>();
      for (const auto& e : btf.enum_values(r)) {
        if (usable_name(std::string(e.name))) names->emplace_back(e.name);
      }
      if (!names->empty()) v.symbols = std::move(names);
      return v;
    }
    case kernel::TypeKind::kPointer:
      v.kind = Kind::kPointer;
      v.btf = btf.resolve(t.ref);
      return v;
    case kernel::TypeKind::kArray: {
      const kernel::Type elem = btf.type(btf.resolve(t.ref));
      if (elem.kind == kernel::TypeKind::kInt && elem.size == 1 &&
          (elem.is_char || elem.name == "char"))
        return VType::string(t.nelems ? t.nelems : kUnsizedStringBound);
      v.kind = Kind::kBytes;
      v.element_size = elem.size ? elem.size : 1;
      v.size = t.nelems * v.element_size;
      v.btf = r;
      return v;
    }
    case kernel::TypeKind::kStruct:
    case kernel::TypeKind::kUnion:
      v.kind = Kind::kRecord;
      v.size = t.size;
      v.btf = r;
      return v;
    default:
      v.kind = Kind::kOther;
      return v;
  }
}

bool Catalog::is_record(uint32_t id) const {
  const kernel::Type t = btf_->type(btf_->resolve(id));
  return (t.kind == kernel::TypeKind::kStruct || t.kind == kernel::TypeKind::kUnion) && t.vlen > 0;
}

const std::vector<Field>& Catalog::members(uint32_t record) {
  auto it = members_.find(record);
  if (it != members_.end()) return it->second;
  std::vector<Field> out;
  // Anonymous members are looked through (sema finds `a` of `struct { union { int a; }; }`).
  std::vector<uint32_t> pending = {record};
  for (size_t i = 0; i < pending.size() && i < 16; ++i) {
    for (const kernel::Member& m : btf_->members(pending[i])) {
      if (m.name.empty()) {
        if (is_record(m.type)) pending.push_back(btf_->resolve(m.type));
        continue;
      }
      Field f{std::string(m.name), type_of(m.type)};
      f.type.bitfield = m.bitfield_size != 0;
      if (usable_name(f.name)) out.push_back(std::move(f));
    }
  }
  return members_.emplace(record, std::move(out)).first->second;
}

std::optional<Probe> Catalog::tracepoint(const std::string& category, const std::string& name) {
  auto resolve = [this](std::string_view n) -> std::optional<int64_t> {
    if (auto c = btf_->find_enum_constant(n)) return c->value;
    return std::nullopt;
  };
  auto format = kernel::read_tracepoint_format(category, name, resolve);
  if (!format) return std::nullopt;
  std::optional<uint32_t> record = kernel::tracepoint_record_struct(*btf_, *format);
  Probe p;
  p.kind = ProbeKind::kTracepoint;
  p.spec = fmt::format("tracepoint:{}:{}", category, name);
  p.category = category;
  p.user_pointers = category == "syscalls";
  for (const kernel::TracepointField& f : format->fields) {
    if (f.common || !usable_name(f.name)) continue;
    Field field{f.name, {}};
    switch (f.kind) {
      case kernel::FieldKind::kInteger: {
        field.type = VType::integer(f.size, f.is_signed);
        auto names = std::make_shared<std::vector<std::string>>();
        for (const auto& s : f.symbols) {
          if (usable_name(s.name)) names->push_back(s.name);
        }
        if (!names->empty()) field.type.symbols = std::move(names);
        break;
      }
      case kernel::FieldKind::kPointer:
        field.type.kind = Kind::kPointer;
        if (record) {
          if (auto m = btf_->find_member(*record, f.name)) {
            VType t = type_of(m->type);
            if (t.kind == Kind::kPointer) field.type.btf = t.btf;
          }
        }
        break;
      case kernel::FieldKind::kCharArray:
        field.type = VType::string(f.array_len ? f.array_len : kUnsizedStringBound);
        break;
      case kernel::FieldKind::kArray:
        field.type.kind = Kind::kBytes;
        field.type.size = f.size;
        field.type.element_size = f.element_size ? f.element_size : 1;
        break;
      case kernel::FieldKind::kDataLoc:
        field.type = VType::string(kUnsizedStringBound);
        break;
      case kernel::FieldKind::kDataLocArray:
        field.type.kind = Kind::kOther;
        break;
    }
    p.fields.push_back(std::move(field));
  }
  return p;
}

std::optional<Probe> Catalog::raw_tracepoint(const std::string& name) {
  auto params = kernel::btf_tracepoint_params(*btf_, name);
  if (!params) return std::nullopt;
  Probe p;
  p.kind = ProbeKind::kRawTracepoint;
  p.spec = "rawtracepoint:" + name;
  for (size_t i = 0; i < params->size(); ++i) {
    const auto& param = (*params)[i];
    std::string n = param.name.empty() ? fmt::format("arg{}", i) : std::string(param.name);
    if (usable_name(n)) p.fields.push_back({n, type_of(param.type)});
  }
  return p;
}

std::optional<Probe> Catalog::kernel_function(const std::string& name, bool ret) {
  auto func = btf_->find(name, kernel::TypeKind::kFunction);
  if (!func) return std::nullopt;
  Probe p;
  p.kind = ret ? ProbeKind::kKretprobe : ProbeKind::kKprobe;
  p.spec = fmt::format("{}:{}", ret ? "kretprobe" : "kprobe", name);
  if (!ret) {
    auto params = btf_->params(*func);
    for (size_t i = 0; i < params.size(); ++i) {
      std::string n =
          params[i].name.empty() ? fmt::format("arg{}", i) : std::string(params[i].name);
      if (usable_name(n)) p.fields.push_back({n, type_of(params[i].type)});
    }
  }
  return p;
}

void Catalog::add_wildcards(Rng& rng, size_t count) {
  std::set<std::string> seen;
  for (size_t attempt = 0, added = 0; added < count && attempt < count * 40; ++attempt) {
    const bool raw = rng.chance(35);
    std::string category, name;
    if (raw) {
      name = rng.pick(raw_names_);
    } else {
      std::tie(category, name) = rng.pick(all_tracepoints_);
    }
    if (name.size() < 4) continue;
    std::string pattern = name.substr(0, static_cast<size_t>(rng.between(3, name.size() - 1)));
    pattern += rng.chance(80) ? "*" : "?*";
    if (seen.count(category + ":" + pattern)) continue;
    std::vector<Probe> matched;
    bool too_many = false;
    // Mostly a few probes; sometimes a few dozen (each is a BPF program to compile).
    const size_t limit = rng.chance(80) ? 6 : 24;
    if (raw) {
      for (const auto& n : raw_names_) {
        if (fnmatch(pattern.c_str(), n.c_str(), 0) != 0) continue;
        if (matched.size() == limit && (too_many = true)) break;
        if (auto p = raw_tracepoint(n)) matched.push_back(std::move(*p));
      }
    } else {
      for (const auto& [c, n] : all_tracepoints_) {
        if (c != category || fnmatch(pattern.c_str(), n.c_str(), 0) != 0) continue;
        if (matched.size() == limit && (too_many = true)) break;
        if (auto p = tracepoint(c, n)) matched.push_back(std::move(*p));
      }
    }
    if (too_many || matched.size() < 2) continue;
    seen.insert(category + ":" + pattern);
    Probe w;
    w.kind = raw ? ProbeKind::kRawTracepoint : ProbeKind::kTracepoint;
    w.spec = raw ? "rawtracepoint:" + pattern : fmt::format("tracepoint:{}:{}", category, pattern);
    w.category = category;
    w.user_pointers = category == "syscalls";
    w.wildcard = true;
    w.fields = common_fields(matched);
    probes_.push_back(std::move(w));
    ++added;
  }
}

Result<std::unique_ptr<Catalog>> Catalog::build(const CatalogOptions& options) {
  std::unique_ptr<Catalog> c(new Catalog());
  Rng rng(options.seed ^ 0xca7a1065ULL);
  auto btf = kernel::Btf::open();
  if (!btf) return btf.error();
  c->btf_ = *btf;
  c->workload_ = options.workload;

  // Classic tracepoints: a few from every category, and the ones above.
  auto list = kernel::list_tracepoints();
  if (!list) return list.error();
  std::map<std::string, std::vector<std::string>> by_category;
  for (const auto& tp : *list) {
    c->all_tracepoints_.emplace_back(tp.category, tp.name);
    by_category[tp.category].push_back(tp.name);
  }
  std::set<std::string> chosen;
  for (const char* always : kAlwaysTracepoints) chosen.insert(always);
  for (const auto& [category, names] : by_category) {
    for (const auto& n : sample(rng, names, options.tracepoints_per_category))
      chosen.insert(category + ":" + n);
  }
  for (const auto& full : chosen) {
    size_t colon = full.find(':');
    if (auto p = c->tracepoint(full.substr(0, colon), full.substr(colon + 1)))
      c->probes_.push_back(std::move(*p));
  }
  for (const auto& [category, name] : c->all_tracepoints_) {
    if (category != "syscalls" || !name.starts_with("sys_enter_")) continue;
    std::string syscall = name.substr(10);
    if (by_category["syscalls"].end() != std::find(by_category["syscalls"].begin(),
                                                   by_category["syscalls"].end(),
                                                   "sys_exit_" + syscall))
      c->syscalls_.push_back(syscall);
  }

  // Raw tracepoints with their BTF-typed arguments.
  for (auto n : c->btf_->names_with_prefix(kernel::TypeKind::kTypedef, "btf_trace_"))
    c->raw_names_.emplace_back(n.substr(10));
  std::sort(c->raw_names_.begin(), c->raw_names_.end());
  std::set<std::string> raw_chosen(std::begin(kAlwaysRaw), std::end(kAlwaysRaw));
  for (const auto& n : sample(rng, c->raw_names_, options.raw_tracepoints)) raw_chosen.insert(n);
  for (const auto& n : raw_chosen) {
    if (auto p = c->raw_tracepoint(n)) c->probes_.push_back(std::move(*p));
  }

  // Kernel functions: kprobes load here (they only fail to attach).
  std::vector<std::string> functions;
  for (auto n : c->btf_->names_with_prefix(kernel::TypeKind::kFunction, "")) {
    if (is_identifier(n)) functions.emplace_back(n);
  }
  std::sort(functions.begin(), functions.end());
  functions.erase(std::unique(functions.begin(), functions.end()), functions.end());
  for (const auto& n : sample(rng, functions, options.kernel_functions)) {
    if (auto p = c->kernel_function(n, rng.chance(30))) c->probes_.push_back(std::move(*p));
  }

  // The workload's functions and USDT probes.
  auto elf = format::elf_functions(options.workload);
  if (!elf) return Error{fmt::format("{}: {}", options.workload, elf.error().message)};
  for (const auto& f : *elf) {
    if (f.ifunc || f.ambiguous || f.name.find_first_of(" \t;{}#()\",") != std::string::npos)
      continue;
    for (ProbeKind k : {ProbeKind::kUprobe, ProbeKind::kUretprobe}) {
      Probe p;
      p.kind = k;
      p.spec = fmt::format("{}:{}:{}", probe_kind_name(k), options.workload, f.name);
      c->probes_.push_back(std::move(p));
    }
  }
  for (const char* pattern : {"sonde_probed_*", "sonde_*"}) {
    Probe p;
    p.kind = ProbeKind::kUprobe;
    p.spec = fmt::format("uprobe:{}:{}", options.workload, pattern);
    p.wildcard = true;
    c->probes_.push_back(std::move(p));
  }
  auto usdt = format::elf_usdt_probes(options.workload);
  if (!usdt) return Error{fmt::format("{}: {}", options.workload, usdt.error().message)};
  for (const auto& u : *usdt) {
    Probe p;
    p.kind = ProbeKind::kUsdt;
    p.spec = fmt::format("usdt:{}:{}:{}", options.workload, u.provider, u.name);
    c->probes_.push_back(std::move(p));
  }
  if (!usdt->empty()) {
    Probe p;
    p.kind = ProbeKind::kUsdt;
    p.spec = fmt::format("usdt:{}:{}:*", options.workload, usdt->front().provider);
    p.wildcard = true;
    c->probes_.push_back(std::move(p));
  }

  for (const char* spec : kPerfEvents) {
    Probe p;
    p.kind = ProbeKind::kPerfEvent;
    p.spec = spec;
    c->probes_.push_back(std::move(p));
  }

  c->add_wildcards(rng, options.wildcards);

  // Enumerators of a sample of the kernel's enums.
  auto enums = c->btf_->ids_with_prefix(kernel::TypeKind::kEnum, "");
  for (uint32_t id : sample(rng, enums, 48)) {
    auto values = c->btf_->enum_values(id);
    if (values.empty()) continue;
    std::string n(values[rng.below(values.size())].name);
    if (usable_name(n)) c->enum_constants_.push_back(n);
  }
  return c;
}

std::vector<const Probe*> Catalog::of_kind(ProbeKind k) const {
  std::vector<const Probe*> out;
  for (const auto& p : probes_) {
    if (p.kind == k) out.push_back(&p);
  }
  return out;
}

const Probe* Catalog::find(const std::string& spec) {
  for (const auto& p : probes_) {
    if (p.spec == spec) return &p;
  }
  if (auto it = on_demand_.find(spec); it != on_demand_.end()) return it->second.get();
  std::optional<Probe> p;
  if (spec.starts_with("tracepoint:")) {
    std::string rest = spec.substr(11);
    size_t colon = rest.find(':');
    if (colon != std::string::npos) p = tracepoint(rest.substr(0, colon), rest.substr(colon + 1));
  } else if (spec.starts_with("rawtracepoint:")) {
    p = raw_tracepoint(spec.substr(14));
  }
  auto& slot = on_demand_[spec];
  if (p) slot = std::make_unique<Probe>(std::move(*p));
  return slot.get();
}

}  // namespace sonde::gen
