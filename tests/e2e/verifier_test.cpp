// A program the kernel's verifier rejects: the user sees which statement it came from,
// the verifier's decisive message, the C line it stopped at and a hint, in a few lines;
// the whole log only with --verbose. sonde's lowering produces no such program (its
// accesses are bounded by construction), so the rejected program is written by hand
// (data/verifier_reject.bpf.c) and put into a bundle sonde built, in place of its
// object: the kernel's refusal is real, and it goes through sonde's load path.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "runtime/spec/bundle.h"
#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

class VerifierRejection : public testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/sonde-verifier-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    source_ = dir_ + "/getpid.sonde";
    std::ofstream(source_)
        << "# counts getpid calls\non tracepoint:syscalls:sys_enter_getpid count\n";
    bundle_ = dir_ + "/getpid.bundle";
    Exit built = run_sonde({"build", source_, "-o", bundle_});
    ASSERT_EQ(built.code, 0) << built.err;

    auto bundle = spec::read_bundle(bundle_);
    ASSERT_TRUE(bundle) << bundle.error().message;
    std::ifstream in(VERIFIER_REJECT_OBJECT, std::ios::binary);
    std::stringstream object;
    object << in.rdbuf();
    const std::string bytes = object.str();
    ASSERT_FALSE(bytes.empty());
    ASSERT_EQ(bundle->programs.size(), 1u);
    ASSERT_EQ(bundle->programs[0].probes.at(0).program, "sonde_s0_p0");
    bundle->programs[0].object.assign(bytes.begin(), bytes.end());
    auto written = spec::write_bundle(bundle_, *bundle);
    ASSERT_TRUE(written) << written.error().message;
  }
  void TearDown() override { shell("rm -rf '" + dir_ + "'"); }

  Exit agent(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {build_dir() + "/sonde-agent", bundle_, "--listen",
                                     "127.0.0.1:0", "--strict"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Process p(argv);
    return p.wait(60s);
  }

  std::string dir_, source_, bundle_;
};

TEST_F(VerifierRejection, SaysWhichStatementWhyAndWhatToDoInAFewLines) {
  Exit e = agent({});
  EXPECT_EQ(e.code, 1) << e.err;
  // The statement (file:line:column), the probe, the decisive message and its C line.
  EXPECT_NE(e.err.find(source_ +
                       ":2:1: tracepoint:syscalls:sys_enter_getpid: rejected by the BPF verifier: "
                       "invalid access to map value"),
            std::string::npos)
      << e.err;
  EXPECT_NE(e.err.find("(at: counts[bpf_get_prandom_u32() & 15] += 1;"), std::string::npos)
      << e.err;
  EXPECT_NE(e.err.find("hint: a map value is accessed outside its bounds"), std::string::npos)
      << e.err;
  EXPECT_NE(e.err.find("--verbose shows the full verifier log"), std::string::npos) << e.err;
  // Not the log itself: no instruction trace, no summary.
  EXPECT_EQ(e.err.find("processed "), std::string::npos) << e.err;
  EXPECT_EQ(e.err.find("R10=fp0"), std::string::npos) << e.err;
  EXPECT_LE(std::count(e.err.begin(), e.err.end(), '\n'), 4) << e.err;
}

TEST_F(VerifierRejection, VerboseAddsTheWholeLog) {
  Exit e = agent({"--verbose"});
  EXPECT_EQ(e.code, 1) << e.err;
  EXPECT_NE(e.err.find("rejected by the BPF verifier"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("--- verifier log ---"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("processed "), std::string::npos) << e.err;
}

TEST_F(VerifierRejection, NonStrictAgentNamesItAndAttachesNothing) {
  Process p({build_dir() + "/sonde-agent", bundle_, "--listen", "127.0.0.1:0"});
  Exit e = p.wait(60s);
  EXPECT_EQ(e.code, 1) << e.err;
  EXPECT_NE(e.err.find("warning: " + source_ +
                       ":2:1: tracepoint:syscalls:sys_enter_getpid: rejected by the BPF "
                       "verifier"),
            std::string::npos)
      << e.err;
  EXPECT_NE(e.err.find("no probe could be attached"), std::string::npos) << e.err;
}

}  // namespace
}  // namespace sonde::e2e
