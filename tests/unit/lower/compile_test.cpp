// The C of every enabled row compiles to a BPF object, through the driver given the
// fixture kernel: the declarations emitted from the fixture's BTF and the fragments the
// rows assert are real C. (Loading them is the end-to-end tests' job, on the running
// kernel.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "compiler/clang/compile.h"
#include "compiler/driver/compiler.h"
#include "tests/fixtures/kernel/fixture_kernel.h"
#include "tests/unit/lower/contract_rows.h"

namespace sonde::lower {
namespace {

driver::Options on_fixture() {
  driver::Options options;
  options.kernel = fixture::shared_fixture_kernel();
  options.cache.enabled = false;  // every row is compiled, never read back
  return options;
}

TEST(CompiledRows, EveryEnabledRowCompiles) {
  // Each row is its own program (metric names repeat between rows): the plugin is
  // loaded once, not by every compile's child.
  ASSERT_TRUE(clang_bpf::preload().ok());
  driver::Compiler compiler(on_fixture());
  size_t compiled = 0;
  for (const Row& row : contract_rows()) {
    if (row.disabled || !row.diagnostics.empty()) continue;
    driver::Compilation c = compiler.compile("<input>", with_self(row.source));
    EXPECT_TRUE(c.ok && !c.program.object.empty()) << row.name << "\n" << compiler.render();
    ++compiled;
  }
  EXPECT_GT(compiled, 20u);
}

// The driver checks against the kernel it is given: the fixture's sched category has 7
// tracepoints, listed in the hint (a real kernel has more than 12, and names a count).
TEST(CompiledRows, TheDriverUsesTheKernelItIsGiven) {
  driver::Compiler compiler(on_fixture());
  EXPECT_THAT(compiler.kernel().identity(), testing::StartsWith("fixture "));
  EXPECT_FALSE(compiler.check("<input>", "on tracepoint:sched:sched_swich count"));
  EXPECT_THAT(compiler.render(),
              testing::HasSubstr("hint: tracepoints in 'sched': sched_process_exec, "
                                 "sched_process_exit, sched_process_fork, sched_switch, "
                                 "sched_wakeup, sched_wakeup_new, sched_waking\n"));
}

}  // namespace
}  // namespace sonde::lower
