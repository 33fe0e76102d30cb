// A binary of its own: preload() changes the whole process for good.
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "compiler/clang/compile.h"
#include "compiler/clang/plugin_abi.h"
#include "tests/unit/clang/test_programs.h"

namespace sonde::clang_bpf {
namespace {

bool plugin_mapped() {
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str().find(SONDE_CC_PLUGIN_NAME) != std::string::npos;
}

TEST(Preload, OnlyPreloadMapsTheCompilerIntoThisProcess) {
  ASSERT_FALSE(plugin_mapped()) << "run this test in a fresh process";
  Result<CompileOutput> cold = compile(testing::input_for(testing::core_program(0)));
  ASSERT_TRUE(cold.ok()) << cold.error().message;
  EXPECT_FALSE(plugin_mapped()) << "a compile without preload() loaded LLVM into the parent";

  Status preloaded = preload();
  ASSERT_TRUE(preloaded.ok()) << preloaded.error().message;
  EXPECT_TRUE(plugin_mapped());
  EXPECT_TRUE(preload().ok());  // idempotent

  for (int i = 0; i < 3; ++i) {
    Result<CompileOutput> warm = compile(testing::input_for(testing::core_program(0)));
    ASSERT_TRUE(warm.ok()) << warm.error().message;
    EXPECT_EQ(warm->object, cold->object);
  }
  // A crash in a warm child is contained too.
  Result<CompileOutput> crashed = compile(testing::input_for("#pragma clang __debug crash\n"));
  ASSERT_FALSE(crashed.ok());
  EXPECT_THAT(crashed.error().message, ::testing::HasSubstr("crashed (SIGILL)"));
}

}  // namespace
}  // namespace sonde::clang_bpf
