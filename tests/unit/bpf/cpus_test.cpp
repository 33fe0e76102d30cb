#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/bpf/cpus.h"

namespace sonde::bpf {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(Cpus, ParsesKernelCpuLists) {
  EXPECT_THAT(parse_cpu_list("0\n"), ElementsAre(0));
  EXPECT_THAT(parse_cpu_list("0-1"), ElementsAre(0, 1));
  EXPECT_THAT(parse_cpu_list("0-2,5,7-8\n"), ElementsAre(0, 1, 2, 5, 7, 8));
  EXPECT_THAT(parse_cpu_list(""), IsEmpty());
  EXPECT_THAT(parse_cpu_list("3-1"), IsEmpty());
  EXPECT_THAT(parse_cpu_list("0-x"), IsEmpty());
  EXPECT_THAT(parse_cpu_list("-1"), IsEmpty());
}

TEST(Cpus, MatchesThisMachine) {
  Result<std::vector<int>> online = online_cpus();
  ASSERT_TRUE(online.ok()) << online.error().message;
  EXPECT_EQ(online->size(), static_cast<size_t>(sysconf(_SC_NPROCESSORS_ONLN)));
  Result<int> possible = possible_cpus();
  ASSERT_TRUE(possible.ok());
  EXPECT_GE(static_cast<size_t>(*possible), online->size());
}

}  // namespace
}  // namespace sonde::bpf
