// Attaching every probe kind against the real kernel: the kinds that work here count
// exactly what the test does; the others fail with a message that names the probe.
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <tuple>

#include <fmt/format.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/bpf/attach.h"
#include "tests/unit/bpf/data/slots.h"
#include "tests/unit/bpf/test_util.h"
#include "tests/unit/bpf/usdt_probe.h"

extern "C" __attribute__((noinline, used)) int sonde_test_uprobe_target(int x) {
  __asm__ __volatile__("" ::: "memory");
  return x * 2 + 1;
}

namespace sonde::bpf {
namespace {

using spec::AttachKind;
using ::testing::AllOf;
using testing::describe;
using ::testing::HasSubstr;
using testing::probe;

constexpr int kCalls = 1000;

__attribute__((noinline)) void usdt_site(long value) { SONDE_TEST_USDT1(sonde_test, tick, value); }

void burn_cpu(std::chrono::milliseconds how_long) {
  auto end = std::chrono::steady_clock::now() + how_long;
  volatile uint64_t x = 0;
  while (std::chrono::steady_clock::now() < end) x = x + 1;
}

spec::Probe uprobe(AttachKind kind, std::string program, std::string path, std::string symbol) {
  spec::Probe p =
      probe(std::move(program), kind, symbol,
            (kind == AttachKind::kUprobe ? "uprobe:" : "uretprobe:") + path + ":" + symbol);
  p.path = std::move(path);
  return p;
}

spec::Probe perf_event(uint32_t type, uint64_t config, uint64_t freq, uint64_t period,
                       std::string display) {
  spec::Probe p = probe("on_perf_event", AttachKind::kPerfEvent, "", std::move(display));
  p.perf_type = type;
  p.perf_config = config;
  p.sample_freq = freq;
  p.sample_period = period;
  return p;
}

// The counter object, loaded for this process, with its `counts` map.
class CounterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Object> opened = testing::open_for_this_process("counter");
    ASSERT_TRUE(opened.ok()) << describe(opened);
    object_ = std::make_unique<Object>(std::move(*opened));
    Status loaded = object_->load();
    ASSERT_TRUE(loaded.ok()) << describe(loaded);
    Result<Map> counts = object_->map("counts");
    ASSERT_TRUE(counts.ok()) << describe(counts);
    counts_ = std::make_unique<Map>(std::move(*counts));
  }

  uint64_t count(uint32_t slot) const { return testing::slot(*counts_, slot); }

  std::unique_ptr<Object> object_;
  std::unique_ptr<Map> counts_;
};

TEST_F(CounterTest, TracepointCountsExactly) {
  Result<Links> links =
      attach(*object_, probe("on_tracepoint", AttachKind::kTracepoint, "syscalls:sys_enter_getpid",
                             "tracepoint:syscalls:sys_enter_getpid"));
  ASSERT_TRUE(links.ok()) << describe(links);
  EXPECT_EQ(links->size(), 1u);
  testing::call_getpid(kCalls);
  EXPECT_EQ(count(SLOT_TRACEPOINT), uint64_t{kCalls});
  links->clear();
  testing::call_getpid(10);
  EXPECT_EQ(count(SLOT_TRACEPOINT), uint64_t{kCalls});  // detached: no more counting
}

TEST_F(CounterTest, RawTracepointCountsExactly) {
  Result<Links> links = attach(*object_, probe("on_raw_tracepoint", AttachKind::kRawTracepoint,
                                               "sys_enter", "rawtracepoint:sys_enter"));
  ASSERT_TRUE(links.ok()) << describe(links);
  testing::call_getpid(kCalls);
  EXPECT_EQ(count(SLOT_RAW_TRACEPOINT), uint64_t{kCalls});
}

TEST_F(CounterTest, BtfTracepointCountsExactly) {
  Result<Links> links = attach(*object_, probe("on_btf_tracepoint", AttachKind::kBtfTracepoint,
                                               "sys_enter", "tp_btf:sys_enter"));
  ASSERT_TRUE(links.ok()) << describe(links);
  testing::call_getpid(kCalls);
  EXPECT_EQ(count(SLOT_BTF_TRACEPOINT), uint64_t{kCalls});
}

TEST_F(CounterTest, UprobeAndUretprobeCountExactly) {
  std::string exe = testing::self_exe();
  Result<Links> enter =
      attach(*object_, uprobe(AttachKind::kUprobe, "on_uprobe", exe, "sonde_test_uprobe_target"));
  ASSERT_TRUE(enter.ok()) << describe(enter);
  Result<Links> exit = attach(
      *object_, uprobe(AttachKind::kUretprobe, "on_uretprobe", exe, "sonde_test_uprobe_target"));
  ASSERT_TRUE(exit.ok()) << describe(exit);
  int (*volatile target)(int) = sonde_test_uprobe_target;
  for (int i = 0; i < kCalls; ++i) target(i);
  EXPECT_EQ(count(SLOT_UPROBE), uint64_t{kCalls});
  EXPECT_EQ(count(SLOT_URETPROBE), uint64_t{kCalls});
}

TEST_F(CounterTest, UsdtCountsAndReadsItsArgument) {
  spec::Probe p = probe("on_usdt", AttachKind::kUsdt, "tick", "usdt:self:sonde_test:tick");
  p.path = testing::self_exe();
  p.provider = "sonde_test";
  Result<Links> links = attach(*object_, p);
  ASSERT_TRUE(links.ok()) << describe(links);
  for (int i = 1; i <= 100; ++i) usdt_site(i);
  EXPECT_EQ(count(SLOT_USDT), 100u);
  EXPECT_EQ(count(SLOT_USDT_ARG_SUM), 5050u);
  // USDT links detach through the object's USDT state: the Object may go first.
  object_.reset();
  usdt_site(1);
  EXPECT_EQ(count(SLOT_USDT), 101u);
  links->clear();
  usdt_site(1);
  EXPECT_EQ(count(SLOT_USDT), 101u);
}

TEST_F(CounterTest, ProfileEventFiresOnEveryCpu) {
  Result<Links> links = attach(
      *object_, perf_event(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 999, 0, "profile:hz:999"));
  ASSERT_TRUE(links.ok()) << describe(links);
  EXPECT_EQ(links->size(), static_cast<size_t>(sysconf(_SC_NPROCESSORS_ONLN)));
  burn_cpu(std::chrono::milliseconds(200));
  EXPECT_GT(count(SLOT_PERF_EVENT), 0u);
}

TEST_F(CounterTest, SoftwareEventWithPeriodFires) {
  Result<Links> links = attach(*object_, perf_event(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS,
                                                    0, 1, "software:page-faults:1"));
  ASSERT_TRUE(links.ok()) << describe(links);
  constexpr size_t kPages = 64;
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* memory =
      mmap(nullptr, kPages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(memory, MAP_FAILED);
  for (size_t i = 0; i < kPages; ++i) static_cast<volatile char*>(memory)[i * page] = 1;
  munmap(memory, kPages * page);
  EXPECT_GE(count(SLOT_PERF_EVENT), kPages);
}

TEST_F(CounterTest, HardwareEventIsRefusedInWords) {
  Result<Links> links = attach(*object_, perf_event(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 0,
                                                    100000, "hardware:cycles:100000"));
  if (links.ok() && access("/sys/bus/event_source/devices/cpu", F_OK) == 0) {
    GTEST_SKIP() << "this machine has a hardware PMU";
  }
  ASSERT_FALSE(links.ok());
  EXPECT_EQ(links.error().message,
            "hardware:cycles:100000: hardware perf events are not available here (no PMU in "
            "this virtual machine)");
}

TEST_F(CounterTest, MissingTracepointSuggestsTheClosestName) {
  Result<Links> links =
      attach(*object_, probe("on_tracepoint", AttachKind::kTracepoint, "syscalls:sys_enter_getpidd",
                             "tracepoint:syscalls:sys_enter_getpidd"));
  ASSERT_FALSE(links.ok());
  EXPECT_EQ(links.error().message,
            "tracepoint:syscalls:sys_enter_getpidd: this kernel has no tracepoint "
            "'syscalls:sys_enter_getpidd'");
  EXPECT_EQ(links.error().hint, "did you mean 'sys_enter_getpid'?");
}

TEST_F(CounterTest, MissingRawTracepoint) {
  Result<Links> links = attach(*object_, probe("on_raw_tracepoint", AttachKind::kRawTracepoint,
                                               "no_such_raw_tp", "rawtracepoint:no_such_raw_tp"));
  ASSERT_FALSE(links.ok());
  EXPECT_THAT(links.error().message, HasSubstr("this kernel has no raw tracepoint "
                                               "'no_such_raw_tp'"));
}

TEST_F(CounterTest, UprobeOnMissingBinaryOrSymbolSaysWhich) {
  Result<Links> no_binary =
      attach(*object_, uprobe(AttachKind::kUprobe, "on_uprobe", "/nonexistent/sonde-test", "main"));
  ASSERT_FALSE(no_binary.ok());
  EXPECT_EQ(no_binary.error().message,
            "uprobe:/nonexistent/sonde-test:main: the binary '/nonexistent/sonde-test' does not "
            "exist");
  std::string exe = testing::self_exe();
  Result<Links> no_symbol =
      attach(*object_, uprobe(AttachKind::kUprobe, "on_uprobe", exe, "sonde_no_such_function"));
  ASSERT_FALSE(no_symbol.ok());
  EXPECT_THAT(no_symbol.error().message,
              HasSubstr(fmt::format("'{}' has no function named 'sonde_no_such_function'", exe)));
  Result<Links> not_elf =
      attach(*object_, uprobe(AttachKind::kUprobe, "on_uprobe", "/etc/hostname", "main"));
  ASSERT_FALSE(not_elf.ok());
  EXPECT_THAT(not_elf.error().message, HasSubstr("'/etc/hostname' is not an ELF binary"));
}

TEST_F(CounterTest, UsdtMissingProbe) {
  spec::Probe p = probe("on_usdt", AttachKind::kUsdt, "nope", "usdt:self:sonde_test:nope");
  p.path = testing::self_exe();
  p.provider = "sonde_test";
  Result<Links> links = attach(*object_, p);
  ASSERT_FALSE(links.ok());
  EXPECT_THAT(links.error().message, HasSubstr("has no USDT probe 'sonde_test:nope'"));
}

TEST_F(CounterTest, WrongProgramTypeIsAnInternalError) {
  Result<Links> links = attach(*object_, probe("on_tracepoint", AttachKind::kRawTracepoint,
                                               "sys_enter", "rawtracepoint:sys_enter"));
  ASSERT_FALSE(links.ok());
  EXPECT_THAT(links.error().message,
              HasSubstr("internal error: program 'on_tracepoint' is a tracepoint program"));
  Result<Links> unknown =
      attach(*object_, probe("nope", AttachKind::kTracepoint, "syscalls:sys_enter_getpid", "x"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "x: the BPF object has no program 'nope'");
}

// Statements on one hook share a program: each of their probes names it, and it is
// attached once, so every getpid counts once, not once per probe.
TEST_F(CounterTest, ProbesNamingOneProgramAttachItOnce) {
  std::vector<spec::Probe> probes = {
      probe("on_tracepoint", AttachKind::kTracepoint, "syscalls:sys_enter_getpid",
            "tracepoint:syscalls:sys_enter_getpid"),
      probe("on_tracepoint", AttachKind::kTracepoint, "syscalls:sys_enter_getpid",
            "tracepoint:syscalls:sys_enter_getpid"),
  };
  {
    Result<Links> links = attach_all(*object_, probes);
    ASSERT_TRUE(links.ok()) << links.error().message;
    EXPECT_EQ(links->size(), 1u);
    testing::call_getpid(10);
    EXPECT_EQ(count(SLOT_TRACEPOINT), 10u);
  }
  AttachReport report = attach_each(*object_, probes);
  EXPECT_EQ(report.links.size(), 1u);
  EXPECT_TRUE(report.failures.empty());
  testing::call_getpid(10);
  EXPECT_EQ(count(SLOT_TRACEPOINT), 20u);

  // A shared program that cannot attach fails each probe naming it.
  std::vector<spec::Probe> missing = {
      probe("on_raw_tracepoint", AttachKind::kRawTracepoint, "sonde_no_such_tracepoint", "a"),
      probe("on_raw_tracepoint", AttachKind::kRawTracepoint, "sonde_no_such_tracepoint", "b"),
  };
  AttachReport failed = attach_each(*object_, missing);
  EXPECT_EQ(failed.links.size(), 0u);
  ASSERT_EQ(failed.failures.size(), 2u);
  EXPECT_EQ(failed.failures[1].probe, 1u);
}

TEST_F(CounterTest, AttachAllIsAllOrNothing) {
  std::vector<spec::Probe> probes = {
      probe("on_tracepoint", AttachKind::kTracepoint, "syscalls:sys_enter_getpid",
            "tracepoint:syscalls:sys_enter_getpid"),
      probe("on_raw_tracepoint", AttachKind::kRawTracepoint, "sys_enter",
            "rawtracepoint:sys_enter"),
      // A program of its own: probes naming one program share it (attached once).
      uprobe(AttachKind::kUprobe, "on_uprobe", "/nonexistent/sonde-test", "main"),
  };
  Result<Links> links = attach_all(*object_, probes);
  ASSERT_FALSE(links.ok());
  EXPECT_THAT(links.error().message, HasSubstr("uprobe:/nonexistent/sonde-test:main:"));
  testing::call_getpid(10);
  EXPECT_EQ(count(SLOT_TRACEPOINT), 0u);  // the first two were detached again
  EXPECT_EQ(count(SLOT_RAW_TRACEPOINT), 0u);

  AttachReport report = attach_each(*object_, probes);
  EXPECT_EQ(report.links.size(), 2u);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].probe, 2u);
  testing::call_getpid(10);
  EXPECT_EQ(count(SLOT_TRACEPOINT), 10u);
  EXPECT_EQ(count(SLOT_RAW_TRACEPOINT), 10u);
}

// Hooks this kernel refuses, each with the message a user should see.
class UnsupportedTest : public ::testing::Test {
 protected:
  // Loads only `program` of the unsupported object.
  Result<Object> load_only(const std::string& program, const spec::Probe& p) {
    Result<Object> object = Object::open(testing::read_object("unsupported"), "unsupported");
    if (!object.ok()) return object;
    LoadOptions options;
    for (const std::string& name : object->program_names()) {
      if (name != program) options.disabled_programs.push_back(name);
    }
    options.probes = {&p, 1};
    Status loaded = object->load(options);
    if (!loaded.ok()) return loaded.error();
    return object;
  }
};

TEST_F(UnsupportedTest, KprobeAndKretprobe) {
  if (access("/sys/bus/event_source/devices/kprobe", F_OK) == 0) {
    GTEST_SKIP() << "this kernel has kprobes";
  }
  spec::Probe p = probe("on_kprobe", AttachKind::kKprobe, "do_nanosleep", "kprobe:do_nanosleep");
  Result<Object> object = load_only("on_kprobe", p);
  ASSERT_TRUE(object.ok()) << describe(object);  // kprobe programs load; attaching fails
  Result<Links> links = attach(*object, p);
  ASSERT_FALSE(links.ok());
  EXPECT_EQ(links.error().message,
            "kprobe:do_nanosleep: kernel-function probes are not available on this kernel "
            "(CONFIG_KPROBES is off)");
  EXPECT_THAT(links.error().hint, HasSubstr("tracepoint"));

  spec::Probe r =
      probe("on_kretprobe", AttachKind::kKretprobe, "do_nanosleep", "kretprobe:do_nanosleep");
  Result<Object> ret = load_only("on_kretprobe", r);
  ASSERT_TRUE(ret.ok()) << describe(ret);
  Result<Links> ret_links = attach(*ret, r);
  ASSERT_FALSE(ret_links.ok());
  EXPECT_THAT(ret_links.error().message, HasSubstr("kretprobe:do_nanosleep: kernel-function"));
}

TEST_F(UnsupportedTest, FentryAndFexitFailAtLoad) {
  for (auto [program, kind, display] :
       {std::tuple{"on_fentry", AttachKind::kFentry, "fentry:do_nanosleep"},
        std::tuple{"on_fexit", AttachKind::kFexit, "fexit:do_nanosleep"}}) {
    spec::Probe p = probe(program, kind, "do_nanosleep", display);
    Result<Object> object = load_only(program, p);
    if (object.ok()) GTEST_SKIP() << "this kernel allows fentry/fexit";
    EXPECT_EQ(object.error().message,
              std::string(display) + ": fentry/fexit are blocked by this kernel");
  }
}

TEST_F(UnsupportedTest, MissingBtfTracepoint) {
  spec::Probe p = probe("on_missing_btf_tracepoint", AttachKind::kBtfTracepoint,
                        "sonde_no_such_tracepoint", "tp_btf:sonde_no_such_tracepoint");
  Result<Object> object = load_only("on_missing_btf_tracepoint", p);
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().message,
            "tp_btf:sonde_no_such_tracepoint: this kernel has no BTF tracepoint "
            "'sonde_no_such_tracepoint'");
}

TEST_F(UnsupportedTest, PartialLoadReportsFentryAndKeepsTheRest) {
  std::vector<spec::Probe> probes = {
      probe("on_fentry", AttachKind::kFentry, "do_nanosleep", "fentry:do_nanosleep"),
      probe("on_kprobe", AttachKind::kKprobe, "do_nanosleep", "kprobe:do_nanosleep")};
  Result<PartialLoad> loaded =
      open_and_load_partial(testing::read_object("unsupported"), "unsupported", {},
                            {.disabled_programs = {"on_missing_btf_tracepoint"}, .probes = probes});
  ASSERT_TRUE(loaded.ok()) << describe(loaded);
  if (loaded->failures.empty()) GTEST_SKIP() << "this kernel allows fentry/fexit";
  ASSERT_EQ(loaded->failures.size(), 2u);  // fentry, then fexit
  EXPECT_EQ(loaded->failures[0].error.message,
            "fentry:do_nanosleep: fentry/fexit are blocked by this kernel");
  EXPECT_EQ(loaded->failures[1].program, "on_fexit");
  EXPECT_GE(loaded->object.program_fd("on_kprobe"), 0);
}

}  // namespace
}  // namespace sonde::bpf
