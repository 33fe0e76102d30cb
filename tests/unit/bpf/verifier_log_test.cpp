// The decisive message of a verifier log, from logs this kernel really printed.
#include <gtest/gtest.h>

#include "runtime/bpf/verifier_log.h"

namespace sonde::bpf {
namespace {

constexpr std::string_view kOutOfBounds =
    R"(arg#0 reference type('UNKNOWN ') size cannot be determined: -22
0: R1=ctx() R10=fp0
; int out_of_bounds(void* ctx) { @ reject.bpf.c:22
0: (b7) r1 = 0                        ; R1=0
;  @ reject.bpf.c:0
3: (07) r2 += -4                      ; R2=fp-4
; value[bpf_get_prandom_u32() & 15] = 1; @ reject.bpf.c:27
9: (85) call bpf_get_prandom_u32#7    ; R0=scalar()
13: (b7) r1 = 1                       ; R1=1
14: (7b) *(u64 *)(r6 +0) = r1
invalid access to map value, value_size=8 off=120 size=8
R6 max value is outside of the allowed memory range
processed 14 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0
)";

TEST(VerifierLog, OutOfBoundsMapValue) {
  VerifierDiagnosis d = diagnose_verifier_log(kOutOfBounds);
  EXPECT_EQ(d.message,
            "invalid access to map value, value_size=8 off=120 size=8; R6 max value is outside "
            "of the allowed memory range");
  EXPECT_EQ(d.source_line, "value[bpf_get_prandom_u32() & 15] = 1; @ reject.bpf.c:27");
  EXPECT_EQ(d.instruction, 14);
  EXPECT_NE(d.hint.find("outside its bounds"), std::string::npos);
}

TEST(VerifierLog, MissingNullCheck) {
  VerifierDiagnosis d = diagnose_verifier_log(R"(0: R1=ctx() R10=fp0
; __u64* value = bpf_map_lookup_elem(&table, &key); @ reject.bpf.c:34
6: (85) call bpf_map_lookup_elem#1    ; R0=map_value_or_null(id=1,map=table,ks=4,vs=8)
; *value = 1; @ reject.bpf.c:35
8: (7b) *(u64 *)(r0 +0) = r1
R0 invalid mem access 'map_value_or_null'
processed 8 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
)");
  EXPECT_EQ(d.message, "R0 invalid mem access 'map_value_or_null'");
  EXPECT_EQ(d.source_line, "*value = 1; @ reject.bpf.c:35");
  EXPECT_NE(d.hint.find("NULL"), std::string::npos);
}

TEST(VerifierLog, KnownMessagesGetHints) {
  struct Case {
    std::string_view log;
    std::string_view hint_part;
  };
  const Case cases[] = {
      {"12: (05) goto pc-4\nback-edge from insn 12 to 8\n", "loop"},
      {"20: (05) goto pc-4\ninfinite loop detected at insn 17\n", "loop"},
      {"BPF program is too large. Processed 1000001 insn\nprocessed 1000001 insns (limit "
       "1000000)\n",
       "1M instructions"},
      {"3: (bf) r1 = r2\nR2 !read_ok\n", "never written"},
      {"5: (85) call unknown#195896080\ninvalid func unknown#195896080\n", ""},
      {"4: (85) call bpf_probe_read#4\ninvalid indirect read from stack R3 off -16+0 size 16\n",
       "initialised"},
      {"combined stack size of 2 calls is 544. Too large\n", "512 bytes"},
      {"5: <invalid CO-RE relocation>\nfailed to resolve CO-RE relocation <byte_off> [7] struct "
       "task_struct.nope (0:1 @ offset 4)\nprocessed 6 insns\n",
       "does not exist on this kernel"},
      {"10: (95) exit\nAt program exit the register R0 has smin=0 smax=2 should have been in "
       "[0, 1]\n",
       "returns a value"},
  };
  for (const Case& c : cases) {
    VerifierDiagnosis d = diagnose_verifier_log(c.log);
    EXPECT_FALSE(d.message.empty()) << c.log;
    if (c.hint_part.empty()) {
      EXPECT_EQ(d.hint, "") << c.log;
    } else {
      EXPECT_NE(d.hint.find(c.hint_part), std::string::npos) << c.log << " -> " << d.hint;
    }
  }
}

TEST(VerifierLog, CoreRelocationKeepsTheFieldName) {
  VerifierDiagnosis d = diagnose_verifier_log(
      "5: <invalid CO-RE relocation>\nfailed to resolve CO-RE relocation <byte_off> [7] struct "
      "task_struct.nope (0:1 @ offset 4)\nprocessed 6 insns\n");
  EXPECT_EQ(d.message,
            "failed to resolve CO-RE relocation <byte_off> [7] struct task_struct.nope (0:1 @ "
            "offset 4)");
  EXPECT_EQ(d.instruction, 5);
}

TEST(VerifierLog, KeepsAtMostThreeLines) {
  VerifierDiagnosis d = diagnose_verifier_log("1: (95) exit\na\nb\nc\nd\nprocessed 1 insns\n");
  EXPECT_EQ(d.message, "b; c; d");
}

TEST(VerifierLog, EmptyLog) {
  VerifierDiagnosis d = diagnose_verifier_log("");
  EXPECT_EQ(d.message, "");
  EXPECT_EQ(d.instruction, -1);
  EXPECT_EQ(d.hint, "");
}

}  // namespace
}  // namespace sonde::bpf
