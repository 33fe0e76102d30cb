#include "tools/sonde/repl/kernel_source.h"

#include "compiler/sema/definitions.h"
#include "compiler/sema/expr_checker.h"
#include "compiler/sema/naming.h"
#include "compiler/sema/probes.h"
#include "support/text.h"

namespace sonde::repl {
KernelSource::KernelSource(driver::Compiler& compiler, Numbers numbers)
    : compiler_(compiler), numbers_(std::move(numbers)) {}

const std::vector<kernel::TracepointName>& KernelSource::tracepoints() {
  static const std::vector<kernel::TracepointName> none;
  auto list = compiler_.kernel().tracepoints();
  return list ? **list : none;
}

std::vector<std::string> KernelSource::probe_kinds() {
  std::vector<std::string> out;
  for (const auto& k : sema::probe_kinds()) out.emplace_back(k.name);
  return out;
}

std::string KernelSource::canonical_kind(const std::string& kind) {
  std::string canonical = sema::canonical_probe_text(kind + ":");
  return canonical.substr(0, canonical.size() - 1);
}

std::vector<std::string> KernelSource::tracepoint_categories() {
  std::vector<std::string> out;
  for (const auto& t : tracepoints()) {
    if (out.empty() || out.back() != t.category) out.push_back(t.category);
  }
  return out;
}

std::vector<std::string> KernelSource::tracepoint_names(const std::string& category) {
  std::vector<std::string> out;
  for (const auto& t : tracepoints()) {
    if (category.empty() || t.category == category) out.push_back(t.name);
  }
  return out;
}

std::vector<std::string> KernelSource::event_names() {
  std::vector<std::string> out;
  for (const auto* e : compiler_.definitions().events()) out.push_back(e->name);
  return out;
}

std::vector<std::vector<std::string>> KernelSource::spans() {
  std::vector<std::vector<std::string>> out;
  for (const auto* def : compiler_.definitions().spans()) {
    std::vector<std::string> words;
    for (const auto& w : def->words) words.push_back(w.is_param ? "$" + w.text : w.text);
    out.push_back(std::move(words));
  }
  return out;
}

std::vector<std::string> KernelSource::span_parameter_values(const std::vector<std::string>& words,
                                                             size_t index) {
  std::vector<std::string> out;
  if (index >= words.size()) return out;
  const std::string& param = words[index];
  std::string name = join(words, " ");
  for (const auto* def : compiler_.definitions().spans()) {
    if (sema::Definitions::span_name(*def) != name) continue;
    // The names the parameter fills in a start probe: `tracepoint:syscalls:sys_enter_$name`
    // offers every `sys_enter_X` of the category.
    for (const auto& start : def->starts) {
      std::string probe = sema::canonical_probe_text(start.probe.text);
      auto parts = split(probe, ':');
      if (parts.size() != 3 || parts[0] != "tracepoint" ||
          parts[1].find('$') != std::string_view::npos)
        continue;
      size_t at = parts[2].find(param);
      if (at == std::string_view::npos) continue;
      std::string_view prefix = parts[2].substr(0, at), suffix = parts[2].substr(at + param.size());
      for (const auto& t : tracepoints()) {
        if (t.category != parts[1] || t.name.size() < prefix.size() + suffix.size()) continue;
        if (!t.name.starts_with(prefix) || !t.name.ends_with(suffix)) continue;
        out.push_back(t.name.substr(prefix.size(), t.name.size() - prefix.size() - suffix.size()));
      }
    }
  }
  return out;
}

std::vector<std::string> KernelSource::probe_names(const std::string& probe) {
  std::string text = probe;
  if (text.find(':') == std::string::npos) {
    const ast::EventDef* event = compiler_.definitions().event(text);
    if (event == nullptr) return {};
    text = event->probe.text;
  }
  ast::ProbeRef ref;
  ref.text = text;
  ast::Diagnostics ignored;
  std::vector<std::string> names;
  if (sema::ResolvedProbes probes = sema::resolve_probe(ref, compiler_.kernel(), ignored)) {
    names = sema::ExprChecker::field_names(probes->front());
    for (auto& b : sema::ExprChecker::builtin_names(probes->front())) names.push_back(std::move(b));
  }
  std::string canonical = sema::canonical_probe_text(text);
  for (const auto* alias : compiler_.definitions().aliases()) {
    if (sema::canonical_probe_text(alias->probe.text) == canonical) names.push_back(alias->name);
  }
  return names;
}

std::vector<std::string> KernelSource::span_statement_names(const std::vector<std::string>& words) {
  sema::Definitions::SpanParams params;
  const ast::SpanDef* def = compiler_.definitions().span(words, params);
  if (def == nullptr) return {};
  std::vector<std::string> names = {"latency"};
  for (const auto& label : def->labels) {
    names.push_back(label.label.empty() ? sema::derive_label_name(*label.expr, compiler_.sources())
                                        : label.label);
  }
  for (const auto& end : def->ends) {
    for (auto& n : probe_names(sema::substitute_params(end.probe.text, params)))
      names.push_back(std::move(n));
  }
  return names;
}

}  // namespace sonde::repl
