// Files sonde is pointed at that are not what they seem: a FIFO, a directory, a device,
// an endless file, a symlinked or shared cache directory, a FIFO where a cache entry
// should be. Each is a clear error (or a cache left unused, said once), never a hang, a
// runaway read, or a chmod of what a symlink points to.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  std::string dir =
      ::testing::TempDir() + "/sonde-hostile-" + name + "-" + std::to_string(getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

constexpr const char* kProgram = "on tracepoint:sched:sched_switch count";

TEST(HostileFiles, AFifoIsNotAProgram) {
  const std::string fifo = temp_dir("fifo") + "/program.sonde";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // Nobody writes to it: reading it would wait forever (60 s bounds that hang).
  Exit e = run_sonde({"check", fifo}, 60s);
  EXPECT_EQ(e.code, 2) << e.err;
  EXPECT_EQ(
      e.err,
      "sonde check: cannot read " + fifo +
          ": not a regular file\nhint: programs and bundles are read from regular files only\n");
}

TEST(HostileFiles, ADirectoryIsNotAnEmptyProgram) {
  const std::string dir = temp_dir("dir");
  Exit e = run_sonde({"check", dir});
  EXPECT_EQ(e.code, 2);
  EXPECT_EQ(e.err, "sonde check: cannot read " + dir + ": it is a directory\n");
}

TEST(HostileFiles, UseOfADeviceIsLocated) {
  Exit e = run_sonde({"check", "-e", "use \"/dev/zero\""}, 60s);
  EXPECT_EQ(e.code, 1);
  EXPECT_EQ(e.err,
            "<input>:1:1: error: cannot use '/dev/zero': cannot read /dev/zero: not a regular "
            "file\nuse \"/dev/zero\"\n^~~~~~~~~~~~~~~\n");
}

TEST(HostileFiles, AProgramLargerThanTheLimitIsRefused) {
  const std::string path = temp_dir("large") + "/large.sonde";
  {
    std::ofstream out(path);
    const std::string line(1023, '#');
    for (int i = 0; i < 17 * 1024; ++i) out << line << '\n';  // 17 MiB of comments
  }
  Exit e = run_sonde({"check", path});
  EXPECT_EQ(e.code, 2);
  EXPECT_NE(e.err.find("larger than 16777216 bytes"), std::string::npos) << e.err;
}

// A symlink at the cache's path is refused: the directory it points to keeps its mode
// (a root sonde used to chmod 0700 whatever the path resolved to).
TEST(HostileFiles, ASymlinkedCacheDirectoryIsNotUsedNorChmodded) {
  const std::string base = temp_dir("cache-link");
  const std::string target = base + "/elsewhere";
  fs::create_directories(target);
  ASSERT_EQ(::chmod(target.c_str(), 0755), 0);
  const std::string link = base + "/sonde";
  fs::create_symlink(target, link);
  ASSERT_EQ(setenv("SONDE_CACHE_DIR", link.c_str(), 1), 0);
  Exit e = run_sonde({"run", "-e", kProgram, "--duration", "1s"});
  unsetenv("SONDE_CACHE_DIR");
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.err.find("warning: not using the compile cache: " + link + " is a symbolic link"),
            std::string::npos)
      << e.err;
  EXPECT_EQ(mode_of(target), 0755u);
  EXPECT_TRUE(fs::is_empty(target));
}

TEST(HostileFiles, ACacheDirectoryThatIsAFileKeepsItsMode) {
  const std::string file = temp_dir("cache-file") + "/sonde";
  std::ofstream(file) << "not a directory\n";
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  ASSERT_EQ(setenv("SONDE_CACHE_DIR", file.c_str(), 1), 0);
  Exit e = run_sonde({"check", "-e", kProgram});
  Exit ran = run_sonde({"run", "-e", kProgram, "--duration", "1s"});
  unsetenv("SONDE_CACHE_DIR");
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(ran.code, 0) << ran.err;
  EXPECT_NE(ran.err.find("not a directory"), std::string::npos) << ran.err;
  EXPECT_EQ(mode_of(file), 0644u);
}

// A FIFO where an entry should be is a miss: the compile goes on instead of waiting.
TEST(HostileFiles, AFifoAtACacheEntryIsAMiss) {
  const std::string dir = temp_dir("cache-fifo") + "/sonde";
  ASSERT_EQ(setenv("SONDE_CACHE_DIR", dir.c_str(), 1), 0);
  Exit first = run_sonde({"run", "-e", kProgram, "--duration", "1s"});
  ASSERT_EQ(first.code, 0) << first.err;
  int replaced = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".o") continue;
    fs::remove(entry.path());
    ASSERT_EQ(mkfifo(entry.path().c_str(), 0600), 0);
    ++replaced;
  }
  ASSERT_GT(replaced, 0) << "the first run left no cache entry in " << dir;
  Exit second = run_sonde({"run", "-e", kProgram, "--duration", "1s"}, 60s);
  unsetenv("SONDE_CACHE_DIR");
  EXPECT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.err.find("attached"), std::string::npos) << second.err;
}

}  // namespace
}  // namespace sonde::e2e
