// Bundles: what goes in comes out, and every way a file can be wrong says which.
#include "runtime/spec/bundle.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>

namespace sonde::spec {
namespace {

// Every field set, and to a value that differs from its default.
Program full_program(const std::string& tag) {
  Program p;
  p.probes.push_back({.program = "sonde_s0_p0",
                      .kind = AttachKind::kUsdt,
                      .target = "probe" + tag,
                      .path = "/usr/bin/app",
                      .provider = "prov",
                      .perf_type = 1,
                      .perf_config = 0x1234'5678'9abcULL,
                      .sample_period = 99,
                      .sample_freq = 101,
                      .display = "usdt:/usr/bin/app:prov:probe",
                      .origin = tag + ".sonde:1:1",
                      .statement = 7});
  Label label{.name = "state",
              .offset = 8,
              .size = 8,
              .decoder = Decoder::kEnum,
              .enum_names = {{-3, "NEG"}, {1, "TCP_ESTABLISHED"}},
              .aux_map = "sonde_sk0",
              .pid_offset = 16,
              .binary = "/usr/lib/libc.so.6"};
  Metric m{
      .name = "sonde_" + tag + "_seconds",
      .help = "help text",
      .aggregation = Aggregation::kHistogram,
      .buckets = BucketScheme::kExplicit,
      .bounds = {-5, -2, 1, 1'000'000'000'000LL},
      .unit = Unit::kNanoseconds,
      .value_signed = true,
      .window_ns = 60'000'000'000,
      .map = "sonde_m0",
      .keyed = false,
      .key_size = 24,
      .value_size = 56,
      .max_entries = 321,
      .labels = {label, Label{.name = "comm", .offset = 0, .size = 8, .decoder = Decoder::kString}},
      .drop_index = 2,
      .statement = 7,
      .origin = tag + ".sonde:1:1",
      .source = "histogram log2 latency of block rq",
      .ttl_ns = 300'000'000'000,
      .ttl_from_statement = true};
  p.metrics.push_back(m);
  p.spans.push_back({.name = "block rq",
                     .start_map = "sonde_st0",
                     .stats_index = 3,
                     .max_entries = 77,
                     .statement = 7});
  p.events.push_back({.name = "sonde_print8",
                      .fields = {m.labels[1]},
                      .record_size = 32,
                      .lost_index = 2,
                      .statement = 8,
                      .origin = tag + ".sonde:2:1",
                      .source = "on tracepoint:sched:sched_process_exec print comm"});
  p.events_map = "sonde_events";
  p.slos.push_back(
      {.name = "reads \"fast\"",
       .id = "reads_fast_" + tag,
       .objective = 0.9995,
       .window_seconds = 28 * 86400,
       .good_metric = "sonde_b_seconds_bucket",
       .total_metric = "sonde_b_seconds_count",
       .bucket = true,
       .bound = 10'000'000,
       .unit = Unit::kNanoseconds,
       .good_matchers = {{"op", false, false, "write"}},
       .total_matchers = {{"op", true, false, "read"}, {"status", false, true, "[0-9]|[1-9][0-9]"}},
       .origin = tag + ".sonde:2:1",
       .source = "slo ..."});
  p.drops_map = "sonde_drops";
  p.overflow_map = "sonde_overflow";
  p.span_stats_map = "sonde_spans";
  p.cgroup_map = "sonde_cgroups";
  p.cgroup_paths = {"/kubepods", "/system.slice/" + tag + ".service"};
  p.source_names = {tag + ".sonde", "extra.sonde"};
  p.source = "histogram log2 latency of block rq\n";
  p.object = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0xde, 0xad};
  return p;
}

Bundle full_bundle() {
  return Bundle{.producer = "sonde 0.1.0",
                .build_kernel = "6.18.0",
                .programs = {full_program("a"), full_program("b")}};
}

std::string error_of(const std::vector<uint8_t>& bytes) {
  auto b = decode_bundle(bytes);
  return b ? std::string("(decoded)") : b.error().message;
}

void put_u32(std::vector<uint8_t>& bytes, size_t offset, uint32_t v) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<uint8_t>(v >> (8 * i));
}

TEST(Bundle, RoundTripKeepsEveryField) {
  Bundle in = full_bundle();
  auto out = decode_bundle(encode_bundle(in));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->producer, "sonde 0.1.0");
  EXPECT_EQ(out->build_kernel, "6.18.0");
  ASSERT_EQ(out->programs.size(), 2u);
  const Program& p = out->programs[1];
  ASSERT_EQ(p.probes.size(), 1u);
  EXPECT_EQ(p.probes[0].kind, AttachKind::kUsdt);
  EXPECT_EQ(p.probes[0].target, "probeb");
  EXPECT_EQ(p.probes[0].provider, "prov");
  EXPECT_EQ(p.probes[0].perf_config, 0x1234'5678'9abcULL);
  EXPECT_EQ(p.probes[0].sample_freq, 101u);
  EXPECT_EQ(p.probes[0].origin, "b.sonde:1:1");
  ASSERT_EQ(p.metrics.size(), 1u);
  const Metric& m = p.metrics[0];
  EXPECT_EQ(m.name, "sonde_b_seconds");
  EXPECT_EQ(m.buckets, BucketScheme::kExplicit);
  EXPECT_EQ(m.bounds, (std::vector<int64_t>{-5, -2, 1, 1'000'000'000'000LL}));
  EXPECT_TRUE(m.value_signed);
  EXPECT_EQ(m.window_ns, 60'000'000'000u);
  EXPECT_FALSE(m.keyed);
  EXPECT_EQ(m.max_entries, 321u);
  ASSERT_EQ(m.labels.size(), 2u);
  EXPECT_EQ(m.labels[0].decoder, Decoder::kEnum);
  ASSERT_EQ(m.labels[0].enum_names.size(), 2u);
  EXPECT_EQ(m.labels[0].enum_names[0].value, -3);
  EXPECT_EQ(m.labels[0].enum_names[1].name, "TCP_ESTABLISHED");
  EXPECT_EQ(m.labels[0].pid_offset, 16);
  EXPECT_EQ(m.labels[0].binary, "/usr/lib/libc.so.6");
  EXPECT_EQ(m.labels[1].decoder, Decoder::kString);
  EXPECT_EQ(m.source, "histogram log2 latency of block rq");
  EXPECT_EQ(m.ttl_ns, 300'000'000'000u);
  EXPECT_TRUE(m.ttl_from_statement);
  EXPECT_EQ(p.overflow_map, "sonde_overflow");
  ASSERT_EQ(p.spans.size(), 1u);
  EXPECT_EQ(p.spans[0].max_entries, 77u);
  ASSERT_EQ(p.slos.size(), 1u);
  EXPECT_EQ(p.slos[0].name, "reads \"fast\"");
  EXPECT_EQ(p.slos[0].id, "reads_fast_b");
  EXPECT_EQ(p.slos[0].objective, 0.9995);
  EXPECT_EQ(p.slos[0].window_seconds, 28u * 86400);
  EXPECT_TRUE(p.slos[0].bucket);
  EXPECT_EQ(p.slos[0].bound, 10'000'000);
  EXPECT_EQ(p.slos[0].unit, Unit::kNanoseconds);
  ASSERT_EQ(p.slos[0].good_matchers.size(), 1u);
  EXPECT_FALSE(p.slos[0].good_matchers[0].equal);
  EXPECT_EQ(p.slos[0].good_matchers[0].value, "write");
  EXPECT_FALSE(p.slos[0].good_matchers[0].regex);
  ASSERT_EQ(p.slos[0].total_matchers.size(), 2u);
  EXPECT_EQ(p.slos[0].total_matchers[0].value, "read");
  EXPECT_TRUE(p.slos[0].total_matchers[1].regex);
  EXPECT_FALSE(p.slos[0].total_matchers[1].equal);
  EXPECT_EQ(p.slos[0].total_matchers[1].value, "[0-9]|[1-9][0-9]");
  EXPECT_EQ(p.span_stats_map, "sonde_spans");
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].name, "sonde_print8");
  ASSERT_EQ(p.events[0].fields.size(), 1u);
  EXPECT_EQ(p.events[0].fields[0].decoder, Decoder::kString);
  EXPECT_EQ(p.events[0].record_size, 32u);
  EXPECT_EQ(p.events[0].lost_index, 2u);
  EXPECT_EQ(p.events[0].statement, 8u);
  EXPECT_EQ(p.events[0].origin, "b.sonde:2:1");
  EXPECT_EQ(p.events_map, "sonde_events");
  EXPECT_EQ(p.cgroup_map, "sonde_cgroups");
  EXPECT_EQ(p.cgroup_paths, (std::vector<std::string>{"/kubepods", "/system.slice/b.service"}));
  EXPECT_EQ(p.source_names, (std::vector<std::string>{"b.sonde", "extra.sonde"}));
  EXPECT_EQ(p.object, in.programs[1].object);
  // Everything survives: the same bundle encodes to the same bytes.
  EXPECT_EQ(encode_bundle(*out), encode_bundle(in));
}

TEST(Bundle, EncodingIsDeterministic) {
  EXPECT_EQ(encode_bundle(full_bundle()), encode_bundle(full_bundle()));
}

TEST(Bundle, Crc32MatchesTheStandardCheckValue) {
  const std::string check = "123456789";
  EXPECT_EQ(crc32({reinterpret_cast<const uint8_t*>(check.data()), check.size()}), 0xCBF43926u);
}

TEST(Bundle, EmptyFileIsNotABundle) {
  EXPECT_NE(error_of({}).find("empty file"), std::string::npos);
}

TEST(Bundle, OtherFilesAreNotBundles) {
  std::vector<uint8_t> elf = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  elf.resize(4096);
  EXPECT_NE(error_of(elf).find("not a sonde bundle"), std::string::npos) << error_of(elf);
}

TEST(Bundle, EveryTruncationSaysTruncated) {
  std::vector<uint8_t> bytes = encode_bundle(full_bundle());
  for (size_t n = 1; n < bytes.size(); ++n) {
    std::string e = error_of({bytes.begin(), bytes.begin() + static_cast<long>(n)});
    ASSERT_NE(e.find("truncated bundle"), std::string::npos) << "at " << n << " bytes: " << e;
  }
}

TEST(Bundle, EveryFlippedByteIsCaught) {
  const std::vector<uint8_t> good = encode_bundle(full_bundle());
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x40;
    std::string e = error_of(bad);
    ASSERT_NE(e, "(decoded)") << "byte " << i;
    if (i < 8) {
      EXPECT_NE(e.find("not a sonde bundle"), std::string::npos) << e;
    } else if (i < 12) {
      EXPECT_NE(e.find("format version"), std::string::npos) << e;
    } else if (i >= 16 && i < 24) {  // the size: the file is then too short or too long
      EXPECT_TRUE(e.find("truncated") != std::string::npos ||
                  e.find("corrupted") != std::string::npos)
          << e;
    } else {
      EXPECT_NE(e.find("checksum mismatch"), std::string::npos) << "byte " << i << ": " << e;
    }
  }
}

TEST(Bundle, WrongVersionNamesBothVersions) {
  std::vector<uint8_t> bytes = encode_bundle(full_bundle());
  put_u32(bytes, 8, kBundleFormatVersion + 1);
  auto newer = decode_bundle(bytes);
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().message,
            fmt::format("bundle format version {}, but this sonde reads version {}",
                        kBundleFormatVersion + 1, kBundleFormatVersion));
  EXPECT_NE(newer.error().hint.find("newer sonde"), std::string::npos);
  put_u32(bytes, 8, 0);
  auto older = decode_bundle(bytes);
  ASSERT_FALSE(older);
  EXPECT_NE(older.error().hint.find("older sonde"), std::string::npos);
}

// Version 1 bundles describe histograms by scheme arithmetic this runtime no longer does.
TEST(Bundle, VersionOneBundlesAreRefused) {
  std::vector<uint8_t> bytes = encode_bundle(full_bundle());
  put_u32(bytes, 8, 1);
  auto old = decode_bundle(bytes);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().message,
            fmt::format("bundle format version 1, but this sonde reads version {}",
                        kBundleFormatVersion));
  EXPECT_NE(old.error().hint.find("older sonde"), std::string::npos);
}

TEST(Bundle, BytesAfterTheEndAreCorruption) {
  std::vector<uint8_t> bytes = encode_bundle(full_bundle());
  bytes.push_back(0);
  EXPECT_EQ(error_of(bytes), "corrupted bundle: 1 unexpected byte after its end");
}

// The chunk at `offset` (its header, data and padding): where it ends.
size_t chunk_end(const std::vector<uint8_t>& bytes, size_t offset) {
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size |= uint64_t{bytes[offset + 8 + i]} << (8 * i);
  return offset + 16 + (size + 7) / 8 * 8;
}

// Inserts `chunk` at `offset`, then sets the chunk count, the size and the checksum
// right, as a hostile writer would.
std::vector<uint8_t> with_chunk_at(std::vector<uint8_t> bytes, size_t offset,
                                   const std::vector<uint8_t>& chunk) {
  bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(offset), chunk.begin(), chunk.end());
  uint32_t chunks = 0;
  for (int i = 0; i < 4; ++i) chunks |= uint32_t{bytes[24 + i]} << (8 * i);
  put_u32(bytes, 24, chunks + 1);
  for (int i = 0; i < 8; ++i)
    bytes[16 + i] = static_cast<uint8_t>(uint64_t{bytes.size()} >> (8 * i));
  put_u32(bytes, 12, crc32(std::span<const uint8_t>(bytes).subspan(16)));
  return bytes;
}

TEST(Bundle, InfoChunkTwiceIsMalformed) {
  std::vector<uint8_t> bytes = encode_bundle(full_bundle());
  std::vector<uint8_t> info(bytes.begin() + 32, bytes.begin() + chunk_end(bytes, 32));
  EXPECT_EQ(error_of(with_chunk_at(bytes, chunk_end(bytes, 32), info)),
            "malformed bundle: two INFO chunks");
}

TEST(Bundle, InfoChunkAfterProgramsOrOfAProgramIsMalformed) {
  std::vector<uint8_t> bytes = encode_bundle(full_bundle());
  const size_t info_end = chunk_end(bytes, 32);
  std::vector<uint8_t> info(bytes.begin() + 32, bytes.begin() + info_end);
  std::vector<uint8_t> moved(bytes.begin(), bytes.begin() + 32);
  moved.insert(moved.end(), bytes.begin() + info_end, bytes.end());
  put_u32(moved, 24, 4);  // with_chunk_at adds the INFO chunk back, at the end
  EXPECT_EQ(error_of(with_chunk_at(moved, moved.size(), info)),
            "malformed bundle: the INFO chunk comes after a program's chunks");
  std::vector<uint8_t> owned = bytes;
  put_u32(owned, 32 + 4, 0);  // INFO of program 0
  put_u32(owned, 12, crc32(std::span<const uint8_t>(owned).subspan(16)));
  EXPECT_EQ(error_of(owned),
            "malformed bundle: chunk 1 (INFO) belongs to program 0, not to the bundle");
}

TEST(Bundle, ChunkAfterTheSignatureIsMalformed) {
  Bundle b = full_bundle();
  b.signature = BundleSignature{std::vector<uint8_t>(32, 1), std::vector<uint8_t>(64, 2)};
  std::vector<uint8_t> bytes = encode_bundle(b);
  ASSERT_TRUE(decode_bundle(bytes));
  std::vector<uint8_t> info(bytes.begin() + 32, bytes.begin() + chunk_end(bytes, 32));
  EXPECT_EQ(error_of(with_chunk_at(bytes, bytes.size(), info)),
            "malformed bundle: a chunk after the SIGN chunk (it must be the last)");
}

// Checksummed but wrong inside: what a buggy or foreign writer would produce.
TEST(Bundle, UnknownEnumeratorIsMalformed) {
  Bundle b = full_bundle();
  b.programs[0].metrics[0].aggregation = static_cast<Aggregation>(42);
  EXPECT_EQ(error_of(encode_bundle(b)), "malformed bundle: program 0: unknown aggregation 42");
  b = full_bundle();
  b.programs[1].probes[0].kind = static_cast<AttachKind>(200);
  EXPECT_EQ(error_of(encode_bundle(b)), "malformed bundle: program 1: unknown probe kind 200");
}

TEST(Bundle, LabelOutsideItsKeyIsMalformed) {
  Bundle b = full_bundle();
  b.programs[0].metrics[0].labels[0].offset = 20;
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 0: metric sonde_a_seconds: label state lies outside the "
            "24-byte key");
}

TEST(Bundle, EventFieldOutsideItsRecordIsMalformed) {
  Bundle b = full_bundle();
  b.programs[1].events[0].fields[0].offset = 28;  // 8 bytes from 28 pass the record's 32
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 1: events sonde_print8: field comm lies outside the "
            "32-byte record");
}

// The rules `sonde-agent --print-rules` writes put these in PromQL and YAML unquoted.
TEST(Bundle, SloNamesMustBePrometheusNames) {
  Bundle b = full_bundle();
  b.programs[0].slos[0].id = "x\"} or vector(1) #";
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 0: an SLO's id 'x\"} or vector(1) #' is not a "
            "Prometheus name");
  b = full_bundle();
  b.programs[0].slos[0].good_matchers[0].label = "op=\"\"";
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 0: SLO reads_fast_a: 'op=\"\"' is not a label name");
  b = full_bundle();
  b.programs[0].slos[0].objective = 1;
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 0: SLO reads_fast_a: objective 1 is not between 0 and 1");
}

TEST(Bundle, HistogramBoundsMustAscendAndFitTheValue) {
  Bundle b = full_bundle();
  b.programs[0].metrics[0].bounds = {1, 3, 3, 4};
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 0: metric sonde_a_seconds: bucket bounds do not ascend "
            "(3 then 3)");
  b = full_bundle();
  b.programs[0].metrics[0].bounds.clear();
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 0: metric sonde_a_seconds: a histogram without bucket "
            "bounds");
  b = full_bundle();
  b.programs[0].metrics[0].bounds.resize(kMaxBucketBounds + 1);
  for (size_t i = 0; i < b.programs[0].metrics[0].bounds.size(); ++i)
    b.programs[0].metrics[0].bounds[i] = static_cast<int64_t>(i);
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 0: metric sonde_a_seconds: 1025 bucket bounds, more than "
            "1024");
  b = full_bundle();
  b.programs[0].metrics[0].value_size = 48;
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 0: metric sonde_a_seconds: a 48-byte value cannot hold 5 "
            "buckets");
  b = full_bundle();
  b.programs[0].metrics[0].aggregation = Aggregation::kSum;
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 0: metric sonde_a_seconds: bucket bounds on a metric that "
            "is not a histogram");
}

TEST(Bundle, MinAndMaxNeedAWindow) {
  Bundle b = full_bundle();
  Metric& m = b.programs[1].metrics[0];
  m.aggregation = Aggregation::kMax;
  m.bounds.clear();
  m.value_size = 32;
  m.window_ns = 0;
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 1: metric sonde_b_seconds: a minimum or maximum without a "
            "window");
  m.window_ns = 1'000'000'000;
  EXPECT_EQ(error_of(encode_bundle(b)), "(decoded)");
}

TEST(Bundle, ObjectMustBeElf) {
  Bundle b = full_bundle();
  b.programs[1].object = {1, 2, 3, 4, 5};
  EXPECT_EQ(error_of(encode_bundle(b)),
            "malformed bundle: program 1: its BPF object is not an ELF file");
}

TEST(Bundle, NoProgramsIsMalformed) {
  Bundle b = full_bundle();
  b.programs.clear();
  EXPECT_EQ(error_of(encode_bundle(b)), "malformed bundle: no programs");
}

class BundleFile : public testing::Test {
 protected:
  void TearDown() override { unlink(path_.c_str()); }
  std::string path_ = "/tmp/sonde-bundle-test-" + std::to_string(getpid()) + ".bundle";
};

TEST_F(BundleFile, WriteThenRead) {
  ASSERT_TRUE(write_bundle(path_, full_bundle()));
  auto b = read_bundle(path_);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->programs.size(), 2u);
  EXPECT_NE(access((path_ + ".tmp." + std::to_string(getpid())).c_str(), F_OK), 0)
      << "temporary file left";
}

TEST_F(BundleFile, ErrorsNameThePath) {
  std::ofstream(path_) << "hello";
  auto b = read_bundle(path_);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, path_ + ": not a sonde bundle (a bundle starts with \"SONDEBDL\")");
  auto missing = read_bundle(path_ + ".missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "cannot read " + path_ + ".missing: No such file or directory");
}

TEST_F(BundleFile, UnwritablePathIsAnError) {
  auto st = write_bundle("/nonexistent-dir/x.bundle", full_bundle());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message,
            "cannot write /nonexistent-dir/x.bundle: No such file or directory");
}

}  // namespace
}  // namespace sonde::spec
