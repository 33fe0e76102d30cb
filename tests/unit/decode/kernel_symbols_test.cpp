// Kernel symbols and kernel stacks against this machine's /proc/kallsyms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include "runtime/decode/decoder.h"
#include "runtime/decode/folded_stack.h"
#include "runtime/decode/kernel_symbols.h"
#include "tests/unit/decode/test_util.h"

namespace sonde::decode {
namespace {

using spec::Decoder;
using test::kallsyms_address;
using test::label_of;
using test::le_bytes;

TEST(KernelSymbols, LoadsTheRunningKernelsTable) {
  // How long the load takes is reported by bench/micro (sonde_decoder_bench).
  auto table = KernelSymbols::load();
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_GT(table->size(), 10000u);
}

TEST(KernelSymbols, HiddenAddressesAreAnError) {
  std::string path = ::testing::TempDir() + "/kallsyms_hidden";
  std::ofstream(path) << "0000000000000000 T schedule\n0000000000000000 t foo\t[mod]\n";
  auto table = KernelSymbols::load(path);
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.error().hint.find("kptr_restrict"), std::string::npos);
  EXPECT_FALSE(KernelSymbols::load("/nonexistent/kallsyms").ok());
}

TEST(KernelSymbols, ParsesAliasesModulesAndUnsortedInput) {
  std::string path = ::testing::TempDir() + "/kallsyms_fake";
  std::ofstream(path) << "ffffffffc0002000 t mod_func\t[mymod]\n"
                         "ffffffff81000000 T _text\n"
                         "ffffffff81000000 T startup_64\n"
                         "ffffffff81000000 t __local_alias\n"
                         "ffffffff81000100 T schedule\n"
                         "0000000000001000 A fixed_percpu_data\n"
                         "ffffffffc0001000 t ftrace_trampoline\t[__builtin__ftrace]\n"
                         "ffffffff81000200 T no_newline_at_end";
  auto table = KernelSymbols::load(path);
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(table->lookup(0xffffffff81000000), "startup_64");
  EXPECT_EQ(table->lookup(0xffffffff810000ff), "startup_64");
  EXPECT_EQ(table->lookup(0xffffffff81000104), "schedule");
  EXPECT_EQ(table->lookup(0xffffffff81000200), "no_newline_at_end");
  EXPECT_EQ(table->lookup(0xffffffffc0002010), "mod_func");
  EXPECT_EQ(table->lookup(0xffffffffc0001000), "ftrace_trampoline");
  EXPECT_EQ(table->lookup(0x1000), "");              // absolute symbols are not code
  EXPECT_EQ(table->lookup(0xffffffff80000000), "");  // before every symbol
  EXPECT_EQ(table->lookup(0xffffffffa0000000), "");  // far past the nearest one
  EXPECT_EQ(table->size(), 5u);
}

TEST(KsymDecoder, NamesAKnownFunctionAndMergesOffsets) {
  uint64_t schedule = kallsyms_address("schedule");
  ASSERT_NE(schedule, 0u) << "schedule not in /proc/kallsyms";
  Decoders decoders;
  auto label = label_of(Decoder::kKsym, 8);
  EXPECT_EQ(decoders.decode(label, le_bytes(schedule, 8)), "schedule");
  EXPECT_EQ(decoders.decode(label, le_bytes(schedule + 4, 8)), "schedule");
  EXPECT_EQ(decoders.stats().errors, 0u);
}

TEST(KsymDecoder, ModuleSymbolsResolveWhenPresent) {
  std::ifstream in("/proc/kallsyms");
  std::string line;
  uint64_t addr = 0;
  std::string name;
  while (std::getline(in, line)) {
    auto bracket = line.find("\t[");
    if (bracket == std::string::npos || line[17] == 'a' || line[17] == 'A') continue;
    addr = std::stoull(line.substr(0, 16), nullptr, 16);
    name = line.substr(19, bracket - 19);
    break;
  }
  if (addr == 0) GTEST_SKIP() << "no module symbols in /proc/kallsyms on this kernel";
  Decoders decoders;
  auto result = decoders.decode(label_of(Decoder::kKsym, 8), le_bytes(addr, 8));
  // Several symbols may share the address; whichever is shown, it is a name, not hex.
  EXPECT_EQ(result.rfind("0x", 0), std::string::npos) << result << " for " << name;
}

TEST(KsymDecoder, ZeroAndUnknownAddressesAreHexAndCounted) {
  Decoders decoders;
  auto label = label_of(Decoder::kKsym, 8);
  EXPECT_EQ(decoders.decode(label, le_bytes(0, 8)), "0x0");
  EXPECT_EQ(decoders.decode(label, le_bytes(0x1234, 8)), "0x1234");
  EXPECT_EQ(decoders.stats().errors, 2u);
}

// A stack map in memory: ids -> frames, leaf first, zero padded like the kernel's.
class FakeStacks {
 public:
  std::map<uint32_t, std::vector<uint64_t>> stacks;
  StackReader reader() {
    return [this](const std::string& map, uint32_t id, std::vector<uint64_t>& frames) {
      ++reads;
      last_map = map;
      auto it = stacks.find(id);
      if (it == stacks.end()) return false;
      frames = it->second;
      return true;
    };
  }
  int reads = 0;
  std::string last_map;
};

TEST(KstackDecoder, FoldsFramesRootFirst) {
  uint64_t schedule = kallsyms_address("schedule");
  uint64_t timeout = kallsyms_address("schedule_timeout");
  uint64_t syscall = kallsyms_address("do_syscall_64");
  if (!schedule || !timeout || !syscall) GTEST_SKIP() << "expected symbols not in kallsyms";
  FakeStacks fake;
  fake.stacks[7] = {schedule + 0x10, timeout + 0x20, syscall + 0x30, 0, 0, 0};
  Decoders decoders(fake.reader());
  auto label = label_of(Decoder::kKstack, 4);
  label.aux_map = "kstacks";
  EXPECT_EQ(decoders.decode(label, le_bytes(7, 4)), "do_syscall_64;schedule_timeout;schedule");
  EXPECT_EQ(fake.last_map, "kstacks");
  EXPECT_EQ(decoders.stats().errors, 0u);

  // bpf_get_stackid failed: the key holds its negative errno. EFAULT is an event with
  // no kernel frames (a profile sample in user space), not an error.
  EXPECT_EQ(decoders.decode(label, le_bytes(static_cast<uint32_t>(-14), 4)), "[no kernel stack]");
  auto label64 = label_of(Decoder::kKstack, 8);
  EXPECT_EQ(decoders.decode(label64, le_bytes(static_cast<uint64_t>(-17), 8)),
            "[stack error: EEXIST]");
  EXPECT_EQ(decoders.decode(label, le_bytes(8, 4)), "[stack 8 missing]");
  EXPECT_EQ(decoders.stats().errors, 2u);
}

// The highest text symbol of /proc/kallsyms below `addr`, and every name at its address.
std::vector<std::string> symbols_just_below(uint64_t addr) {
  std::ifstream in("/proc/kallsyms");
  std::string line;
  uint64_t best = 0;
  std::vector<std::string> names;
  while (std::getline(in, line)) {
    if (line.size() < 20 || (line[17] != 't' && line[17] != 'T')) continue;
    uint64_t a = std::stoull(line.substr(0, 16), nullptr, 16);
    if (a >= addr || a < best) continue;
    if (a > best) names.clear();
    best = a;
    names.push_back(line.substr(19, line.find('\t', 19) - 19));
  }
  return names;
}

// A caller's frame is a return address. After a call to a noreturn function it is the
// first byte of the next function (x86_64_start_kernel's call to start_kernel returned
// to "__pfx_clear_bss"); one byte back is the call, in the caller.
TEST(KstackDecoder, ReturnAddressesAreLookedUpAtTheCall) {
  uint64_t schedule = kallsyms_address("schedule");
  ASSERT_NE(schedule, 0u) << "schedule not in /proc/kallsyms";
  auto before = symbols_just_below(schedule);
  ASSERT_FALSE(before.empty());
  FakeStacks fake;
  // The leaf is where the event happened: the first byte of schedule is schedule.
  fake.stacks[1] = {schedule, schedule, 0};
  fake.stacks[2] = {schedule + 1, schedule + 1, 0};
  Decoders decoders(fake.reader());
  auto label = label_of(Decoder::kKstack, 4);
  std::string folded = decoders.decode(label, le_bytes(1, 4));
  auto semicolon = folded.find(';');
  ASSERT_NE(semicolon, std::string::npos) << folded;
  EXPECT_EQ(folded.substr(semicolon), ";schedule") << folded;
  std::string caller = folded.substr(0, semicolon);
  EXPECT_NE(std::find(before.begin(), before.end(), caller), before.end())
      << caller << " is not the symbol just below schedule (" << before.front() << ")";
  EXPECT_EQ(decoders.decode(label, le_bytes(2, 4)), "schedule;schedule");
}

TEST(FoldFrames, OnlyTheLeafIsLookedUpAtItsOwnAddress) {
  std::vector<std::pair<uint64_t, uint64_t>> asked;
  const uint64_t frames[] = {0x1000, 0x2000, 0x3000, 0};
  std::string folded = fold_frames(frames, [&](uint64_t addr, uint64_t lookup) {
    asked.emplace_back(addr, lookup);
    return std::to_string(addr);
  });
  EXPECT_EQ(folded, "12288;8192;4096");
  std::vector<std::pair<uint64_t, uint64_t>> want = {
      {0x3000, 0x2fff}, {0x2000, 0x1fff}, {0x1000, 0x1000}};
  EXPECT_EQ(asked, want);
}

TEST(KstackDecoder, UnknownFramesShowTheirAddress) {
  FakeStacks fake;
  fake.stacks[1] = {0x10, 0x20};
  Decoders decoders(fake.reader());
  auto label = label_of(Decoder::kKstack, 8);
  EXPECT_EQ(decoders.decode(label, le_bytes(1, 8)), "0x20;0x10");
}

TEST(KstackDecoder, WithoutAReaderStacksAreMissing) {
  Decoders decoders;
  EXPECT_EQ(decoders.decode(label_of(Decoder::kKstack, 4), le_bytes(3, 4)), "[stack 3 missing]");
}

TEST(KstackDecoder, StackIdsAreForgottenWithVolatileResults) {
  FakeStacks fake;
  fake.stacks[1] = {0x10};
  Decoders decoders(fake.reader());
  auto label = label_of(Decoder::kKstack, 4);
  EXPECT_EQ(decoders.decode(label, le_bytes(1, 4)), "0x10");
  EXPECT_EQ(decoders.decode(label, le_bytes(1, 4)), "0x10");
  EXPECT_EQ(fake.reads, 1);
  fake.stacks[1] = {0x30};  // the kernel reused the id
  decoders.forget_volatile();
  EXPECT_EQ(decoders.decode(label, le_bytes(1, 4)), "0x30");
  EXPECT_EQ(fake.reads, 2);
}

}  // namespace
}  // namespace sonde::decode
