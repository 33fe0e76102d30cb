// Programs that join a hook chain (compiler/lower/chain.h, the REPL) on the fixture
// kernel: which programs ask for a slot, and what a chained program does after its body.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compiler/lower/chain.h"
#include "compiler/lower/lower.h"
#include "tests/fixtures/kernel/fixture_kernel.h"
#include "tests/unit/lower/contract_rows.h"
#include "tests/unit/lower/lowering.h"

namespace sonde::lower {
namespace {

struct Chained {
  std::string c;
  std::vector<ChainHook> asked;
};

Chained lower_chained(const std::string& source, uint32_t slot) {
  Checked checked = check_on_fixture(source);
  EXPECT_FALSE(checked.has_errors) << checked.diagnostics;
  Chained out;
  Options options;
  options.chain = [&](const ChainHook& hook) -> std::optional<ChainSlot> {
    out.asked.push_back(hook);
    out.asked.back().probe = nullptr;  // points into the lowering's probes
    return ChainSlot{slot, 8};
  };
  auto lowered = lower(checked.program, fixture::fixture_kernel(), options);
  EXPECT_TRUE(lowered) << (lowered ? "" : lowered.error().message);
  if (lowered) out.c = lowered->c_source;
  return out;
}

// A statement alone on its hook becomes a wrapper (its body inlined, so that its
// `return 0` ends the body only) that tries the slots after its own: 3 -> 4..7.
TEST(HookChain, AChainedProgramTriesTheSlotsAfterItsOwn) {
  Chained out = lower_chained("on tracepoint:raw_syscalls:sys_enter where id == 39 count", 3);
  ASSERT_EQ(out.asked.size(), 1u);
  EXPECT_EQ(out.asked[0].program, "sonde_h0");
  EXPECT_NE(out.c.find("BPF_MAP_TYPE_PROG_ARRAY"), std::string::npos) << out.c;
  EXPECT_NE(out.c.find("static __always_inline int sonde_s0_p0("), std::string::npos) << out.c;
  EXPECT_NE(out.c.find("  sonde_s0_p0(ctx);\n  bpf_tail_call(ctx, &sonde_h0_chain, 4);\n"),
            std::string::npos)
      << out.c;
  EXPECT_NE(out.c.find("bpf_tail_call(ctx, &sonde_h0_chain, 7);\n  return 0;"), std::string::npos)
      << out.c;
  EXPECT_EQ(out.c.find("bpf_tail_call(ctx, &sonde_h0_chain, 3);"), std::string::npos) << out.c;
}

// Hooks that cannot be chained are not asked about: a USDT probe's argument specs are
// found by its attach cookie, which a tail-called program would see as the dispatcher's.
TEST(HookChain, UsdtProbesKeepTheirOwnAttachment) {
  Chained out = lower_chained(with_self("on usdt:{SELF}:sonde:tock sum arg0"), 0);
  EXPECT_TRUE(out.asked.empty());
  EXPECT_EQ(out.c.find("bpf_tail_call"), std::string::npos) << out.c;
  Chained uprobe = lower_chained(with_self("on uprobe:{SELF}:sonde_lower_probed count"), 0);
  EXPECT_EQ(uprobe.asked.size(), 1u);
}

// The dispatcher tries every slot in order.
TEST(HookChain, TheDispatcherTriesEverySlot) {
  std::string c = dispatcher_c("raw_tp/sys_enter", 8);
  EXPECT_NE(c.find("SEC(\"raw_tp/sys_enter\")\nint sonde_dispatch(void *ctx) {\n"
                   "  bpf_tail_call(ctx, &sonde_chain, 0);\n"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("  bpf_tail_call(ctx, &sonde_chain, 7);\n  return 0;\n}"), std::string::npos)
      << c;
}

}  // namespace
}  // namespace sonde::lower
