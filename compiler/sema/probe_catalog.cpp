#include "compiler/sema/probe_catalog.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>

#include "compiler/kernel/tracepoint_btf.h"
#include "compiler/sema/functions_table.h"
#include "compiler/sema/probes.h"
#include "support/text.h"

namespace sonde::sema {
namespace {

constexpr size_t kMaxNamesShown = 8;

bool has_wildcard(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

bool matches(const std::string& pattern, const std::string& name) {
  return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

std::string value_names(const std::vector<kernel::SymbolicValue>& symbols) {
  std::vector<std::string> names;
  for (size_t i = 0; i < symbols.size() && i < kMaxNamesShown; ++i)
    names.push_back(symbols[i].name);
  if (symbols.size() > kMaxNamesShown) names.push_back("...");
  return fmt::format("values: {}", join(names, ", "));
}

std::vector<CatalogField> btf_params(const kernel::Btf& btf,
                                     const std::vector<kernel::Param>& params) {
  std::vector<CatalogField> out;
  for (size_t i = 0; i < params.size(); ++i) {
    std::string name =
        params[i].name.empty() ? fmt::format("arg{}", i) : std::string(params[i].name);
    out.push_back({name, btf.type_name(params[i].type), ""});
  }
  return out;
}

class Lister {
 public:
  Lister(const std::string& pattern, bool details, KernelInfo& kernel,
         const Definitions& definitions, const ast::SourceManager& sources)
      : details_(details), kernel_(kernel), defs_(definitions), sources_(sources) {
    std::string canonical = canonical_probe_text(pattern);
    // Without a wildcard, a word matches anywhere (`tcp`), and so does what follows a
    // kind: `tracepoint:tcp` lists the tracepoints `tcp` lists (completion filters by
    // prefix itself); a uprobe or usdt pattern names its binary whole (`uprobe:/bin/bash`).
    const bool exact = has_wildcard(canonical);
    const size_t colons = static_cast<size_t>(std::count(canonical.begin(), canonical.end(), ':'));
    const bool binary = canonical.starts_with("uprobe:") || canonical.starts_with("uretprobe:") ||
                        canonical.starts_with("usdt:");
    if (exact) {
      pattern_ = canonical;
    } else if (colons == 0) {
      pattern_ = fmt::format("*{}*", canonical);
    } else if (binary && colons < 2) {
      pattern_ = canonical;
    } else {
      const size_t kind_end = canonical.find(':');
      const size_t rest = binary ? canonical.find(':', kind_end + 1) + 1 : kind_end + 1;
      pattern_ = canonical.substr(0, rest) + "*" + canonical.substr(rest) + "*";
    }
    parts_ = split(pattern_, ':');
    if (parts_.size() > 1 && !has_wildcard(parts_[0])) kind_ = std::string(parts_[0]);
  }

  Result<std::vector<CatalogEntry>> run() {
    static const std::vector<std::string> kinds = [] {
      std::vector<std::string> k;
      for (const auto& kind : probe_kinds()) k.emplace_back(kind.name);
      k.insert(k.end(), {"span", "event", "decoder", "function"});
      return k;
    }();
    if (!kind_.empty() && std::find(kinds.begin(), kinds.end(), kind_) == kinds.end()) {
      return Error{fmt::format("unknown probe kind '{}'{}", kind_, did_you_mean(kind_, kinds)),
                   fmt::format("kinds: {}", join(kinds, ", "))};
    }
    // The kernel's probes first, then those of binaries.
    for (ProbeForm form : {ProbeForm::kTracepoint, ProbeForm::kRawTracepoint, ProbeForm::kPerfEvent,
                           ProbeForm::kProfile, ProbeForm::kKernelFunction,
                           ProbeForm::kUserFunction, ProbeForm::kUsdt}) {
      for (const auto& kind : probe_kinds()) {
        if (kind.form != form || !want(kind.name, kind.listed)) continue;
        if (Status s = probes(kind); !s) return s.error();
      }
    }
    if (want("span", true)) spans();
    if (want("event", true)) events();
    if (want("decoder", false)) calls("decoder", decoders());
    if (want("function", false)) calls("function", functions());
    return std::move(out_);
  }

 private:
  Status probes(const ProbeKindInfo& kind) {
    switch (kind.form) {
      case ProbeForm::kTracepoint:
        return tracepoints();
      case ProbeForm::kRawTracepoint:
        raw_tracepoints();
        return {};
      case ProbeForm::kPerfEvent:
        perf_events(kind.name, kind.events);
        return {};
      case ProbeForm::kProfile:
        add({"profile:hz:N",
             "every CPU, N times a second (or every N s, ms, us: profile:ms:N)",
             {},
             {}});
        return {};
      case ProbeForm::kKernelFunction:
        kernel_functions();
        return {};
      case ProbeForm::kUserFunction:
        return user_functions();
      case ProbeForm::kUsdt:
        return usdt_probes();
    }
    return {};
  }

  bool want(const char* kind, bool by_default) const {
    return kind_.empty() ? by_default : kind_ == kind;
  }

  void add(CatalogEntry entry) {
    if (matches(pattern_, entry.name)) out_.push_back(std::move(entry));
  }

  std::vector<CatalogField> aliases_of(const std::string& probe) const {
    std::vector<CatalogField> out;
    for (const auto* alias : defs_.aliases()) {
      if (!matches(canonical_probe_text(alias->probe.text), probe)) continue;
      out.push_back(
          {alias->name, "", fmt::format("alias for {}", sources_.text(alias->expr->range))});
    }
    return out;
  }

  std::vector<CatalogField> tracepoint_fields(const std::string& category,
                                              const std::string& name) {
    std::vector<CatalogField> out;
    auto format = kernel_.tracepoint(category, name);
    if (!format) return {{"?", "", format.error().message}};
    for (const auto& f : (*format)->fields) {
      if (!f.common)
        out.push_back({f.name, f.c_type, f.symbols.empty() ? "" : value_names(f.symbols)});
    }
    auto aliases = aliases_of(fmt::format("tracepoint:{}:{}", category, name));
    out.insert(out.end(), aliases.begin(), aliases.end());
    return out;
  }

  Status tracepoints() {
    auto list = kernel_.tracepoints();
    if (!list) return list.error();
    for (const auto& tp : **list) {
      CatalogEntry e{fmt::format("tracepoint:{}:{}", tp.category, tp.name), "", {}, {}};
      if (!matches(pattern_, e.name)) continue;
      if (details_) e.fields = tracepoint_fields(tp.category, tp.name);
      out_.push_back(std::move(e));
    }
    return {};
  }

  void raw_tracepoints() {
    auto btf = kernel_.btf();
    if (!btf) return;
    std::vector<std::string> names;
    for (auto n : (*btf)->names_with_prefix(kernel::TypeKind::kTypedef, "btf_trace_"))
      names.emplace_back(n.substr(10));
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      CatalogEntry e{"rawtracepoint:" + name, "", {}, {}};
      if (!matches(pattern_, e.name)) continue;
      if (details_) {
        if (auto params = kernel::btf_tracepoint_params(**btf, name))
          e.fields = btf_params(**btf, *params);
      }
      out_.push_back(std::move(e));
    }
  }

  void perf_events(const char* kind, std::span<const PerfEventName> table) {
    for (const auto& ev : table) {
      std::string summary =
          ev.default_period == 1
              ? fmt::format("every event; {}:{}:N samples every Nth", kind, ev.name)
              : fmt::format("every {}th event; {}:{}:N samples every Nth", ev.default_period, kind,
                            ev.name);
      if (ev.alias) summary += fmt::format("; also {}:{}", kind, ev.alias);
      add({fmt::format("{}:{}", kind, ev.name), summary, {}, {}});
    }
  }

  void kernel_functions() {
    auto btf = kernel_.btf();
    if (!btf) return;
    std::vector<std::string_view> names =
        (*btf)->names_with_prefix(kernel::TypeKind::kFunction, "");
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (auto name : names) {
      CatalogEntry e{fmt::format("{}:{}", kind_, name), "", {}, {}};
      if (!matches(pattern_, e.name)) continue;
      if (details_) {
        if (auto func = (*btf)->find(name, kernel::TypeKind::kFunction))
          e.fields = btf_params(**btf, (*btf)->params(*func));
      }
      out_.push_back(std::move(e));
    }
  }

  // The binary a uprobe or usdt pattern names, and the glob for what follows it.
  Result<std::string> binary(const char* form) {
    if (parts_.size() < 2 || parts_[1].empty() || has_wildcard(parts_[1])) {
      return Error{fmt::format("listing {} probes needs the path of a binary", kind_),
                   fmt::format("e.g. sonde list '{}'", form)};
    }
    std::string path = find_user_binary(std::string(parts_[1]));
    item_pattern_ =
        parts_.size() > 2 ? pattern_.substr(pattern_.find(':', kind_.size() + 1) + 1) : "*";
    return path;
  }

  Status user_functions() {
    auto path = binary("uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:mall*");
    if (!path) return path.error();
    auto functions = kernel_.functions(*path);
    if (!functions) return functions.error();
    for (const auto& f : **functions) {
      if (!matches(item_pattern_, f.name)) continue;
      std::string note = f.ifunc       ? "(an indirect function: cannot be probed by name)"
                         : f.ambiguous ? "(several versions: cannot be probed by name)"
                                       : "";
      out_.push_back({fmt::format("{}:{}:{}", kind_, *path, f.name), note, {}, {}});
    }
    return {};
  }

  Status usdt_probes() {
    auto path = binary("usdt:/usr/bin/python3:*");
    if (!path) return path.error();
    auto probes = kernel_.usdt_probes(*path);
    if (!probes) return probes.error();
    for (const auto& u : **probes) {
      if (!matches(item_pattern_, u.provider + ":" + u.name)) continue;
      out_.push_back({fmt::format("usdt:{}:{}:{}", *path, u.provider, u.name), "", {}, {}});
    }
    return {};
  }

  std::vector<std::string> source_lines(const ast::SourceRange& range) const {
    std::vector<std::string> lines;
    for (auto line : split(sources_.text(range), '\n')) lines.emplace_back(line);
    return lines;
  }

  void spans() {
    for (const auto* def : defs_.spans()) {
      std::string name = Definitions::span_name(*def);
      CatalogEntry e{"span:" + name, fmt::format("histogram log2 latency of {}", name), {}, {}};
      if (!matches(pattern_, e.name)) continue;
      if (details_) e.lines = source_lines(def->range);
      out_.push_back(std::move(e));
    }
  }

  void events() {
    for (const auto* def : defs_.events()) {
      CatalogEntry e{"event:" + def->name, canonical_probe_text(def->probe.text), {}, {}};
      if (def->where) e.summary += fmt::format(" where {}", sources_.text(def->where->range));
      if (!matches(pattern_, e.name)) continue;
      auto parts = split(e.summary, ':');
      if (details_ && parts.size() == 3 && parts[0] == "tracepoint") {
        e.fields = tracepoint_fields(std::string(parts[1]), std::string(split(parts[2], ' ')[0]));
      }
      out_.push_back(std::move(e));
    }
  }

  // Decoders and functions: what a call computes, for `sonde list decoder`.
  template <typename Table>
  void calls(const char* kind, const Table& table) {
    for (const auto& row : table) add({fmt::format("{}:{}", kind, row.name), row.help, {}, {}});
  }

  std::string pattern_;
  std::vector<std::string_view> parts_;  // views into pattern_ as first set
  std::string kind_;
  std::string item_pattern_;  // uprobe, usdt: the glob after the binary's path
  bool details_;
  KernelInfo& kernel_;
  const Definitions& defs_;
  const ast::SourceManager& sources_;
  std::vector<CatalogEntry> out_;
};

}  // namespace

Result<std::vector<CatalogEntry>> list_probes(const std::string& pattern, bool details,
                                              KernelInfo& kernel, const Definitions& definitions,
                                              const ast::SourceManager& sources) {
  return Lister(pattern, details, kernel, definitions, sources).run();
}

}  // namespace sonde::sema
