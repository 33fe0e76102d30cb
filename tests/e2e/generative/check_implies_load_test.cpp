// "check implies load": every program `sonde check` accepts must load into this kernel.
//
// What it generates (generator.cpp, from catalog.cpp): programs of one to three
// statements over the probes of the running system: classic tracepoints sampled from
// every tracefs category, raw tracepoints with their BTF-typed arguments, kprobes and
// kretprobes (they load here; only attaching fails), uprobes, uretprobes and USDT probes
// of build/tests/probes_workload, profile/software/hardware perf events, wildcards of
// each; events, aliases, the stdlib's spans and generated span definitions. Expressions
// are type-directed from the kernel's own facts (format files, BTF): fields of every
// width and sign, enums and their symbols, pointers, char arrays, __data_loc strings,
// byte arrays, member chains through pointers and nested structs, indexing, builtins,
// literals with units, casts, byte swaps, every operator, string comparisons; keys with
// every decoder, stacks, several keys; every aggregation form (one row each in
// generator.cpp's kForms), `print` of fields and of span latencies, `ttl` clauses;
// statements on a probe an earlier statement is on (one shared BPF program). About one
// program in ten is broken on purpose.
//
// What it checks, for each program: either `check` rejects it with a located
// diagnostic, or it compiles (driver::Compiler, compile cache off) and loads (libbpf,
// as runtime/session does; not attached), and nothing stays held once its Object is
// gone; then it loads once more as sonde-agent loads it from a bundle (relocated
// against the part of the kernel BTF that runtime/btf cuts). Anything else is a bug in
// sonde: the test fails, prints the program (reduced to the failing statement when it
// can), the stage and the decisive message, and writes it to
// tests/e2e/generative/regressions/ (SONDE_GEN_REGRESSIONS overrides), which the
// Regressions test replays on every run. @WORKLOAD@ in a regression stands for
// build/tests/probes_workload. Commit a new regression file with its fix.
//
// Which programs: 900 from a seed that is the source revision's (the git commit the
// build was made from), so a commit's run is the same on every machine with this kernel:
// what CI will run on a commit can be run before it, and each new commit still explores
// new programs. Reproducing and running longer (the seed is printed by every run):
//   SONDE_GEN_SEED=1234 build/tests/e2e_check_implies_load_test     other programs
//   SONDE_GEN_SEED=1234 SONDE_GEN_INDEX=57 ...                      program 57 alone, verbose
//   SONDE_GEN_PROGRAMS=0 SONDE_GEN_SECONDS=1800 ...                 as many as 30 minutes allow
//   SONDE_GEN_VERBOSE=1 ...                                         print every program
// The time limit (300 s by default) is a deadline on the run, not a measurement: a slow
// machine generates fewer programs, says so, and states how many were generated,
// accepted and loaded.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "compiler/clang/compile.h"
#include "runtime/bpf/privileges.h"
#include "tests/e2e/bpf_objects.h"
#include "tests/e2e/generative/catalog.h"
#include "tests/e2e/generative/generator.h"
#include "tests/e2e/generative/pipeline.h"
#include "tests/e2e/harness.h"

#include "sonde_revision.h"

namespace sonde::gen {
namespace {

namespace fs = std::filesystem;

constexpr const char* kWorkloadPlaceholder = "@WORKLOAD@";

std::string env(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// FNV-1a of the source revision ("3f2a9c01d4e5", "...-dirty", "unknown").
uint64_t revision_seed() {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : std::string_view(SONDE_REVISION)) h = (h ^ c) * 1099511628211ull;
  return h >> 1;  // printed and parsed back as a decimal that fits stoull either way
}

std::string workload() { return e2e::build_dir() + "/tests/probes_workload"; }

std::string regressions_dir() {
  return env("SONDE_GEN_REGRESSIONS", e2e::source_dir() + "/tests/e2e/generative/regressions");
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// ---- a crash in sema or lowering (in this process) still leaves the program behind ----

char g_crash_text[1 << 16];
size_t g_crash_size = 0;
char g_crash_path[4096];

void on_crash(int sig) {
  const char header[] = "\n*** sonde crashed on this program (kept as a regression):\n";
  (void)!write(2, header, sizeof header - 1);
  (void)!write(2, g_crash_text, g_crash_size);
  int fd = open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    (void)!write(fd, g_crash_text, g_crash_size);
    close(fd);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void arm_crash_report(const std::string& text, const std::string& path) {
  g_crash_size = std::min(text.size(), sizeof g_crash_text);
  std::memcpy(g_crash_text, text.data(), g_crash_size);
  std::snprintf(g_crash_path, sizeof g_crash_path, "%s", path.c_str());
}

void install_crash_handlers() {
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) signal(sig, on_crash);
}

// ---- regressions ----

std::string hash_of(const std::string& text) {
  return fmt::format("{:016x}", std::hash<std::string>{}(text));
}

// What a regression file holds: a comment saying what it found, then the program with
// the workload's path replaced by @WORKLOAD@.
std::string regression_text(const std::string& program, const Outcome& o,
                            const std::string& origin) {
  std::string body = replace_all(program, workload(), kWorkloadPlaceholder);
  return fmt::format("# check implies load: {}: {}\n# found by {}\n{}", stage_name(o.stage),
                     replace_all(o.message, "\n", " "), origin, body);
}

std::string regression_path(const std::string& program, Stage stage) {
  std::string kind = stage == Stage::kLoad        ? "load"
                     : stage == Stage::kCompile   ? "compile"
                     : stage == Stage::kLowering  ? "lowering"
                     : stage == Stage::kOpen      ? "open"
                     : stage == Stage::kUnlocated ? "unlocated"
                     : stage == Stage::kLeak      ? "leak"
                     : stage == Stage::kAgentLoad ? "agent-load"
                                                  : "crash";
  return fmt::format("{}/{}-{}.sonde", regressions_dir(), kind,
                     hash_of(replace_all(program, workload(), kWorkloadPlaceholder)).substr(0, 12));
}

std::string describe(const std::string& program, const Outcome& o) {
  return fmt::format("stage: {}\nmessage: {}\n--- program ---\n{}--- details ---\n{}\n",
                     stage_name(o.stage), o.message, program, o.detail);
}

// Everything these tests need before they generate or replay anything.
class CheckImpliesLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto st = bpf::check_privileges(); !st)
      GTEST_SKIP() << "loading BPF needs privileges this process lacks: " << st.error().message;
    ASSERT_TRUE(fs::exists(workload()))
        << workload() << " is missing: build the probes_workload target";
    // Each compile forks a child; with the plugin loaded here first, the child skips it.
    auto preload = clang_bpf::preload();
    ASSERT_TRUE(preload.ok()) << preload.error().message;
    install_crash_handlers();
    pipeline_ = std::make_unique<Pipeline>();
  }

  void TearDown() override {
    if (!pipeline_) return;
    // Every object these programs held is freed (the kernel frees them asynchronously).
    e2e::BpfIds still = e2e::wait_until_freed(held_);
    EXPECT_TRUE(still.empty()) << "BPF objects still in the kernel after their programs were "
                                  "destroyed: "
                               << still.to_string();
  }

  // Runs one program; records what it held.
  Outcome run(const std::string& name, const std::string& text) {
    arm_crash_report(text, regression_path(text, Stage::kLoaded));
    Outcome o = pipeline_->run(name, text);
    held_.programs.insert(o.held.programs.begin(), o.held.programs.end());
    held_.maps.insert(o.held.maps.begin(), o.held.maps.end());
    held_.links.insert(o.held.links.begin(), o.held.links.end());
    return o;
  }

  std::unique_ptr<Pipeline> pipeline_;
  e2e::BpfIds held_;
};

// Every program that once broke the rule, replayed: each is rejected with a located
// diagnostic or loads.
TEST_F(CheckImpliesLoad, Regressions) {
  size_t replayed = 0;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(regressions_dir())) {
    if (entry.path().extension() == ".sonde") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string program = replace_all(text.str(), kWorkloadPlaceholder, workload());
    Outcome o = run(path.filename().string(), program);
    EXPECT_FALSE(is_failure(o.stage)) << path << "\n" << describe(program, o);
    ++replayed;
  }
  std::printf("replayed %zu regressions from %s\n", replayed, regressions_dir().c_str());
}

struct Tally {
  size_t generated = 0, well_typed = 0, broken = 0;
  size_t statements = 0, statements_loaded = 0;
  size_t accepted = 0, loaded = 0, rejected = 0;
  size_t broken_accepted = 0;
  size_t failures = 0, repeated_failures = 0;
  std::map<std::string, std::pair<size_t, size_t>> features;  // generated, loaded
  std::map<std::string, size_t> rejections;                   // of the well-typed ones
};

// The message without its numbers and quoted names, so that one bug counts once.
std::string signature(const Outcome& o) {
  std::string s = std::string(stage_name(o.stage)) + ": ";
  bool quoted = false;
  for (char c : o.message) {
    if (c == '\'') quoted = !quoted;
    if (quoted || std::isdigit(static_cast<unsigned char>(c))) continue;
    s += c;
  }
  return s;
}

TEST_F(CheckImpliesLoad, GeneratedPrograms) {
  const uint64_t seed = std::stoull(env("SONDE_GEN_SEED", std::to_string(revision_seed())));
  const uint64_t programs = std::stoull(env("SONDE_GEN_PROGRAMS", "900"));  // 0: no limit
  const double seconds = std::stod(env("SONDE_GEN_SECONDS", "300"));
  const bool verbose = !env("SONDE_GEN_VERBOSE").empty();
  const std::string only = env("SONDE_GEN_INDEX");
  std::printf("seed %llu (source revision %s; SONDE_GEN_SEED=%llu reproduces this run)\n",
              static_cast<unsigned long long>(seed), SONDE_REVISION,
              static_cast<unsigned long long>(seed));

  CatalogOptions options;
  options.seed = seed;
  options.workload = workload();
  auto catalog = Catalog::build(options);
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  std::map<std::string, size_t> kinds;
  for (const auto& p : (*catalog)->probes()) ++kinds[probe_kind_name(p.kind)];
  std::printf("catalog:");
  for (const auto& [k, n] : kinds) std::printf(" %s %zu,", k.c_str(), n);
  std::printf(" syscalls %zu\n", (*catalog)->syscalls().size());
  // Every aggregation form; a recent one only if this sonde's `check` knows it.
  std::vector<const AggregationForm*> forms;
  for (const AggregationForm& form : aggregation_forms()) {
    Rng rng(seed);
    const std::string sample = fmt::format("on tracepoint:sched:sched_switch {}{}", form.spell(rng),
                                           form.takes_value ? " prev_pid" : "");
    if (!form.recent || pipeline_->compiler().check("<aggregation form>", sample)) {
      forms.push_back(&form);
    } else {
      std::printf("aggregation form '%s' left out: `check` refuses %s\n", form.name,
                  sample.c_str());
    }
  }
  Generator generator(**catalog, read_stdlib(pipeline_->compiler()), forms);

  Tally t;
  std::set<std::string> seen_failures;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  bool out_of_time = false;
  for (uint64_t index = only.empty() ? 0 : std::stoull(only);; ++index) {
    if (only.empty() && programs && index >= programs) break;
    if (only.empty() && std::chrono::steady_clock::now() >= deadline) {
      out_of_time = programs != 0;
      break;
    }
    Rng rng = Rng::for_program(seed, index);
    GeneratedProgram program = generator.generate(rng);
    const std::string text = program.text();
    const std::string name = fmt::format("gen-{}-{}", seed, index);
    Outcome o = run(name, text);
    ++t.generated;
    t.statements += program.statements.size();
    if (o.stage == Stage::kLoaded) t.statements_loaded += program.statements.size();
    (program.invalid.empty() ? t.well_typed : t.broken)++;
    for (const auto& f : program.features) {
      ++t.features[f].first;
      t.features[f].second += o.stage == Stage::kLoaded;
    }
    if (verbose || !only.empty()) {
      std::printf("--- %s%s: %s\n%s", name.c_str(),
                  program.invalid.empty() ? "" : (" (broken: " + program.invalid + ")").c_str(),
                  stage_name(o.stage), text.c_str());
      if (o.stage != Stage::kLoaded) std::printf("%s\n", o.detail.c_str());
    }
    if (o.stage == Stage::kRejected) {
      ++t.rejected;
      if (program.invalid.empty()) ++t.rejections[signature(o)];
    } else {
      ++t.accepted;
      if (!program.invalid.empty()) ++t.broken_accepted;
      t.loaded += o.stage == Stage::kLoaded;
    }
    if (is_failure(o.stage)) {
      // Reduce to the one statement that fails the same way, when there is one.
      std::string failing = text;
      for (size_t i = 0; i < program.statements.size() && program.statements.size() > 1; ++i) {
        std::string single = program.text_with_only(i);
        Outcome alone = run(name, single);
        if (alone.stage == o.stage) {
          failing = single;
          o = alone;
          break;
        }
      }
      ++t.failures;
      if (!seen_failures.insert(signature(o)).second) {
        ++t.repeated_failures;
      } else {
        const std::string path = regression_path(failing, o.stage);
        std::ofstream(path) << regression_text(failing, o,
                                               fmt::format("seed {}, program {}", seed, index));
        ADD_FAILURE() << "a program `sonde check` accepts did not load (" << name << "; kept as "
                      << path << ")\n"
                      << describe(failing, o);
      }
    }
    if (!only.empty()) break;
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf(
      "seed %llu, %.0f s: generated %zu programs (%zu meant to be well-typed, %zu broken on "
      "purpose); `check` accepted %zu, of which %zu loaded; rejected %zu, each with a located "
      "diagnostic; %zu failures (%zu of them repeats of one already reported); %zu statements "
      "generated, %zu loaded\n",
      static_cast<unsigned long long>(seed), elapsed, t.generated, t.well_typed, t.broken,
      t.accepted, t.loaded, t.rejected, t.failures, t.repeated_failures, t.statements,
      t.statements_loaded);
  if (out_of_time) {
    std::printf(
        "NOTE: the %.0f s deadline came after %zu of the %llu programs of this seed (a slow or "
        "busy machine); the rest were not tried\n",
        seconds, t.generated, static_cast<unsigned long long>(programs));
  }
  if (t.broken_accepted)
    std::printf("%zu programs broken on purpose were accepted (and loaded)\n", t.broken_accepted);
  std::printf("what the programs exercised (programs generated / loaded):\n");
  for (const auto& [feature, counts] : t.features)
    std::printf("  %-44s %6zu %6zu\n", feature.c_str(), counts.first, counts.second);
  std::vector<std::pair<size_t, std::string>> top;
  for (const auto& [s, n] : t.rejections) top.emplace_back(n, s);
  std::sort(top.rbegin(), top.rend());
  if (!top.empty()) std::printf("most frequent rejections of programs meant to be well-typed:\n");
  for (size_t i = 0; i < top.size() && i < 12; ++i)
    std::printf("  %6zu  %s\n", top[i].first, top[i].second.c_str());

  if (!only.empty()) return;
  EXPECT_GT(t.loaded, 0u) << "no generated program loaded";
  // A generator whose programs `check` mostly rejects tests nothing after `check`.
  if (t.well_typed >= 50) {
    EXPECT_GE(static_cast<double>(t.accepted - t.broken_accepted) / t.well_typed, 0.7)
        << "the generator's programs are mostly rejected: it needs to follow the language";
  }
}

}  // namespace
}  // namespace sonde::gen
