// User symbols against this test process, libc and a forked child.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "runtime/decode/decoder.h"
#include "runtime/decode/elf_symbols.h"
#include "runtime/decode/proc_maps.h"
#include "runtime/decode/user_symbols.h"
#include "tests/unit/decode/test_util.h"

namespace sonde_decode_test_targets {

// Functions whose addresses the tests resolve; noinline so each has its own body.
__attribute__((noinline)) int usym_target(int x) {
  asm volatile("" ::: "memory");
  return x * 3 + 1;
}

}  // namespace sonde_decode_test_targets

extern "C" __attribute__((noinline)) int sonde_decode_c_target(int x) {
  asm volatile("" ::: "memory");
  return x + 7;
}

namespace sonde::decode {
namespace {

using spec::Decoder;
using test::le_bytes;

uint64_t address_of(int (*f)(int)) { return reinterpret_cast<uint64_t>(f); }

// Key layout {u64 addr; u32 tgid; u32 pad} as generated code would use for usym(ip).
std::vector<uint8_t> usym_key(uint64_t addr, uint32_t tgid) {
  auto key = le_bytes(addr, 16);
  std::memcpy(key.data() + 8, &tgid, 4);
  return key;
}

spec::Label usym_label() {
  spec::Label l = test::label_of(Decoder::kUsym, 8);
  l.pid_offset = 8;
  return l;
}

std::string self_exe() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, n) : std::string();
}

TEST(ProcMaps, ParsesExecutableFileMappings) {
  auto maps = parse_exec_mappings(
      "55d0c3a00000-55d0c3a02000 r--p 00000000 fd:01 1835 /usr/bin/cat\n"
      "55d0c3a02000-55d0c3a07000 r-xp 00002000 fd:01 1835 /usr/bin/cat\n"
      "7f0000000000-7f0000001000 r-xp 00000000 00:00 0 \n"
      "7ffd1000-7ffd3000 r-xp 00000000 00:00 0                  [vdso]\n"
      "7f1000000000-7f1000100000 r-xp 00028000 fd:01 99 /usr/lib/my lib.so (deleted)\n"
      "garbage line\n");
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[0].start, 0x55d0c3a02000u);
  EXPECT_EQ(maps[0].offset, 0x2000u);
  EXPECT_EQ(maps[0].inode, 1835u);
  EXPECT_EQ(maps[0].path, "/usr/bin/cat");
  EXPECT_EQ(maps[1].path, "/usr/lib/my lib.so (deleted)");
  EXPECT_EQ(find_mapping(maps, 0x55d0c3a02000), &maps[0]);
  EXPECT_EQ(find_mapping(maps, 0x55d0c3a07000), nullptr);
  EXPECT_EQ(find_mapping(maps, 0x10), nullptr);
}

TEST(UsymDecoder, FunctionInThisBinaryDemangled) {
  Decoders decoders;
  auto label = usym_label();
  uint64_t cxx = address_of(&sonde_decode_test_targets::usym_target);
  uint64_t c = address_of(&sonde_decode_c_target);
  EXPECT_EQ(decoders.decode(label, usym_key(cxx, getpid())),
            "sonde_decode_test_targets::usym_target(int)");
  // An address inside the body gives the same name: no offsets, series merge.
  EXPECT_EQ(decoders.decode(label, usym_key(cxx + 1, getpid())),
            "sonde_decode_test_targets::usym_target(int)");
  EXPECT_EQ(decoders.decode(label, usym_key(c, getpid())), "sonde_decode_c_target");
  EXPECT_EQ(decoders.stats().errors, 0u);
}

TEST(UsymDecoder, FunctionInLibc) {
  Decoders decoders;
  auto label = usym_label();
  void* qsort_addr = dlsym(RTLD_DEFAULT, "qsort");
  void* getpid_addr = dlsym(RTLD_DEFAULT, "getpid");
  ASSERT_NE(qsort_addr, nullptr);
  ASSERT_NE(getpid_addr, nullptr);
  EXPECT_EQ(decoders.decode(label, usym_key(reinterpret_cast<uint64_t>(qsort_addr), getpid())),
            "qsort");
  // libc exports getpid and __getpid at one address: the plain name wins.
  EXPECT_EQ(decoders.decode(label, usym_key(reinterpret_cast<uint64_t>(getpid_addr), getpid())),
            "getpid");
}

TEST(UsymDecoder, UnmappedAddressIsHexAndCounted) {
  Decoders decoders;
  auto label = usym_label();
  EXPECT_EQ(decoders.decode(label, usym_key(0x10, getpid())), "0x10");
  EXPECT_EQ(decoders.decode(label, usym_key(0, getpid())), "0x0");
  EXPECT_EQ(decoders.stats().errors, 2u);
}

// A child that waits for a byte on `go`, then exits; its pid.
pid_t waiting_child(int go[2]) {
  if (pipe(go) != 0) return -1;
  pid_t child = fork();
  if (child == 0) {
    char c;
    close(go[1]);
    _exit(read(go[0], &c, 1) == 1 ? 0 : 1);
  }
  close(go[0]);
  return child;
}

void end_child(pid_t child, int go[2]) {
  ASSERT_EQ(write(go[1], "x", 1), 1);
  close(go[1]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
}

// Mappings read while a process lived resolve its addresses after it exited, also after
// the decoders forget what pids and stacks they saw (its pid named with its start time).
TEST(UsymDecoder, ExitedProcessKeepsItsMappingsAfterForgetting) {
  int go[2];
  pid_t child = waiting_child(go);
  ASSERT_GT(child, 0);
  Decoders decoders;
  auto label = usym_label();
  uint64_t cxx = address_of(&sonde_decode_test_targets::usym_target);
  uint64_t c = address_of(&sonde_decode_c_target);
  // The child is a copy of this process: same mappings.
  EXPECT_EQ(decoders.decode(label, usym_key(cxx, child)),
            "sonde_decode_test_targets::usym_target(int)");
  end_child(child, go);
  EXPECT_EQ(decoders.decode(label, usym_key(c, child)), "sonde_decode_c_target");
  decoders.forget_volatile();
  EXPECT_EQ(decoders.decode(label, usym_key(c, child)), "sonde_decode_c_target");
  EXPECT_EQ(decoders.decode(label, usym_key(cxx, child)),
            "sonde_decode_test_targets::usym_target(int)");
}

// Exited but not reaped: /proc still lists it, with no memory maps. What was read while
// it ran stays its mappings (not the zombie's empty list).
TEST(UsymDecoder, ZombieKeepsTheMappingsReadWhileItRan) {
  int go[2];
  pid_t child = waiting_child(go);
  ASSERT_GT(child, 0);
  Decoders decoders;
  auto label = usym_label();
  uint64_t cxx = address_of(&sonde_decode_test_targets::usym_target);
  uint64_t c = address_of(&sonde_decode_c_target);
  EXPECT_EQ(decoders.decode(label, usym_key(cxx, child)),
            "sonde_decode_test_targets::usym_target(int)");
  ASSERT_EQ(write(go[1], "x", 1), 1);
  close(go[1]);
  // Until the child is a zombie (WNOWAIT leaves it unreaped).
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
  decoders.forget_volatile();
  EXPECT_EQ(decoders.decode(label, usym_key(c, child)), "sonde_decode_c_target");
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
}

// A process that exited before any of its addresses was read: each is marked, never a
// bare address that reads like a failed lookup of a live process.
TEST(UsymDecoder, ProcessGoneBeforeAnyLookupIsMarkedExited) {
  int go[2];
  pid_t child = waiting_child(go);
  ASSERT_GT(child, 0);
  end_child(child, go);
  Decoders decoders;
  auto label = usym_label();
  uint64_t c = address_of(&sonde_decode_c_target);
  EXPECT_EQ(decoders.decode(label, usym_key(c, child)), "[exited]");
  // A live process's unmapped address stays an address.
  EXPECT_EQ(decoders.decode(label, usym_key(0x10, getpid())), "0x10");
}

// The same for the frames of a user stack.
TEST(UstackDecoder, FramesOfAProcessGoneBeforeAnyLookupAreMarkedExited) {
  int go[2];
  pid_t child = waiting_child(go);
  ASSERT_GT(child, 0);
  end_child(child, go);
  std::vector<uint64_t> frames = {address_of(&sonde_decode_c_target) + 2,
                                  address_of(&sonde_decode_test_targets::usym_target) + 3, 0};
  Decoders decoders([&](const std::string&, uint32_t, std::vector<uint64_t>& out) {
    out = frames;
    return true;
  });
  spec::Label label = test::label_of(Decoder::kUstack, 4);
  label.pid_offset = 4;
  label.aux_map = "ustacks";
  std::vector<uint8_t> key = le_bytes(3, 8);
  uint32_t tgid = static_cast<uint32_t>(child);
  std::memcpy(key.data() + 4, &tgid, 4);
  EXPECT_EQ(decoders.decode(label, key), "[exited];[exited]");
}

TEST(UsymDecoder, GoneProcessFallsBackToTheBinary) {
  std::string exe = self_exe();
  ASSERT_FALSE(exe.empty());
  auto elf = ElfSymbols::load(exe);
  ASSERT_TRUE(elf.ok()) << elf.error().message;
  // This PIE's link-time address of the target, from our own mapping.
  uint64_t cxx = address_of(&sonde_decode_test_targets::usym_target);
  auto maps = read_exec_mappings(getpid());
  ASSERT_TRUE(maps.has_value());
  const Mapping* m = find_mapping(*maps, cxx);
  ASSERT_NE(m, nullptr);
  auto vaddr = elf->file_offset_to_vaddr(cxx - m->start + m->offset);
  ASSERT_TRUE(vaddr.has_value());

  Decoders decoders;
  auto label = usym_label();
  label.binary = exe;
  constexpr uint32_t kNoSuchPid = 0x7ffffff0;  // above pid_max
  EXPECT_EQ(decoders.decode(label, usym_key(*vaddr, kNoSuchPid)),
            "sonde_decode_test_targets::usym_target(int)");
  // A runtime (biased) address of a PIE cannot be resolved without the process.
  if (elf->relocatable() && cxx != *vaddr) {
    EXPECT_EQ(decoders.decode(label, usym_key(cxx, kNoSuchPid)), "[exited]");
  }
  // No pid in the key at all: the binary directly.
  spec::Label no_pid = test::label_of(Decoder::kUsym, 8);
  no_pid.binary = exe;
  EXPECT_EQ(decoders.decode(no_pid, le_bytes(*vaddr, 8)),
            "sonde_decode_test_targets::usym_target(int)");
}

TEST(UsymDecoder, PerProcessResultsAreKeyedByPid) {
  Decoders decoders;
  auto label = usym_label();
  uint64_t c = address_of(&sonde_decode_c_target);
  EXPECT_EQ(decoders.decode(label, usym_key(c, getpid())), "sonde_decode_c_target");
  // Same address in a process that does not exist: not the cached result of another pid.
  EXPECT_EQ(decoders.decode(label, usym_key(c, 0x7ffffff0)), "[exited]");
}

TEST(UstackDecoder, FoldsUserFrames) {
  std::map<uint32_t, std::vector<uint64_t>> stacks;
  stacks[3] = {address_of(&sonde_decode_c_target) + 2,
               address_of(&sonde_decode_test_targets::usym_target) + 3, 0};
  Decoders decoders([&](const std::string&, uint32_t id, std::vector<uint64_t>& frames) {
    auto it = stacks.find(id);
    if (it == stacks.end()) return false;
    frames = it->second;
    return true;
  });
  spec::Label label = test::label_of(Decoder::kUstack, 4);
  label.pid_offset = 4;
  label.aux_map = "ustacks";
  std::vector<uint8_t> key = le_bytes(3, 8);
  uint32_t tgid = getpid();
  std::memcpy(key.data() + 4, &tgid, 4);
  EXPECT_EQ(decoders.decode(label, key),
            "sonde_decode_test_targets::usym_target(int);sonde_decode_c_target");
}

TEST(ElfSymbols, ReadsLibcDynamicSymbolsAndSegments) {
  Dl_info info;
  ASSERT_NE(dladdr(dlsym(RTLD_DEFAULT, "qsort"), &info), 0);
  auto elf = ElfSymbols::load(info.dli_fname);
  ASSERT_TRUE(elf.ok()) << elf.error().message;
  EXPECT_TRUE(elf->relocatable());
  EXPECT_GT(elf->size(), 1000u);
  EXPECT_FALSE(elf->build_id().empty());
  EXPECT_FALSE(ElfSymbols::load("/proc/self/status").ok());
  EXPECT_FALSE(ElfSymbols::load("/nonexistent").ok());
}

}  // namespace
}  // namespace sonde::decode
