// Bundle validation: a valid program passes; each field out of its limits, or
// disagreeing with the BPF object it describes, is refused with a message naming the
// bundle, program, metric and field. (The same checks against objects the compiler
// really wrote: tests/e2e/bundle_trust_test.cpp.)
#include "runtime/spec/validate.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>
#include <string>

namespace sonde::spec {
namespace {

constexpr const char* kWhere = "x.bundle: program 0 (x.sonde)";

// The first 64 bytes of a BPF relocatable object: ELFCLASS64, ELFDATA2LSB, ET_REL, EM_BPF.
std::vector<uint8_t> bpf_elf_header() {
  std::vector<uint8_t> h(64, 0);
  const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  std::copy(std::begin(ident), std::end(ident), h.begin());
  h[16] = 1;    // ET_REL
  h[18] = 247;  // EM_BPF
  return h;
}

// A program as the compiler writes it: a keyed histogram (comm label), a counter, a
// span, and the object's maps to match.
Program valid_program() {
  Program p;
  p.probes.push_back({.program = "sonde_s0_p0",
                      .kind = AttachKind::kTracepoint,
                      .target = "sched:sched_switch",
                      .display = "tracepoint:sched:sched_switch",
                      .origin = "x.sonde:1:1"});
  Metric hist{
      .name = "sonde_block_rq_latency_seconds",
      .help = "Histogram of latency of block rq",
      .aggregation = Aggregation::kHistogram,
      .buckets = BucketScheme::kLog2,
      .bounds = {1000, 2000, 4000},
      .unit = Unit::kNanoseconds,
      .map = "sonde_m0",
      .keyed = true,
      .key_size = 16,
      .value_size = 16 + 8 * 4,
      .max_entries = 10240,
      .labels = {Label{.name = "comm", .offset = 0, .size = 16, .decoder = Decoder::kString}},
      .drop_index = 0};
  Metric count{
      .name = "sonde_switches_total",
      .aggregation = Aggregation::kCount,
      .map = "sonde_m1",
      .keyed = true,
      .key_size = 8,
      .value_size = 8,
      .max_entries = 100,
      .labels = {Label{.name = "cpu", .offset = 0, .size = 4},
                 Label{.name = "state", .offset = 4, .size = 4, .decoder = Decoder::kEnum}},
      .drop_index = 1};
  p.metrics = {hist, count};
  p.spans.push_back(
      {.name = "block rq", .start_map = "sonde_st0", .stats_index = 0, .max_entries = 1000});
  p.drops_map = "sonde_drops";
  p.span_stats_map = "sonde_spans";
  p.source_names = {"x.sonde"};
  p.object = bpf_elf_header();
  return p;
}

ObjectFacts valid_facts() {
  return ObjectFacts{.programs = {"sonde_s0_p0"},
                     .maps = {{"sonde_m0", 5, 16, 48, 10240},
                              {"sonde_m1", 5, 8, 8, 100},
                              {"sonde_st0", 9, 8, 16, 1000},
                              {"sonde_drops", 6, 4, 8, 2},
                              {"sonde_spans", 6, 4, 8, 2}}};
}

// The error for the valid program after `change`, or "(valid)".
std::string refusal(const std::function<void(Program&, ObjectFacts&)>& change) {
  Program p = valid_program();
  ObjectFacts o = valid_facts();
  change(p, o);
  auto st = validate_program(p, o, kWhere);
  return st ? "(valid)" : st.error().message;
}

// `change` makes the valid program invalid: refused, the message naming where and `text`.
void expect_refused(const std::function<void(Program&, ObjectFacts&)>& change,
                    const std::string& text) {
  std::string message = refusal(change);
  EXPECT_NE(message.find(kWhere), std::string::npos) << message;
  EXPECT_NE(message.find(text), std::string::npos) << message;
}

TEST(Validate, TheValidProgramPasses) {
  EXPECT_EQ(refusal([](Program&, ObjectFacts&) {}), "(valid)");
}

// Issue 18's SIGFPE and bad_alloc came from bucket parameters no one checked (format 1's
// linear_step = 0, bucket_count = 0xffffffff). Since format 2 a histogram is its list
// of bounds: the same hostile intents are an empty or oversized list, or a value too
// small for its buckets (the collector would read past the map's value).
TEST(Validate, HistogramWithoutBoundsIsRefused) {
  expect_refused(
      [](Program& p, ObjectFacts&) { p.metrics[0].bounds.clear(); },
      "metric sonde_block_rq_latency_seconds: bounds: a histogram without bucket bounds");
}

TEST(Validate, TooManyBoundsAreRefused) {
  expect_refused(
      [](Program& p, ObjectFacts&) {
        auto& m = p.metrics[0];
        m.bounds.clear();
        for (int64_t i = 0; i < 5000; ++i) m.bounds.push_back(i);
        m.value_size = static_cast<uint32_t>(16 + 8 * (m.bounds.size() + 1));
      },
      "bounds: 5000, more than 1024");
}

TEST(Validate, BoundsThatDoNotIncreaseAreRefused) {
  expect_refused(
      [](Program& p, ObjectFacts&) {
        p.metrics[0].bounds = {1000, 1000, 4000};
      },
      "bounds: do not increase (1000 then 1000)");
}

TEST(Validate, MoreBucketsThanTheMapValueHoldsAreRefused) {
  // Self-consistent in the specification (value_size fits the bounds), not in the object.
  expect_refused(
      [](Program& p, ObjectFacts&) {
        p.metrics[0].bounds = {1, 2, 3, 4, 5, 6, 7, 8};
        p.metrics[0].value_size = 16 + 8 * 9;
      },
      "value_size: 88 bytes, but map 'sonde_m0' has 48-byte values");
}

TEST(Validate, ValueSizeAgainstAggregationIsChecked) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].value_size = 4; },
                 "metric sonde_switches_total: value_size: 4 bytes, where its aggregation takes 8");
}

TEST(Validate, MissingMapIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].map = "sonde_other"; },
                 "metric sonde_switches_total: map: the object has no map 'sonde_other'");
}

TEST(Validate, MapOfAnotherTypeIsRefused) {
  expect_refused([](Program&, ObjectFacts& o) { o.maps[1].type = 2; },
                 "map 'sonde_m1' is of type 2");
}

TEST(Validate, KeySizeAgainstTheMapIsChecked) {
  expect_refused([](Program&, ObjectFacts& o) { o.maps[1].key_size = 4; },
                 "key_size: 8 bytes, but map 'sonde_m1' has 4-byte keys");
}

TEST(Validate, CapacityAgainstTheMapIsChecked) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].max_entries = 1u << 20; },
                 "max_entries: 1048576, but map 'sonde_m1' holds 100");
}

TEST(Validate, UnboundedCapacityIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].max_entries = 0xffffffff; },
                 "max_entries: 4294967295 (1 to 16777216)");
}

TEST(Validate, LabelOutsideItsKeyIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].labels[1].offset = 0xfffffffe; },
                 "label state: offset 4294967294 size 4: outside the 8-byte key");
}

TEST(Validate, EmptyLabelIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].labels[0].size = 0; },
                 "label cpu: size: 0 bytes");
}

TEST(Validate, IntegerLabelOfOddSizeIsRefused) {
  expect_refused(
      [](Program& p, ObjectFacts&) {
        p.metrics[1].labels.pop_back();
        p.metrics[1].labels[0].size = 3;
      },
      "label cpu: size: an integer of 3 bytes");
}

TEST(Validate, TooManyLabelsAreRefused) {
  expect_refused(
      [](Program& p, ObjectFacts&) {
        auto& m = p.metrics[1];
        m.labels.clear();
        for (int i = 0; i < 65; ++i)
          m.labels.push_back({.name = "l" + std::to_string(i), .offset = 0, .size = 1});
      },
      "labels: 65, more than 64");
}

TEST(Validate, LabelsOnAMetricWithoutKeyAreRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].keyed = false; },
                 "labels: on a metric without a key");
}

TEST(Validate, ReservedLabelNamesAreRefused) {
  for (const char* name : {"__name__", "__meta", "le", "quantile"}) {
    expect_refused([&](Program& p, ObjectFacts&) { p.metrics[1].labels[0].name = name; },
                   fmt::format("label {}: name: reserved", name));
  }
}

TEST(Validate, LabelNameThatIsNotPrometheusIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].labels[0].name = "a b\n"; },
                 "name: not a Prometheus label name");
}

TEST(Validate, DuplicateLabelNamesAreRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].labels[1].name = "cpu"; },
                 "label cpu: name: given to two labels");
}

TEST(Validate, MetricNameThatIsNotPrometheusIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].name = "1bad name_total"; },
                 "name: not a Prometheus metric name");
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].name = std::string(300, 'a'); },
                 "name: not a Prometheus metric name");
}

TEST(Validate, CounterWithoutTotalSuffixIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].name = "sonde_switches"; },
                 "metric sonde_switches: name: a counter's name ends in _total");
}

TEST(Validate, TotalSuffixOnAGaugeIsRefused) {
  // An unsigned sum is a counter: the name is right.
  EXPECT_EQ(refusal([](Program& p, ObjectFacts&) { p.metrics[1].aggregation = Aggregation::kSum; }),
            "(valid)");
  expect_refused(
      [](Program& p, ObjectFacts&) {
        p.metrics[1].aggregation = Aggregation::kSum;
        p.metrics[1].value_signed = true;
      },
      "name: ends in _total, but the metric is not a counter");
}

TEST(Validate, HistogramNamedLikeItsSeriesIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[0].name = "sonde_x_bucket"; },
                 "name: ends in _bucket, a name its series take");
}

TEST(Validate, MinWithoutWindowIsRefused) {
  expect_refused(
      [](Program& p, ObjectFacts&) {
        p.metrics[1].aggregation = Aggregation::kMin;
        p.metrics[1].name = "sonde_min";
        p.metrics[1].value_size = 32;
      },
      "window_ns: a minimum or maximum without a window");
}

TEST(Validate, StackLabelNeedsAStackMap) {
  expect_refused(
      [](Program& p, ObjectFacts&) {
        p.metrics[1].labels[1].decoder = Decoder::kKstack;
        p.metrics[1].labels[1].aux_map = "sonde_stacks";
      },
      "label state: aux_map: the object has no map 'sonde_stacks'");
}

TEST(Validate, DropSlotPastTheDropsMapIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics[1].drop_index = 2; },
                 "metric sonde_switches_total: drop_index 2: past the 2 slots of 'sonde_drops'");
}

TEST(Validate, SpanStatsPastTheirMapAreRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.spans[0].stats_index = 1; },
                 "span block rq: stats_index 1: past the 2 slots of 'sonde_spans'");
}

TEST(Validate, ProbeWithoutItsBpfProgramIsRefused) {
  expect_refused([](Program&, ObjectFacts& o) { o.programs.clear(); },
                 "probe tracepoint:sched:sched_switch: program: the object has no BPF program "
                 "'sonde_s0_p0'");
}

// Statements on one hook share a program, attached once as the first probe naming it
// says: probes naming it with another hook would never be attached.
TEST(Validate, ProbesSharingAProgramOnOneHookPass) {
  EXPECT_EQ(refusal([](Program& p, ObjectFacts&) {
              Probe second = p.probes[0];
              second.statement = 1;
              p.probes.push_back(second);
            }),
            "(valid)");
}

TEST(Validate, ProbesSharingAProgramOnDifferentHooksAreRefused) {
  expect_refused(
      [](Program& p, ObjectFacts&) {
        Probe second = p.probes[0];
        second.target = "sched:sched_wakeup";
        second.display = "tracepoint:sched:sched_wakeup";
        p.probes.push_back(second);
      },
      "probe tracepoint:sched:sched_wakeup: program 'sonde_s0_p0' is attached elsewhere by probe "
      "tracepoint:sched:sched_switch");
}

TEST(Validate, ObjectForAnotherMachineIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.object[18] = 62; },  // EM_X86_64
                 "object: ELF machine 62, not BPF (247)");
  expect_refused([](Program& p, ObjectFacts&) { p.object[16] = 2; },  // ET_EXEC
                 "object: ELF type 2, not a relocatable object");
  expect_refused([](Program& p, ObjectFacts&) { p.object.resize(10); }, "object: not an ELF file");
}

TEST(Validate, PerfEventWithBothOrNeitherRateIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.probes[0].kind = AttachKind::kPerfEvent; },
                 "needs one of sample_period and sample_freq");
}

TEST(Validate, CgroupPathsWithoutTheirMapAreRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.cgroup_paths = {"/kubepods"}; },
                 "cgroup_map: subtrees to select but no map to hold them");
  expect_refused(
      [](Program& p, ObjectFacts& o) {
        p.cgroup_paths = {"/a", "/b"};
        p.cgroup_map = "sonde_cgroups";
        o.maps.push_back({"sonde_cgroups", 8, 4, 4, 1});
      },
      "cgroup_paths: 2, but map 'sonde_cgroups' holds 1");
}

TEST(Validate, TheSameMetricTwiceIsRefused) {
  expect_refused([](Program& p, ObjectFacts&) { p.metrics.push_back(p.metrics[1]); },
                 "metric sonde_switches_total: name: exported twice");
}

}  // namespace
}  // namespace sonde::spec

namespace sonde::spec {
namespace {

// Names come from the bundle: a terminal escape in one is shown, not obeyed, and a
// megabyte name does not make a megabyte message.
TEST(Validate, MessagesEscapeAndBoundWhatTheBundleSays) {
  std::string m = refusal([](Program& p, ObjectFacts&) { p.metrics[1].name = "x\x1b[2Jy"; });
  EXPECT_EQ(m.find('\x1b'), std::string::npos) << m;
  EXPECT_NE(m.find("x\\x1b[2Jy"), std::string::npos) << m;
  std::string long_map = refusal([](Program& p, ObjectFacts&) {
    p.metrics[1].labels[1].decoder = Decoder::kKstack;
    p.metrics[1].labels[1].aux_map = std::string(1 << 20, 'a');
  });
  EXPECT_LT(long_map.size(), 1100u);
  EXPECT_TRUE(long_map.ends_with("...")) << long_map.substr(0, 200);
}

}  // namespace
}  // namespace sonde::spec
