#include "tests/e2e/generative/pipeline.h"

#include <fmt/format.h>
#include <unistd.h>

#include "compiler/sema/probes.h"
#include "runtime/bpf/object.h"
#include "runtime/session/relocation.h"

namespace sonde::gen {
namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The last `n` lines of a log: where the verifier says why it stopped.
std::string tail(const std::string& log, size_t n) {
  size_t at = log.size();
  while (at > 0 && n > 0) {
    at = log.rfind('\n', at - 1);
    if (at == std::string::npos) return log;
    --n;
  }
  return log.substr(at + 1);
}

// The first error of a rendered diagnostic list ("x:1:2: error: ..." -> "...").
std::string first_error(const ast::Diagnostics& diags) {
  for (const auto& d : diags.all()) {
    if (d.severity == ast::Severity::kError) return first_line(d.message);
  }
  return "(no error)";
}

// Names a label the way sema does for the simple expressions the stdlib labels with.
std::string label_name(const ast::KeyItem& k) {
  if (!k.label.empty()) return k.label;
  const ast::Expr& e = *k.expr;
  if (e.kind == ast::ExprKind::kName) return e.text;
  if (e.kind == ast::ExprKind::kCall && !e.args.empty() &&
      e.args[0]->kind == ast::ExprKind::kName &&
      (e.text == "ksym" || e.text == "usym" || e.text == "ntop" || e.text == "str"))
    return e.args[0]->text;
  return e.kind == ast::ExprKind::kCall ? e.text : "";
}

}  // namespace

const char* stage_name(Stage s) {
  switch (s) {
    case Stage::kRejected:
      return "rejected";
    case Stage::kLoaded:
      return "loaded";
    case Stage::kUnlocated:
      return "rejected without a located error";
    case Stage::kLowering:
      return "lowering";
    case Stage::kCompile:
      return "C compile";
    case Stage::kOpen:
      return "libbpf open";
    case Stage::kLoad:
      return "load (verifier)";
    case Stage::kAgentLoad:
      return "load against the whole kernel BTF";
    case Stage::kLeak:
      return "BPF objects left";
  }
  return "?";
}

bool is_failure(Stage s) { return s != Stage::kRejected && s != Stage::kLoaded; }

Pipeline::Pipeline() {
  driver::Options options;
  options.cache.enabled = false;  // every program really compiled
  compiler_ = std::make_unique<driver::Compiler>(options);
  if (auto kernel = btf::KernelBtf::open()) kernel_btf_ = std::move(kernel.value());
}

Pipeline::~Pipeline() = default;

Outcome Pipeline::run(const std::string& name, const std::string& text) {
  Outcome out;
  driver::Compiler& c = *compiler_;
  if (!c.check(name, text)) {
    // Rejected means diagnosed, at a place in the program.
    bool located = false, bug = false;
    for (const auto& d : c.diagnostics().all()) {
      if (d.severity != ast::Severity::kError) continue;
      located |= d.has_range;
      bug |= d.message.find("this is a bug in sonde") != std::string::npos;
    }
    out.stage = located && !bug ? Stage::kRejected : Stage::kUnlocated;
    out.message = first_error(c.diagnostics());
    out.detail = c.render();
    return out;
  }
  driver::Compilation compiled = c.compile(name, text);
  if (!compiled.ok) {
    out.stage = compiled.c_source.empty() ? Stage::kLowering : Stage::kCompile;
    out.message = first_error(c.diagnostics());
    // clang's first error line names what is wrong in the C.
    std::string rendered = c.render();
    if (size_t at = rendered.find("error: ", rendered.find('\n')); at != std::string::npos)
      out.message = first_line(rendered.substr(at));
    out.detail = rendered + "\n--- generated C ---\n" + compiled.c_source;
    return out;
  }
  // As every load path does (runtime/session/relocation.h): relocated against the part
  // of the kernel's BTF the object names; then against the whole kernel BTF, the
  // fallback when that part would not do.
  session::RelocationBtf chosen = session::choose_relocation_btf(compiled.program, kernel_btf_);
  out = load(compiled, chosen.subset, Stage::kLoad);
  if (out.stage != Stage::kLoaded || chosen.subset.empty()) return out;
  const std::vector<uint8_t> whole;
  Outcome agent = load(compiled, whole, Stage::kAgentLoad);
  agent.held.programs.insert(out.held.programs.begin(), out.held.programs.end());
  agent.held.maps.insert(out.held.maps.begin(), out.held.maps.end());
  agent.held.links.insert(out.held.links.begin(), out.held.links.end());
  return agent;
}

Outcome Pipeline::load(const driver::Compilation& compiled,
                       const std::vector<uint8_t>& relocation_btf, Stage failure) {
  Outcome out;
  {
    auto object = bpf::Object::open(compiled.program.object, "sonde", relocation_btf);
    if (!object) {
      out.stage = failure == Stage::kLoad ? Stage::kOpen : failure;
      out.message = first_line(object.error().message);
      out.detail = object.error().message + "\n" + object.error().hint;
      return out;
    }
    bpf::LoadOptions load;
    load.probes = compiled.program.probes;
    if (auto st = object->load(load); !st) {
      out.stage = failure;
      out.message = first_line(st.error().message);
      out.detail = st.error().message + "\nhint: " + st.error().hint;
      if (!object->failed_program().empty()) {
        out.detail +=
            fmt::format("\n--- end of the verifier log of {} ---\n{}", object->failed_program(),
                        tail(object->verifier_log(object->failed_program()), 25));
      }
      out.detail += "\n--- generated C ---\n" + compiled.c_source;
      return out;
    }
    out.held = e2e::bpf_objects_of(getpid());
  }
  // The Object is gone: nothing of it may stay held.
  e2e::BpfIds left = e2e::bpf_objects_of(getpid());
  if (!left.empty()) {
    out.stage = Stage::kLeak;
    out.message = "still held after the object was destroyed: " + left.to_string();
    return out;
  }
  out.stage = Stage::kLoaded;
  return out;
}

Stdlib read_stdlib(driver::Compiler& compiler) {
  compiler.load_stdlib();
  Stdlib out;
  const sema::Definitions& defs = compiler.definitions();
  for (const ast::SpanDef* span : defs.spans()) {
    StdlibSpan s;
    for (const auto& w : span->words) s.words.push_back(w.is_param ? "$" + w.text : w.text);
    for (const auto& end : span->ends)
      s.end_probes.push_back(sema::canonical_probe_text(end.probe.text));
    for (const auto& l : span->labels) {
      std::string n = label_name(l);
      if (!n.empty()) s.labels.push_back(n);
    }
    out.spans.push_back(std::move(s));
  }
  for (const ast::EventDef* e : defs.events()) {
    if (!e->probe.is_event_name)
      out.events.push_back({e->name, sema::canonical_probe_text(e->probe.text)});
  }
  for (const ast::AliasDef* a : defs.aliases()) {
    if (a->expr->kind == ast::ExprKind::kName)
      out.aliases.push_back({sema::canonical_probe_text(a->probe.text), a->name, a->expr->text});
  }
  return out;
}

}  // namespace sonde::gen
