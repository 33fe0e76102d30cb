#include "compiler/driver/compiler.h"

#include "support/file_bytes.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <filesystem>
#include <optional>
#include <thread>

#include "compiler/clang/compile.h"
#include "compiler/lower/lower.h"
#include "compiler/parse/parser.h"
#include "stdlib/embedded.h"
#include "support/text.h"

namespace sonde::driver {

namespace {

constexpr int kMaxUseDepth = 16;
constexpr const char* kIncludeRoot = "/sonde/include";

std::string directory_of(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  return dir.empty() ? "." : dir.string();
}

std::shared_ptr<sema::KernelInfo> kernel_or_running(std::shared_ptr<sema::KernelInfo> kernel) {
  return kernel ? std::move(kernel) : std::make_shared<sema::RunningKernel>();
}

CacheOptions for_kernel(CacheOptions options, sema::KernelInfo& kernel) {
  options.kernel = kernel.identity();
  return options;
}

// The generated C and the stdlib's headers, the only files a compile can read.
clang_bpf::CompileInput compile_input(const std::string& c_source) {
  clang_bpf::CompileInput input;
  input.main_file = "/sonde/program.bpf.c";
  input.files[input.main_file] = c_source;
  input.include_dirs.push_back(kIncludeRoot);
  for (const auto& f : stdlib::embedded_files()) {
    if (f.path.starts_with("bpf/"))
      input.files[fmt::format("{}/{}", kIncludeRoot, f.path.substr(4))] = std::string(f.text);
  }
  for (const auto& f : stdlib::libbpf::embedded_files()) {
    input.files[fmt::format("{}/bpf/{}", kIncludeRoot, f.path)] = std::string(f.text);
  }
  return input;
}

}  // namespace

Compiler::Compiler(Options options)
    : options_(std::move(options)),
      sources_(std::make_unique<ast::SourceManager>()),
      kernel_(kernel_or_running(options_.kernel)),
      cache_(for_kernel(options_.cache, *kernel_)) {}

Compiler::~Compiler() = default;

void Compiler::load_stdlib() {
  if (stdlib_loaded_ || !options_.use_stdlib) return;
  stdlib_loaded_ = true;
  for (const auto& f : stdlib::embedded_files()) {
    if (!f.path.ends_with(".sonde")) continue;
    uint32_t file = sources_->add(fmt::format("<stdlib>/{}", f.path), std::string(f.text));
    auto program = std::make_unique<ast::Program>(parse::parse(*sources_, file, diags_));
    definitions_.add(*program, *sources_, diags_);
    programs_.push_back(std::move(program));
  }
}

bool Compiler::load_uses(const ast::Program& program, uint32_t file, sema::Definitions& defs,
                         int depth) {
  for (const auto& statement : program.statements) {
    const auto* use = std::get_if<ast::UseStmt>(&statement);
    if (!use) continue;
    if (depth > kMaxUseDepth) {
      diags_.error(use->range, "files 'use' each other too deeply (a cycle?)");
      return false;
    }
    std::string base = sources_->file(file).name();
    std::string path = use->path;
    if (!path.empty() && path[0] != '/') {
      path = fmt::format(
          "{}/{}", base.empty() || base[0] == '<' ? std::string(".") : directory_of(base), path);
    }
    auto text = read_user_file(path);
    if (!text) {
      const bool missing = text.error().message.ends_with(std::strerror(ENOENT));
      diags_.error(use->range, fmt::format("cannot use '{}': {}", use->path, text.error().message),
                   missing ? "paths in 'use' are relative to the file that uses them" : "");
      return false;
    }
    uint32_t used = sources_->add(path, *text);
    auto parsed = std::make_unique<ast::Program>(parse::parse(*sources_, used, diags_));
    if (diags_.has_errors()) return false;
    for (const auto& s : parsed->statements) {
      if (std::holds_alternative<ast::MetricStmt>(s) || std::holds_alternative<ast::SloStmt>(s)) {
        diags_.error(ast::statement_range(s),
                     "a used file may only hold definitions (span, event, alias, use)",
                     "put statements in the program itself, or run this file directly");
        return false;
      }
    }
    defs.add(*parsed, *sources_, diags_);
    if (!load_uses(*parsed, used, defs, depth + 1)) return false;
    programs_.push_back(std::move(parsed));
  }
  return true;
}

// The kernel BTF's type index (~9M instructions: ~5 ms) is built on another CPU while
// this one parses: ANTLR's first parse in a process costs about as much, whatever the
// text. Joined before checking; lookups would wait for the index anyway.
class Compiler::BtfWarmUp {
 public:
  explicit BtfWarmUp(sema::KernelInfo& kernel) {
    if (auto btf = kernel.btf()) {
      thread_ = std::thread([btf = *btf] { btf->find("task_struct", kernel::TypeKind::kStruct); });
    }
  }
  ~BtfWarmUp() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread thread_;
};

bool Compiler::front_end(const std::string& name, const std::string& text,
                         sema::CheckedProgram& checked) {
  diags_.clear();
  std::optional<BtfWarmUp> warm_up;
  if (!btf_warmed_) {
    btf_warmed_ = true;
    warm_up.emplace(*kernel_);
  }
  load_stdlib();
  if (diags_.has_errors()) return false;  // a broken stdlib is our bug, but say so clearly
  uint32_t file = sources_->add(name, text);
  auto program = std::make_unique<ast::Program>(parse::parse(*sources_, file, diags_));
  if (diags_.has_errors()) return false;

  bool has_metric = false;
  for (const auto& s : program->statements)
    has_metric |= std::holds_alternative<ast::MetricStmt>(s);
  if (program->statements.empty()) {
    diags_.error_global(
        "the program is empty",
        "write a statement, e.g. on tracepoint:sched:sched_process_exec count by comm");
    return false;
  }

  // Definitions of this input join a copy, so a failed compile leaves no trace.
  sema::Definitions defs = definitions_;
  if (!load_uses(*program, file, defs, 0)) return false;
  defs.add(*program, *sources_, diags_);
  if (diags_.has_errors()) return false;
  for (const auto& s : program->statements) {
    if (const auto* slo = std::get_if<ast::SloStmt>(&s); slo && !has_metric) {
      diags_.error(slo->metric_range,
                   "an SLO is stated over a metric of the program, and this program measures "
                   "nothing",
                   "add the statement that measures it, e.g. histogram buckets(1ms, 10ms) "
                   "latency of syscall read as " +
                       slo->metric);
      return false;
    }
  }
  if (!has_metric && !keep_definitions_) {
    diags_.error_global("the program defines things but measures nothing",
                        "add a statement that uses them, e.g. histogram log2 latency of SPAN");
    return false;
  }
  if (warm_up) warm_up->join();
  checked = sema::check(*program, defs, *kernel_, *sources_, diags_, options_.sema);
  if (diags_.has_errors()) return false;
  if (keep_definitions_) definitions_ = std::move(defs);
  programs_.push_back(std::move(program));
  return true;
}

bool Compiler::check(const std::string& name, const std::string& text) {
  sema::CheckedProgram checked;
  return front_end(name, text, checked);
}

bool Compiler::emit_c(const std::string& name, const std::string& text, std::string& c_source) {
  Compilation c = run(name, text, false);
  c_source = c.c_source;
  return c.ok;
}

Result<std::vector<uint8_t>> Compiler::compile_c(const std::string& c_source) {
  clang_bpf::CompileInput input = compile_input(c_source);
  if (auto cached = cache_.find(input)) return std::move(*cached);
  auto object = clang_bpf::compile(input);
  if (!object) return Error{object.error().message, ""};
  cache_.store(input, object->object);
  return std::move(object->object);
}

Compilation Compiler::run(const std::string& name, const std::string& text, bool build_object) {
  Compilation out;
  // A program not compiled here before will likely miss the cache: its compiler child
  // loads the plugin (~25-35 ms) on another CPU while this one type-checks and lowers.
  std::optional<clang_bpf::PendingCompile> early;
  if (build_object && !clang_bpf::preloaded() && !cache_.seen(name, text)) {
    if (auto started = clang_bpf::PendingCompile::start()) early.emplace(std::move(*started));
  }
  sema::CheckedProgram checked;
  if (!front_end(name, text, checked)) return out;
  if (checked.statements.empty()) {
    out.ok = true;  // definitions only (REPL)
    return out;
  }
  lower::Options lower_options;
  lower_options.type_suffix = fmt::format("___s{}", ++compiles_);
  lower_options.span_capacity = options_.sema.span_capacity;
  // A bench knob (bench/run.py --only shared): a program per statement's probe, as before
  // statements on one hook shared one (lower::Options::share_hooks).
  const char* separate = std::getenv("SONDE_SEPARATE_PROGRAMS");
  lower_options.share_hooks = separate == nullptr || *separate == '\0' || *separate == '0';
  lower_options.chain = chain_;
  // Another: each body of a shared program computes its own values and predicate.
  const char* values = std::getenv("SONDE_SHARED_VALUES");
  lower_options.share_values = values == nullptr || *values == '\0' || *values != '0';
  auto lowered = lower::lower(checked, *kernel_, lower_options);
  if (!lowered) {
    diags_.error_global(lowered.error().message, lowered.error().hint);
    return out;
  }
  out.c_source = lowered->c_source;
  out.program = std::move(lowered->program);
  out.program.source = text;
  out.program.source_names.push_back(name);
  if (!build_object) {
    out.ok = true;
    return out;
  }

  clang_bpf::CompileInput input = compile_input(out.c_source);
  auto cached = cache_.find(input);
  if (!cache_.problem().empty() && !cache_problem_said_) {
    cache_problem_said_ = true;  // once per Compiler: a REPL compiles many times
    diags_.warning_global(fmt::format("not using the compile cache: {}", cache_.problem()),
                          "set SONDE_CACHE_DIR to a directory of yours, or pass --no-cache");
  }
  if (cached) {
    out.program.object = std::move(*cached);
    out.cached = true;
    out.ok = true;
    return out;
  }
  auto object = early ? early->finish(input) : clang_bpf::compile(input);
  if (!object) {
    diags_.error_global(fmt::format("the generated C did not compile; this is a bug in sonde:\n{}",
                                    object.error().message),
                        "run `sonde emit-c` to see the generated C and report it");
    return out;
  }
  cache_.store(input, object->object);
  cache_.remember(name, text);
  out.program.object = std::move(object->object);
  out.ok = true;
  return out;
}

std::string Compiler::render(bool color) const { return diags_.render(*sources_, color); }

}  // namespace sonde::driver
