#include "compiler/sema/probes.h"

#include <fmt/format.h>
#include <fnmatch.h>
#include <linux/perf_event.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "compiler/kernel/tracepoint_btf.h"
#include "compiler/sema/btf_types.h"
#include "support/text.h"

namespace sonde::sema {
namespace {

using ast::SourceRange;

class Resolver {
 public:
  Resolver(const ast::ProbeRef& ref, KernelInfo& kernel, ast::Diagnostics& diags)
      : ref_(ref), kernel_(kernel), diags_(diags) {}

  ResolvedProbes resolve() {
    parts_ = split(ref_.text, ':');
    kind_ = find_probe_kind(parts_[0]);
    if (!kind_) {
      std::vector<std::string> kinds;
      for (const auto& k : probe_kinds()) kinds.emplace_back(k.name);
      return error(
          part_range(0),
          fmt::format("unknown probe kind '{}'{}", parts_[0], did_you_mean(parts_[0], kinds)),
          fmt::format("probe kinds: {}", join(kinds, ", ")));
    }
    switch (kind_->form) {
      case ProbeForm::kTracepoint:
        return tracepoint();
      case ProbeForm::kRawTracepoint:
        return raw_tracepoint();
      case ProbeForm::kUserFunction:
        return uprobe();
      case ProbeForm::kUsdt:
        return usdt();
      case ProbeForm::kProfile:
        return profile();
      case ProbeForm::kPerfEvent:
        return perf_event();
      case ProbeForm::kKernelFunction:
        return kernel_function();
    }
    return error(ref_.range, "sonde cannot resolve this kind of probe (a bug in sonde)");
  }

 private:
  SourceRange part_range(size_t index) const {
    // Parts are separated by ':' in the probe token; map part index to its bytes.
    uint32_t begin = ref_.range.begin;
    size_t part = 0;
    const std::string& t = ref_.text;
    size_t i = 0;
    for (; i < t.size() && part < index; ++i) {
      if (t[i] == ':') ++part;
    }
    begin += static_cast<uint32_t>(i);
    size_t end = t.find(':', i);
    if (end == std::string::npos || index + 1 >= parts_.size()) end = t.size();
    return {ref_.range.file, begin, ref_.range.begin + static_cast<uint32_t>(std::max(end, i + 1))};
  }

  ast::Rejection error(SourceRange r, std::string message, std::string hint = {}) {
    return diags_.reject(r, std::move(message), std::move(hint));
  }

  ResolvedProbe base() const {
    ResolvedProbe p;
    p.kind = kind_;
    // Written as the kind's name, not its abbreviation (u:, p:): aliases are found by
    // matching this, and `probe` labels show it.
    p.display = canonical_probe_text(ref_.text);
    p.ref = ref_;
    return p;
  }

  Verdict expect_parts(size_t n) {
    const char* form = kind_->usage;
    if (parts_.size() != n ||
        std::any_of(parts_.begin(), parts_.end(), [](auto p) { return p.empty(); })) {
      return error(ref_.range, fmt::format("malformed probe '{}'", ref_.text),
                   fmt::format("write it as {}", form));
    }
    return accepted();
  }

  static bool has_wildcard(std::string_view s) {
    return s.find_first_of("*?[") != std::string_view::npos;
  }

  // What names the metric of a pattern: its literal words ("sys_enter_*" -> "sys_enter"),
  // or `fallback` when it has none.
  static std::string pattern_short_name(const std::string& pattern, const std::string& fallback) {
    std::string words;
    for (char c : pattern) {
      if (std::string_view("*?[]").find(c) == std::string_view::npos) words += c;
    }
    while (!words.empty() && words.back() == '_') words.pop_back();
    while (!words.empty() && words.front() == '_') words.erase(words.begin());
    if (words.empty()) return has_wildcard(fallback) ? "tracepoint" : fallback;
    return words;
  }

  // The candidates `pattern` matches: at most kMaxWildcardProbes, else an error at `at`.
  // `what` names one candidate in "no ... matches" ("function of '/bin/bash'"), `plural`
  // counts them ("functions"); `listing` says where to find names, `narrow` how to ask
  // for fewer.
  Checked<std::vector<std::string>> expand(const std::string& pattern,
                                           const std::vector<std::string>& candidates,
                                           SourceRange at, const std::string& what,
                                           const char* plural, const std::string& listing,
                                           const std::string& narrow = "narrow the pattern") {
    std::vector<std::string> out;
    for (const auto& c : candidates) {
      if (fnmatch(pattern.c_str(), c.c_str(), 0) == 0) out.push_back(c);
    }
    if (out.empty()) return error(at, fmt::format("no {} matches '{}'", what, pattern), listing);
    if (out.size() > kMaxWildcardProbes) {
      return error(at,
                   fmt::format("'{}' matches {} {}; at most {} can be attached by one statement",
                               ref_.text, out.size(), plural, kMaxWildcardProbes),
                   narrow);
    }
    return out;
  }

  ResolvedProbes tracepoint() {
    if (Verdict v = expect_parts(3); !v) return ResolvedProbes::rejected(v);
    std::string category(parts_[1]), name(parts_[2]);
    std::vector<std::pair<std::string, std::string>> matches;
    const bool wildcard = has_wildcard(category) || has_wildcard(name);
    if (wildcard) {
      auto list = kernel_.tracepoints();
      if (!list) return error(ref_.range, list.error().message, list.error().hint);
      std::vector<std::string> names;
      for (const auto& tp : **list) names.push_back(tp.category + ":" + tp.name);
      std::string listing =
          fmt::format("`sonde list 'tracepoint:{}:*'` shows the tracepoints of this kernel",
                      has_wildcard(category) ? "*" : category);
      std::string narrow = category == "syscalls"
                               ? "narrow the pattern, or for all syscalls use "
                                 "tracepoint:raw_syscalls:sys_enter with syscall(id)"
                               : "narrow the pattern";
      auto expanded = expand(fmt::format("{}:{}", category, name), names, ref_.range, "tracepoint",
                             "tracepoints", listing, narrow);
      if (!expanded) return ResolvedProbes::rejected(expanded.verdict());
      for (const auto& m : *expanded) {
        size_t colon = m.find(':');
        matches.emplace_back(m.substr(0, colon), m.substr(colon + 1));
      }
    } else {
      matches.emplace_back(category, name);
    }
    std::vector<ResolvedProbe> out;
    for (const auto& [cat, nm] : matches) {
      auto format = kernel_.tracepoint(cat, nm);
      if (!format) return unknown_tracepoint(cat, nm);
      ResolvedProbe p = base();
      p.category = cat;
      p.name = nm;
      p.short_name = wildcard ? pattern_short_name(name, category) : nm;
      p.display = fmt::format("tracepoint:{}:{}", cat, nm);
      p.format = format.value();
      if (auto btf = kernel_.btf()) {
        if (auto record = kernel::tracepoint_record_struct(**btf, *p.format))
          p.record_struct = *record;
      }
      p.raw_syscall = cat == "raw_syscalls" && (nm == "sys_enter" || nm == "sys_exit");
      out.push_back(std::move(p));
    }
    return out;
  }

  ast::Rejection unknown_tracepoint(const std::string& category, const std::string& name) {
    auto list = kernel_.tracepoints();
    if (!list) {
      return error(
          ref_.range,
          fmt::format("cannot read tracepoint {}:{}: {}", category, name, list.error().message),
          list.error().hint);
    }
    std::vector<std::string> categories, names;
    for (const auto& tp : **list) {
      if (categories.empty() || categories.back() != tp.category) categories.push_back(tp.category);
      if (tp.category == category) names.push_back(tp.name);
    }
    if (names.empty()) {
      return error(part_range(1),
                   fmt::format("unknown tracepoint category '{}'{}", category,
                               did_you_mean(category, categories)),
                   "`sonde list tracepoint` shows the tracepoints of this kernel");
    }
    std::string hint;
    if (names.size() <= 12)
      hint = fmt::format("tracepoints in '{}': {}", category, join(names, ", "));
    else
      hint = fmt::format("`sonde list 'tracepoint:{}:*'` shows the {} tracepoints in '{}'",
                         category, names.size(), category);
    return error(
        part_range(2),
        fmt::format("unknown tracepoint '{}:{}'{}", category, name, did_you_mean(name, names)),
        hint);
  }

  // Arguments named and typed by BTF parameters (unnamed ones are arg0, arg1, ...).
  static std::vector<ProbeArg> typed_args(const kernel::Btf& btf,
                                          const std::vector<kernel::Param>& params) {
    std::vector<ProbeArg> args;
    for (size_t i = 0; i < params.size(); ++i) {
      ProbeArg a;
      a.name = params[i].name.empty() ? fmt::format("arg{}", i) : std::string(params[i].name);
      a.btf_type = params[i].type;
      a.type = type_from_btf(btf, params[i].type);
      args.push_back(std::move(a));
    }
    return args;
  }

  ResolvedProbes raw_tracepoint() {
    if (Verdict v = expect_parts(2); !v) return ResolvedProbes::rejected(v);
    auto btf = kernel_.btf();
    if (!btf) return error(ref_.range, btf.error().message, btf.error().hint);
    std::string name(parts_[1]);
    std::vector<std::string> names;
    if (has_wildcard(name)) {
      std::vector<std::string> all;
      for (auto n : (*btf)->names_with_prefix(kernel::TypeKind::kTypedef, "btf_trace_")) {
        all.emplace_back(n.substr(10));
      }
      std::sort(all.begin(), all.end());
      auto expanded = expand(name, all, part_range(1), "raw tracepoint", "raw tracepoints",
                             "`sonde list 'rawtracepoint:*'` lists them");
      if (!expanded) return ResolvedProbes::rejected(expanded.verdict());
      names = std::move(*expanded);
    } else {
      names.push_back(name);
    }
    std::vector<ResolvedProbe> out;
    for (const auto& n : names) {
      auto params = kernel::btf_tracepoint_params(**btf, n);
      if (!params) return unknown_raw_tracepoint(**btf, n);
      ResolvedProbe p = base();
      p.name = n;
      p.short_name = has_wildcard(name) ? pattern_short_name(name, "rawtracepoint") : n;
      p.display = "rawtracepoint:" + n;
      p.args = typed_args(**btf, *params);
      out.push_back(std::move(p));
    }
    return out;
  }

  ast::Rejection unknown_raw_tracepoint(const kernel::Btf& btf, const std::string& name) {
    std::vector<std::string> names;
    for (auto n : btf.names_with_prefix(kernel::TypeKind::kTypedef, "btf_trace_")) {
      names.emplace_back(n.substr(10));
    }
    return error(
        part_range(1),
        fmt::format("unknown raw tracepoint '{}'{}", name, did_you_mean(name, names)),
        "raw tracepoints are named after the kernel's trace events (sched_switch, sys_enter, "
        "...)");
  }

  // The binary of a uprobe or USDT probe: a regular file. Reports an error otherwise.
  Verdict user_binary(const std::string& path, const char* example) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return accepted();
    std::string written(parts_[1]);
    bool exists = stat(path.c_str(), &st) == 0;
    return error(part_range(1),
                 exists ? fmt::format("'{}' is not a regular file", written)
                        : fmt::format("no such binary '{}'", written),
                 fmt::format("give the path of an executable or shared library, e.g. {}", example));
  }

  // The source range of parts [first, last].
  SourceRange parts_range(size_t first, size_t last) const {
    SourceRange r = part_range(first);
    r.end = part_range(last).end;
    return r;
  }

  Checked<std::vector<std::string>> uprobe_symbols(const std::string& path,
                                                   const std::string& symbol) {
    auto functions = kernel_.functions(path);
    if (!functions) {
      return error(
          part_range(1),
          fmt::format("cannot read the functions of '{}': {}", path, functions.error().message),
          "uprobes attach to ELF executables and shared libraries");
    }
    const std::vector<format::ElfFunction>& all = **functions;
    std::string listing = fmt::format("`sonde list 'uprobe:{}:*'` lists its functions", path);
    if (all.empty()) {
      return error(
          part_range(1), fmt::format("'{}' has no function symbols", path),
          "it is stripped; install its debug symbols (the -dbgsym package) or probe a USDT probe "
          "instead");
    }
    if (has_wildcard(symbol)) {
      // Indirect and ambiguous functions cannot be attached by name (see below): a
      // pattern skips them.
      std::vector<std::string> names;
      for (const auto& f : all) {
        if (!f.ifunc && !f.ambiguous) names.push_back(f.name);
      }
      return expand(symbol, names, part_range(2), fmt::format("function of '{}'", path),
                    "functions", listing);
    }
    if (symbol.find('@') != std::string::npos) {
      std::string base = symbol.substr(0, symbol.find('@'));
      return error(part_range(2),
                   fmt::format("'{}' names a version of '{}'; functions are probed by name only",
                               symbol, base),
                   fmt::format("write {}:{}:{}", parts_[0], parts_[1], base));
    }
    const std::string& base = symbol;
    auto it = std::lower_bound(
        all.begin(), all.end(), base,
        [](const format::ElfFunction& f, const std::string& n) { return f.name < n; });
    if (it == all.end() || it->name != base) {
      std::vector<std::string> names;
      names.reserve(all.size());
      for (const auto& f : all) names.push_back(f.name);
      return error(
          part_range(2),
          fmt::format("'{}' has no function '{}'{}", path, base, did_you_mean(base, names)),
          listing);
    }
    if (it->ambiguous) {
      return error(
          part_range(2),
          fmt::format("'{}' names several functions in '{}' (versions of it), so the name does "
                      "not say which "
                      "to probe",
                      base, path),
          "probe a function that calls it");
    }
    if (it->ifunc) {
      // libbpf 1.1 looks up only STT_FUNC symbols; the code that runs is whichever
      // implementation the resolver picked when the library was loaded.
      std::vector<std::string> implementations;
      for (const auto& f : all) {
        if (!f.ifunc && f.name != base && f.name.find(base) != std::string::npos &&
            f.name.starts_with("__")) {
          implementations.push_back(f.name);
        }
      }
      return error(
          part_range(2),
          fmt::format("'{}' in '{}' is an indirect function (IFUNC): the code that runs is an "
                      "implementation "
                      "chosen at load time, which sonde cannot attach to by this name",
                      base, path),
          implementations.empty()
              ? "probe a function that calls it"
              : fmt::format("probe an implementation instead: {}", join(implementations, ", ")));
    }
    return std::vector<std::string>{symbol};
  }

  ResolvedProbes uprobe() {
    const char* kind = kind_->name;
    if (Verdict v = expect_parts(3); !v) return ResolvedProbes::rejected(v);
    std::string path = find_user_binary(std::string(parts_[1]));
    if (Verdict v = user_binary(path, "uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc"); !v)
      return ResolvedProbes::rejected(v);
    std::string symbol(parts_[2]);
    auto symbols = uprobe_symbols(path, symbol);
    if (!symbols) return ResolvedProbes::rejected(symbols.verdict());
    std::vector<ResolvedProbe> out;
    for (const auto& sym : *symbols) {
      ResolvedProbe p = base();
      p.path = path;
      p.symbol = sym;
      p.short_name = has_wildcard(symbol) ? pattern_short_name(symbol, "uprobe") : sym;
      if (has_wildcard(symbol)) p.display = fmt::format("{}:{}:{}", kind, parts_[1], sym);
      out.push_back(std::move(p));
    }
    return out;
  }

  ResolvedProbes usdt() {
    if (Verdict v = expect_parts(4); !v) return ResolvedProbes::rejected(v);
    std::string path = find_user_binary(std::string(parts_[1]));
    if (Verdict v = user_binary(path, "usdt:/usr/bin/python3:python:function__entry"); !v)
      return ResolvedProbes::rejected(v);
    auto probes = kernel_.usdt_probes(path);
    if (!probes) {
      return error(
          part_range(1),
          fmt::format("cannot read the USDT probes of '{}': {}", path, probes.error().message),
          "USDT probes are declared in ELF executables and shared libraries");
    }
    std::vector<std::string> names;
    for (const auto& u : **probes) names.push_back(u.provider + ":" + u.name);
    if (names.empty()) {
      return error(
          part_range(1), fmt::format("'{}' has no USDT probes", path),
          "USDT probes are compiled in with <sys/sdt.h>; `readelf -n` shows them as stapsdt notes");
    }
    std::string written = fmt::format("{}:{}", parts_[2], parts_[3]);
    std::string listing =
        names.size() <= 12
            ? fmt::format("its USDT probes: {}", join(names, ", "))
            : fmt::format("`sonde list 'usdt:{}:*'` lists its {} USDT probes", path, names.size());
    std::vector<std::string> matches;
    if (has_wildcard(written)) {
      auto expanded =
          expand(written, names, parts_range(2, 3), "USDT probe", "USDT probes", listing);
      if (!expanded) return ResolvedProbes::rejected(expanded.verdict());
      matches = std::move(*expanded);
    } else if (std::find(names.begin(), names.end(), written) != names.end()) {
      matches.push_back(written);
    } else {
      return error(
          parts_range(2, 3),
          fmt::format("'{}' has no USDT probe '{}'{}", path, written, did_you_mean(written, names)),
          listing);
    }
    std::vector<ResolvedProbe> out;
    for (const auto& m : matches) {
      size_t colon = m.find(':');
      ResolvedProbe p = base();
      p.path = path;
      p.provider = m.substr(0, colon);
      p.name = m.substr(colon + 1);
      p.short_name =
          has_wildcard(written) ? pattern_short_name(std::string(parts_[3]), p.provider) : p.name;
      if (has_wildcard(written)) p.display = fmt::format("usdt:{}:{}", parts_[1], m);
      out.push_back(std::move(p));
    }
    return out;
  }

  Verdict positive_number(size_t index, uint64_t& out) {
    std::string text(parts_[index]);
    char* end = nullptr;
    errno = 0;
    // strtoull takes "-1" as 2^64 - 1: only digits are a number here.
    const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
    unsigned long long v = digits ? strtoull(text.c_str(), &end, 10) : 0;
    if (!digits || *end != '\0' || errno != 0 || v == 0) {
      return error(part_range(index), fmt::format("expected a positive number, found '{}'", text));
    }
    out = v;
    return accepted();
  }

  ResolvedProbes profile() {
    if (Verdict v = expect_parts(3); !v) return ResolvedProbes::rejected(v);
    std::string unit(parts_[1]);
    uint64_t n = 0;
    if (Verdict v = positive_number(2, n); !v) return ResolvedProbes::rejected(v);
    ResolvedProbe p = base();
    p.short_name = "profile";
    p.perf_type = kind_->perf_type;
    p.perf_config = PERF_COUNT_SW_CPU_CLOCK;
    // Bounds the kernel would enforce less clearly: perf refuses frequencies above
    // kernel.perf_event_max_sample_rate (100000 by default), and a period is at most an
    // hour and at least the 10 us a CPU clock sample can honour.
    constexpr uint64_t kMaxHz = 100000;
    constexpr uint64_t kMinPeriodNs = 10'000, kMaxPeriodNs = 3'600'000'000'000ULL;
    const uint64_t scale = unit == "s"    ? 1'000'000'000ULL
                           : unit == "ms" ? 1'000'000ULL
                           : unit == "us" ? 1'000ULL
                                          : 0;
    if (unit == "hz") {
      if (n > kMaxHz) {
        return error(part_range(2),
                     fmt::format("{} Hz is more than perf samples (at most {} Hz)", n, kMaxHz),
                     "kernel.perf_event_max_sample_rate bounds it; 99 Hz is the usual profile");
      }
      p.sample_freq = n;
    } else if (scale != 0) {
      if (n > kMaxPeriodNs / scale || n * scale < kMinPeriodNs) {
        return error(part_range(2),
                     fmt::format("a profile period of {}{} is outside 10us..1h", n, unit));
      }
      p.sample_period = n * scale;
    } else {
      return error(part_range(1), fmt::format("unknown profile unit '{}'", unit),
                   "use hz, s, ms or us: profile:hz:99");
    }
    return std::vector<ResolvedProbe>{std::move(p)};
  }

  ResolvedProbes perf_event() {
    const char* kind = kind_->name;
    if (parts_.size() != 2 && parts_.size() != 3) return ResolvedProbes::rejected(expect_parts(3));
    std::string event(parts_[1]);
    const PerfEventName* found = nullptr;
    std::vector<std::string> names;
    for (const auto& e : kind_->events) {
      names.emplace_back(e.name);
      if (event == e.name || (e.alias && event == e.alias)) found = &e;
    }
    if (!found) {
      // Aliases count for suggestions ("cycle" -> "cycles"), not in the list shown.
      std::vector<std::string> with_aliases = names;
      for (const auto& e : kind_->events) {
        if (e.alias) with_aliases.emplace_back(e.alias);
      }
      return error(
          part_range(1),
          fmt::format("unknown {} event '{}'{}", kind, event, did_you_mean(event, with_aliases)),
          fmt::format("{} events: {}", kind, join(names, ", ")));
    }
    ResolvedProbe p = base();
    p.name = found->name;
    p.short_name = std::string(found->name);
    std::replace(p.short_name.begin(), p.short_name.end(), '-', '_');
    p.perf_type = kind_->perf_type;
    p.perf_config = found->config;
    p.sample_period = found->default_period;
    if (parts_.size() == 3) {
      if (Verdict v = positive_number(2, p.sample_period); !v) return ResolvedProbes::rejected(v);
    }
    return std::vector<ResolvedProbe>{std::move(p)};
  }

  ResolvedProbes kernel_function() {
    const std::string kind = kind_->name;
    if (Verdict v = expect_parts(2); !v) return ResolvedProbes::rejected(v);
    auto btf = kernel_.btf();
    if (!btf) return error(ref_.range, btf.error().message, btf.error().hint);
    std::string name(parts_[1]);
    std::vector<std::string> names;
    if (has_wildcard(name)) {
      std::vector<std::string> all;
      for (auto n : (*btf)->names_with_prefix(kernel::TypeKind::kFunction, "")) all.emplace_back(n);
      std::sort(all.begin(), all.end());
      all.erase(std::unique(all.begin(), all.end()), all.end());
      auto expanded = expand(name, all, part_range(1), "kernel function", "kernel functions",
                             fmt::format("`sonde list '{}:PATTERN'` lists them", kind));
      if (!expanded) return ResolvedProbes::rejected(expanded.verdict());
      names = std::move(*expanded);
    } else {
      names.push_back(name);
    }
    std::vector<ResolvedProbe> out;
    for (const auto& n : names) {
      auto func = (*btf)->find(n, kernel::TypeKind::kFunction);
      if (!func) return unknown_kernel_function(**btf, kind, n);
      ResolvedProbe p = base();
      p.name = n;
      p.short_name = has_wildcard(name) ? pattern_short_name(name, kind) : n;
      p.display = fmt::format("{}:{}", kind, n);
      if (kind_->named_args) p.args = typed_args(**btf, (*btf)->params(*func));
      out.push_back(std::move(p));
    }
    return out;
  }

  ast::Rejection unknown_kernel_function(const kernel::Btf& btf, const std::string& kind,
                                         const std::string& name) {
    std::vector<std::string> names;
    for (auto n : btf.names_with_prefix(kernel::TypeKind::kFunction, "")) names.emplace_back(n);
    return error(
        part_range(1),
        fmt::format("unknown kernel function '{}'{}", name, did_you_mean(name, names)),
        fmt::format(
            "kernel functions are checked against the kernel's BTF; `sonde list '{}:PATTERN'` "
            "lists them",
            kind));
  }

  const ast::ProbeRef& ref_;
  KernelInfo& kernel_;
  ast::Diagnostics& diags_;
  std::vector<std::string_view> parts_;
  const ProbeKindInfo* kind_ = nullptr;
};

}  // namespace

std::string find_user_binary(const std::string& path) {
  // Absolute, so that the program means the same file wherever it is loaded from.
  std::error_code ignored;
  if (path.find('/') != std::string::npos)
    return std::filesystem::absolute(path, ignored).lexically_normal().string();
  std::vector<std::string_view> dirs;
  const char* env = getenv("PATH");
  if (path.find(".so") != std::string::npos) {
    dirs = {"/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnu",
            "/lib64",
            "/usr/lib64",
            "/lib",
            "/usr/lib",
            "/usr/local/lib"};
  } else {
    dirs = split(env ? env : "/usr/sbin:/usr/bin:/sbin:/bin", ':');
  }
  for (auto dir : dirs) {
    std::string candidate = fmt::format("{}/{}", dir, path);
    if (access(candidate.c_str(), R_OK) == 0) return candidate;
  }
  return path;
}

std::string probe_text(const char* format, const ResolvedProbe& probe) {
  return fmt::format(fmt::runtime(format), fmt::arg("name", probe.name),
                     fmt::arg("category", probe.category), fmt::arg("symbol", probe.symbol));
}

std::optional<std::string> func_name(const ResolvedProbe& probe) {
  if (!probe.kind || !probe.kind->func) return std::nullopt;
  return probe_text(probe.kind->func, probe);
}

ResolvedProbes resolve_probe(const ast::ProbeRef& ref, KernelInfo& kernel,
                             ast::Diagnostics& diags) {
  return Resolver(ref, kernel, diags).resolve();
}

}  // namespace sonde::sema
