// Disks and cgroups, against this machine's sysfs and cgroup2 hierarchy.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "runtime/decode/cgroup.h"
#include "runtime/decode/decoder.h"
#include "runtime/decode/disk.h"
#include "tests/unit/decode/test_util.h"

namespace sonde::decode {
namespace {

using spec::Decoder;
using test::label_of;
using test::le_bytes;

TEST(DiskDecoder, RootDeviceByName) {
  struct stat st;
  ASSERT_EQ(stat("/", &st), 0);
  uint32_t maj = major(st.st_dev), min = minor(st.st_dev);
  std::string sys_dir = "/sys/dev/block/" + std::to_string(maj) + ":" + std::to_string(min);
  if (!std::filesystem::exists(sys_dir)) {
    GTEST_SKIP() << "/ is not on a block device (" << maj << ":" << min << ")";
  }
  Decoders decoders;
  uint32_t dev = kernel_dev(maj, min);
  std::string name = decoders.decode(label_of(Decoder::kDisk, 4), le_bytes(dev, 4));
  EXPECT_EQ(decoders.decode(label_of(Decoder::kDisk, 8), le_bytes(dev, 8)), name);
  // The name is the device whose sysfs entry this is.
  std::string uevent;
  std::ifstream in(sys_dir + "/uevent");
  bool found = false;
  for (std::string line; std::getline(in, line);) found |= line == "DEVNAME=" + name;
  EXPECT_TRUE(found) << name << " is not DEVNAME of " << sys_dir;
  EXPECT_EQ(decoders.stats().errors, 0u);
}

TEST(DiskDecoder, UnknownDeviceIsMajorMinor) {
  Decoders decoders;
  EXPECT_EQ(decoders.decode(label_of(Decoder::kDisk, 4), le_bytes(kernel_dev(4000, 77), 4)),
            "4000:77");
  EXPECT_EQ(decoders.stats().errors, 1u);
  EXPECT_FALSE(disk_name(4000, 77).has_value());
}

TEST(DiskDecoder, ReadsDevnameFromAGivenSysfs) {
  auto root = std::filesystem::path(::testing::TempDir()) / "sonde_fake_sys";
  std::filesystem::create_directories(root / "dev/block/8:1");
  std::ofstream(root / "dev/block/8:1/uevent")
      << "MAJOR=8\nMINOR=1\nDEVNAME=sda1\nDEVTYPE=partition\n";
  EXPECT_EQ(disk_name(8, 1, root.string()), "sda1");
  EXPECT_EQ(kernel_dev(8, 1), (8u << 20) | 1u);
}

// A cgroup made for the test, removed after it.
class TestCgroup {
 public:
  explicit TestCgroup(const std::string& mount) {
    path_ = mount + "/sonde-decode-test-" + std::to_string(getpid());
    rmdir(path_.c_str());
    ok_ = mkdir(path_.c_str(), 0755) == 0;
  }
  ~TestCgroup() {
    if (ok_) rmdir(path_.c_str());
  }
  bool ok() const { return ok_; }
  uint64_t id() const {
    struct stat st;
    return stat(path_.c_str(), &st) == 0 ? st.st_ino : 0;
  }
  std::string relative() const { return "/sonde-decode-test-" + std::to_string(getpid()); }

 private:
  std::string path_;
  bool ok_ = false;
};

TEST(CgroupDecoder, FindsTheCgroup2Mount) {
  std::string path = ::testing::TempDir() + "/mountinfo";
  std::ofstream(path) << "25 1 0:23 / /sys rw - sysfs sysfs rw\n"
                         "36 25 0:31 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw\n"
                         "37 25 0:32 / /sys/fs/cgroup/with\\040space rw - cgroup cgroup rw,cpu\n";
  EXPECT_EQ(find_cgroup2_mount(path), "/sys/fs/cgroup/unified");
  std::ofstream(path) << "36 25 0:31 / /mnt/my\\040cg rw - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(find_cgroup2_mount(path), "/mnt/my cg");
  EXPECT_EQ(find_cgroup2_mount("/nonexistent"), "");
  // Read inside a cgroup namespace two levels down (unshare -C here shows this): the
  // host's hierarchy, bind-mounted into a container, is still the whole of it.
  std::ofstream(path)
      << "40 30 0:37 /../.. /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(find_cgroup2_mount(path), "/sys/fs/cgroup/unified");
  // A subtree mounted alone is not the hierarchy: its paths would be the subtree's.
  std::ofstream(path) << "40 30 0:37 /kubepods /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(find_cgroup2_mount(path), "");
}

TEST(CgroupDecoder, RootAndANewCgroup) {
  std::string mount = find_cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "cgroup2 is not mounted on this host";
  TestCgroup cg(mount);
  ASSERT_TRUE(cg.ok()) << "mkdir under " << mount << " failed";
  struct stat st;
  ASSERT_EQ(stat(mount.c_str(), &st), 0);

  Decoders decoders;
  auto label = label_of(Decoder::kCgroup, 8);
  EXPECT_EQ(decoders.decode(label, le_bytes(st.st_ino, 8)), "/");
  EXPECT_EQ(st.st_ino, 1u);  // the root's id, as bpf_get_current_cgroup_id reports it
  EXPECT_EQ(decoders.decode(label, le_bytes(cg.id(), 8)), cg.relative());
  EXPECT_EQ(decoders.stats().errors, 0u);
}

TEST(CgroupDecoder, ByHandleResolvesNewAndGoneCgroupsWithoutWalking) {
  std::string mount = find_cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "cgroup2 is not mounted on this host";
  CgroupPaths paths(mount);
  EXPECT_EQ(paths.lookup(1).path.value_or("?"), "/");
  if (!paths.by_handle()) GTEST_SKIP() << "open_by_handle_at is not permitted here";
  uint64_t id = 0;
  {
    TestCgroup cg(mount);
    ASSERT_TRUE(cg.ok());
    id = cg.id();
    auto found = paths.lookup(id);
    EXPECT_EQ(found.path.value_or("?"), cg.relative());
  }
  paths.mark_stale();
  auto gone = paths.lookup(id);
  EXPECT_EQ(gone.path, std::nullopt);
  EXPECT_TRUE(gone.final);  // cgroup ids are never reused
  EXPECT_EQ(paths.lookup(1ull << 40).path, std::nullopt);
  EXPECT_EQ(paths.walks(), 0u);
}

TEST(CgroupDecoder, WalkIdsMatchStat) {
  std::string mount = find_cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "cgroup2 is not mounted on this host";
  TestCgroup cg(mount);
  ASSERT_TRUE(cg.ok());
  CgroupPaths paths(mount, std::chrono::seconds(1), CgroupPaths::Method::kWalk);
  // Every cgroup the walk found has the id stat reports for its directory.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(mount)) {
    if (!entry.is_directory()) continue;
    struct stat st;
    ASSERT_EQ(stat(entry.path().c_str(), &st), 0);
    auto found = paths.lookup(st.st_ino);
    ASSERT_TRUE(found.path.has_value()) << entry.path();
    EXPECT_EQ(mount + (*found.path == "/" ? "" : *found.path), entry.path().string());
  }
  EXPECT_EQ(paths.walks(), 1u);
}

TEST(CgroupDecoder, MissesRewalkAtMostOncePerInterval) {
  std::string mount = find_cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "cgroup2 is not mounted on this host";
  using namespace std::chrono;
  constexpr auto kInterval = milliseconds(500);
  CgroupPaths paths(mount, kInterval, CgroupPaths::Method::kWalk);
  auto walked_at = steady_clock::now();
  auto unknown = paths.lookup(1ull << 62);  // the first lookup walks
  EXPECT_EQ(unknown.path, std::nullopt);
  EXPECT_FALSE(unknown.final);
  EXPECT_EQ(paths.walks(), 1u);
  TestCgroup cg(mount);
  ASSERT_TRUE(cg.ok());
  for (int i = 0; i < 1000; ++i) (void)paths.lookup((1ull << 62) + i);
  auto missed = paths.lookup(cg.id());
  if (steady_clock::now() - walked_at < kInterval) {
    EXPECT_EQ(missed.path, std::nullopt);  // too soon to walk again
    EXPECT_EQ(paths.walks(), 1u);
  }
  std::this_thread::sleep_until(walked_at + kInterval + milliseconds(20));
  EXPECT_EQ(paths.lookup(cg.id()).path.value_or("?"), cg.relative());
  EXPECT_EQ(paths.walks(), 2u);
}

TEST(CgroupDecoder, UnknownIdIsNumericAndCounted) {
  std::string mount = find_cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "cgroup2 is not mounted on this host";
  CgroupPaths probe(mount);
  (void)probe.lookup(1);
  Decoders decoders;
  auto label = label_of(Decoder::kCgroup, 8);
  EXPECT_EQ(decoders.decode(label, le_bytes(123456789012ull, 8)), "123456789012");
  EXPECT_EQ(decoders.stats().errors, 1u);
  if (probe.by_handle()) {
    // By handle, "no such cgroup" is final: the next decode is a cache hit.
    EXPECT_EQ(decoders.decode(label, le_bytes(123456789012ull, 8)), "123456789012");
    EXPECT_EQ(decoders.stats().cache_hits, 1u);
  }
}

// Without CAP_DAC_READ_SEARCH, handles cannot be opened and the decoder walks: a cgroup
// created after a walk is numeric at first, and named once a walk is allowed again.
// Runs in a child (it drops a capability); returns its exit code.
int walk_fallback(const std::string& mount) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct caps[2] = {};
  if (syscall(SYS_capget, &header, caps) != 0) return 10;
  caps[CAP_DAC_READ_SEARCH / 32].effective &= ~(1u << (CAP_DAC_READ_SEARCH % 32));
  if (syscall(SYS_capset, &header, caps) != 0) return 11;
  CgroupPaths probe(mount);
  (void)probe.lookup(1);
  if (probe.by_handle()) return 12;

  using namespace std::chrono;
  Decoders decoders;
  auto label = label_of(Decoder::kCgroup, 8);
  if (decoders.decode(label, le_bytes(1, 8)) != "/") return 13;
  auto walked_at = steady_clock::now();
  TestCgroup cg(mount);
  if (!cg.ok()) return 14;
  std::string first = decoders.decode(label, le_bytes(cg.id(), 8));
  if (steady_clock::now() - walked_at < milliseconds(900) && first != std::to_string(cg.id())) {
    return 15;
  }
  std::this_thread::sleep_until(walked_at + milliseconds(1050));
  // The failure was not cached for good: now that a walk is allowed, it resolves.
  if (decoders.decode(label, le_bytes(cg.id(), 8)) != cg.relative()) return 16;
  return 0;
}

TEST(CgroupDecoder, WalksWhenHandlesAreNotPermitted) {
  std::string mount = find_cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "cgroup2 is not mounted on this host";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(_exit(walk_fallback(mount)), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace sonde::decode
