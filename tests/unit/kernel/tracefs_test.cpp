// tracefs on the running kernel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "compiler/kernel/tracefs.h"
#include "compiler/kernel/tracefs_mount.h"

namespace sonde::kernel {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Tracefs, Root) {
  Result<std::string> root = tracefs_root();
  ASSERT_TRUE(root.ok()) << root.error().message;
  struct stat st {};
  EXPECT_EQ(stat((*root + "/events/sched").c_str(), &st), 0) << *root;
}

TEST(Tracefs, ReadFormatMatchesTheFile) {
  Result<std::string> root = tracefs_root();
  ASSERT_TRUE(root.ok());
  std::string text = read_file(*root + "/events/sched/sched_switch/format");
  Result<TracepointFormat> parsed = parse_tracepoint_format("sched", "sched_switch", text);
  Result<TracepointFormat> read = read_tracepoint_format("sched", "sched_switch");
  ASSERT_TRUE(parsed.ok());
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->id, parsed->id);
  EXPECT_EQ(read->fields.size(), parsed->fields.size());
  EXPECT_EQ(read->print_fmt, parsed->print_fmt);
  ASSERT_NE(read->field("next_pid"), nullptr);
}

TEST(Tracefs, ReadFormatErrors) {
  Result<TracepointFormat> missing = read_tracepoint_format("sched", "no_such_event");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("no tracepoint sched:no_such_event"));
  for (auto [category, name] :
       std::vector<std::pair<std::string, std::string>>{{"..", "sched_switch"},
                                                        {"sched/../sched", "sched_switch"},
                                                        {"", "x"},
                                                        {"sched", ""},
                                                        {"sched", "../../../../etc/passwd"}}) {
    Result<TracepointFormat> bad = read_tracepoint_format(category, name);
    ASSERT_FALSE(bad.ok()) << category << ":" << name;
    EXPECT_THAT(bad.error().message, HasSubstr("invalid tracepoint"));
  }
}

TEST(Tracefs, ListsEventsSorted) {
  Result<std::vector<TracepointName>> all = list_tracepoints();
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_GT(all->size(), 500u);
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end(), [](const auto& a, const auto& b) {
    return std::tie(a.category, a.name) < std::tie(b.category, b.name);
  }));
  auto has = [&](std::string_view c, std::string_view n) {
    return std::any_of(all->begin(), all->end(),
                       [&](const TracepointName& t) { return t.category == c && t.name == n; });
  };
  EXPECT_TRUE(has("sched", "sched_switch"));
  EXPECT_TRUE(has("timer", "timer_start"));
  EXPECT_FALSE(has("sched", "enable"));  // a file, not an event
  EXPECT_FALSE(has("sched", "filter"));

  Result<std::vector<std::string>> categories = list_tracepoint_categories();
  ASSERT_TRUE(categories.ok());
  EXPECT_THAT(*categories, Contains("sched"));
  EXPECT_THAT(*categories, Contains("block"));
  EXPECT_THAT(*categories, Not(Contains("enable")));
  EXPECT_THAT(*categories, Not(Contains("header_page")));
  EXPECT_TRUE(std::is_sorted(categories->begin(), categories->end()));
}

TEST(Tracefs, MountsWhenMissing) {
  // In a child with its own mount namespace: detach every tracefs mount, then the
  // search must mount it again. The system's mounts are untouched.
  if (geteuid() != 0) GTEST_SKIP() << "mounting tracefs needs root";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (unshare(CLONE_NEWNS) != 0) _exit(10);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(11);
    umount2("/sys/kernel/debug/tracing", MNT_DETACH);
    if (umount2("/sys/kernel/tracing", MNT_DETACH) != 0) _exit(12);
    if (read_file("/proc/self/mounts").find(" tracefs ") != std::string::npos) _exit(13);
    Result<std::string> root = find_or_mount_tracefs();
    if (!root.ok() || *root != "/sys/kernel/tracing") _exit(14);
    if (read_file("/proc/self/mounts").find(" tracefs ") == std::string::npos) _exit(15);
    struct stat st {};
    if (stat("/sys/kernel/tracing/events/sched/sched_switch/format", &st) != 0) _exit(16);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 10 || WEXITSTATUS(status) == 11) {
    GTEST_SKIP() << "cannot make a private mount namespace here (exit " << WEXITSTATUS(status)
                 << ")";
  }
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child step failed: see the exit codes in the test";
}

}  // namespace
}  // namespace sonde::kernel
