#include "tools/sonde/repl/describe.h"

#include <fmt/format.h>

#include "compiler/sema/expr_checker.h"
#include "compiler/sema/naming.h"
#include "compiler/sema/probes.h"
#include "support/text.h"

namespace sonde::repl {
namespace {

constexpr size_t kMaxSymbolsShown = 8;

std::string symbol_names(const std::vector<kernel::SymbolicValue>& symbols) {
  std::vector<std::string> names;
  for (size_t i = 0; i < symbols.size() && i < kMaxSymbolsShown; ++i)
    names.push_back(symbols[i].name);
  if (symbols.size() > kMaxSymbolsShown) names.push_back("...");
  return join(names, ", ");
}

Description describe_probe(const std::string& text, driver::Compiler& compiler, bool color) {
  ast::SourceManager sources;
  ast::ProbeRef ref;
  ref.text = text;
  ref.range = {sources.add("<describe>", text), 0, static_cast<uint32_t>(text.size())};
  ast::Diagnostics diags;
  sema::ResolvedProbes resolved = sema::resolve_probe(ref, compiler.kernel(), diags);
  if (!resolved) return {false, diags.render(sources, color)};
  const std::vector<sema::ResolvedProbe>& probes = *resolved;

  const sema::ResolvedProbe& p = probes.front();
  std::string out = p.display;
  if (probes.size() > 1)
    out += fmt::format("  ({} probes match; this is the first)", probes.size());
  out += '\n';
  if (p.format || !p.args.empty()) out += "fields:\n";
  if (p.format) {
    for (const auto& f : p.format->fields) {
      if (f.common) continue;
      out += fmt::format("  {:<24} {}", f.name, f.c_type);
      if (!f.symbols.empty()) out += fmt::format("  (names: {})", symbol_names(f.symbols));
      out += '\n';
    }
  }
  for (const auto& a : p.args) out += fmt::format("  {:<24} {}\n", a.name, ast::describe(a.type));
  std::string canonical = sema::canonical_probe_text(text);
  for (const auto* alias : compiler.definitions().aliases()) {
    if (sema::canonical_probe_text(alias->probe.text) != canonical) continue;
    out += fmt::format("  {:<24} alias for {}\n", alias->name,
                       compiler.sources().text(alias->expr->range));
  }
  out += fmt::format("builtins: {}\n", join(sema::ExprChecker::builtin_names(p), " "));
  return {true, out};
}

}  // namespace

Description describe(const std::string& what, driver::Compiler& compiler, bool color) {
  std::vector<std::string> words;
  for (auto w : split(what, ' ')) {
    if (!trim(w).empty()) words.emplace_back(trim(w));
  }
  if (words.empty()) {
    return {false,
            "describe what? e.g. :describe tracepoint:sched:sched_switch, :describe exec, "
            ":describe block rq\n"};
  }
  const sema::Definitions& defs = compiler.definitions();
  if (words.size() == 1) {
    if (const ast::EventDef* event = defs.event(words[0])) {
      Description d = describe_probe(event->probe.text, compiler, color);
      d.text = fmt::format("{}\n{}", compiler.sources().text(event->range), d.text);
      return d;
    }
  }
  std::vector<std::pair<std::string, std::string>> params;
  if (const ast::SpanDef* span = defs.span(words, params)) {
    std::vector<std::string> labels;
    for (const auto& l : span->labels) {
      labels.push_back(l.label.empty() ? sema::derive_label_name(*l.expr, compiler.sources())
                                       : l.label);
    }
    std::string out = fmt::format("{}\n", compiler.sources().text(span->range));
    out += fmt::format("labels: {}\n",
                       labels.empty() ? "(none; use fields of its end probes)" : join(labels, " "));
    out += fmt::format("use it: histogram log2 latency of {}{}\n", join(words, " "),
                       labels.empty() ? "" : " by " + join(labels, ", "));
    return {true, out};
  }
  if (words.size() == 1) return describe_probe(words[0], compiler, color);
  return {false, fmt::format("no span is called '{}'\n", join(words, " "))};
}

}  // namespace sonde::repl
