// The compile cache: a hit only for exactly the same input, never a stale or damaged
// object, a bounded directory, and nothing used from a directory others can write.
#include "compiler/driver/compile_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace sonde::driver {
namespace {

namespace fs = std::filesystem;

class CompileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("sonde_cache_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CacheOptions options(uint64_t max_bytes = 1 << 20) const {
    CacheOptions o;
    o.dir = dir_.string();
    o.max_bytes = max_bytes;
    return o;
  }
  static clang_bpf::CompileInput input(const std::string& c) {
    clang_bpf::CompileInput in;
    in.files[in.main_file] = c;
    in.files["/sonde/include/sonde/runtime.h"] = "/* helpers */";
    in.include_dirs.push_back("/sonde/include");
    return in;
  }
  std::vector<fs::path> entries() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().extension() == ".o") out.push_back(e.path());
    }
    return out;
  }

  fs::path dir_;
};

const std::vector<uint8_t> kObject = {0x7f, 'E', 'L', 'F', 1, 2, 3};

TEST_F(CompileCacheTest, HitOnlyForTheSameInput) {
  CompileCache cache(options());
  EXPECT_FALSE(cache.find(input("int a;")));
  cache.store(input("int a;"), kObject);
  auto hit = CompileCache(options()).find(input("int a;"));  // another process, later
  ASSERT_TRUE(hit);
  EXPECT_EQ(*hit, kObject);

  EXPECT_FALSE(cache.find(input("int b;")));
  auto header_changed = input("int a;");
  header_changed.files["/sonde/include/sonde/runtime.h"] = "/* other helpers */";
  EXPECT_FALSE(cache.find(header_changed));
  auto define_added = input("int a;");
  define_added.defines.push_back("X=1");
  EXPECT_FALSE(cache.find(define_added));
}

TEST_F(CompileCacheTest, DamagedEntriesAreMissesAndRemoved) {
  CompileCache cache(options());
  cache.store(input("int a;"), kObject);
  ASSERT_EQ(entries().size(), 1u);
  const fs::path entry = entries()[0];
  {
    std::fstream f(entry, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x55');  // a flipped byte of the object
  }
  EXPECT_FALSE(cache.find(input("int a;")));
  EXPECT_FALSE(fs::exists(entry));

  cache.store(input("int a;"), kObject);
  fs::resize_file(entries()[0], 10);  // torn
  EXPECT_FALSE(cache.find(input("int a;")));
}

TEST_F(CompileCacheTest, StaysUnderItsBoundDroppingTheLeastRecentlyUsed) {
  const std::vector<uint8_t> big(4096, 0xab);
  CompileCache cache(options(6 * 4096));
  for (int i = 0; i < 20; ++i) {
    cache.store(input("int v" + std::to_string(i) + ";"), big);
    if (i == 0) {
      // Entry 0 keeps being used: the bound drops the others first.
      for (const auto& e : entries())
        fs::last_write_time(e, fs::file_time_type::clock::now() + std::chrono::hours(1));
    }
  }
  uint64_t total = 0;
  for (const auto& e : entries()) total += fs::file_size(e);
  EXPECT_LE(total, 6u * 4096 + 4096);
  EXPECT_TRUE(cache.find(input("int v0;")));
  EXPECT_TRUE(cache.find(input("int v19;")));
  EXPECT_FALSE(cache.find(input("int v1;")));
}

TEST_F(CompileCacheTest, SeenRemembersProgramsNotObjects) {
  CompileCache cache(options());
  EXPECT_FALSE(cache.seen("<input>", "on tracepoint:a:b count"));
  cache.remember("<input>", "on tracepoint:a:b count");
  EXPECT_TRUE(CompileCache(options()).seen("<input>", "on tracepoint:a:b count"));
  EXPECT_FALSE(cache.seen("<input>", "on tracepoint:a:c count"));
}

TEST_F(CompileCacheTest, OffMeansOff) {
  CacheOptions o = options();
  o.enabled = false;
  CompileCache cache(o);
  cache.store(input("int a;"), kObject);
  EXPECT_FALSE(cache.find(input("int a;")));
  EXPECT_FALSE(fs::exists(dir_));

  ::setenv("SONDE_NO_CACHE", "1", 1);
  CompileCache by_environment(options());
  by_environment.store(input("int a;"), kObject);
  EXPECT_FALSE(by_environment.find(input("int a;")));
  ::unsetenv("SONDE_NO_CACHE");
}

TEST_F(CompileCacheTest, ADirectoryOthersCanWriteIsNotUsed) {
  fs::create_directories(dir_);
  ::chmod(dir_.c_str(), 0777);
  // It is ours, so the cache makes it private again rather than trusting it as it was.
  CompileCache cache(options());
  cache.store(input("int a;"), kObject);
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);

  const fs::path linked = dir_.string() + "_link";
  fs::remove_all(linked);
  fs::create_directory_symlink(dir_, linked);
  CacheOptions through_link = options();
  through_link.dir = linked.string();
  CompileCache via_link(through_link);
  EXPECT_FALSE(via_link.find(input("int a;"))) << "a symlinked cache directory was followed";
  EXPECT_EQ(via_link.dir(), "");
  fs::remove(linked);
}

}  // namespace
}  // namespace sonde::driver
