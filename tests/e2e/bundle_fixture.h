// A scratch directory per test and the bundles `sonde build` writes into it: the
// fixture of the tests that run sonde-agent.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"

namespace sonde::e2e {

inline std::string agent_binary() { return build_dir() + "/sonde-agent"; }

class BundleTest : public testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/sonde-bundle-test-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override { shell("rm -rf '" + dir_ + "'"); }

  // Writes `program` to NAME.sonde and builds NAME.bundle from it; the bundle's path.
  std::string build(const std::string& name, const std::string& program,
                    const std::vector<std::string>& extra = {}) {
    const std::string source = dir_ + "/" + name + ".sonde";
    std::ofstream(source) << program;
    const std::string bundle = dir_ + "/" + name + ".bundle";
    std::vector<std::string> args = {"build", source, "-o", bundle};
    args.insert(args.end(), extra.begin(), extra.end());
    Exit e = run_sonde(args);
    EXPECT_EQ(e.code, 0) << e.err;
    EXPECT_NE(e.err.find("wrote " + bundle), std::string::npos) << e.err;
    return bundle;
  }

  std::string dir_;
};

}  // namespace sonde::e2e
