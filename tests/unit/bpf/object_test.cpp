// Opening and loading objects: errors for bad input, verifier rejections, constants,
// and the non-strict partial load.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/bpf/libbpf_log.h"
#include "runtime/bpf/object.h"
#include "tests/unit/bpf/test_util.h"

namespace sonde::bpf {
namespace {

using ::testing::AllOf;
using testing::describe;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::read_object;

TEST(Object, RejectsGarbage) {
  std::vector<uint8_t> garbage(64, 0x5a);
  Result<Object> object = Object::open(garbage, "garbage");
  ASSERT_FALSE(object.ok());
  EXPECT_THAT(object.error().message, HasSubstr("cannot open BPF object 'garbage'"));
  EXPECT_FALSE(object.error().hint.empty());
}

TEST(Object, LibbpfIsQuietUnlessASinkListens) {
  std::vector<uint8_t> garbage(64, 0x5a);
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(Object::open(garbage, "garbage").ok());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");

  std::vector<std::string> seen;
  set_libbpf_log_sink([&](LibbpfLevel level, std::string_view line) {
    if (level == LibbpfLevel::kWarning) seen.emplace_back(line);
  });
  EXPECT_FALSE(Object::open(garbage, "garbage").ok());
  set_libbpf_log_sink(nullptr);
  ASSERT_FALSE(seen.empty());
  EXPECT_THAT(seen.back(), Not(HasSubstr("libbpf: ")));  // the prefix is dropped
}

TEST(Object, ListsProgramsAndMaps) {
  Result<Object> object = Object::open(read_object("reject"), "reject");
  ASSERT_TRUE(object.ok()) << describe(object);
  EXPECT_THAT(object->program_names(), ElementsAre("out_of_bounds", "missing_null_check", "fine"));
  EXPECT_THAT(object->map_names(), ElementsAre("values", "table"));
  EXPECT_TRUE(object->has_program("fine"));
  EXPECT_FALSE(object->has_program("nope"));
  EXPECT_EQ(object->program_fd("fine"), -1);  // not loaded yet
  EXPECT_FALSE(object->map("values").ok());
}

TEST(Object, UnknownConstantAndWrongSize) {
  Result<Object> object = Object::open(read_object("counter"), "counter");
  ASSERT_TRUE(object.ok()) << describe(object);
  uint64_t wide = 1;
  uint32_t narrow = 1;
  EXPECT_THAT(describe(object->set_constant("target_tgid", testing::bytes(wide))),
              HasSubstr("it has 4 bytes, not 8"));
  EXPECT_THAT(describe(object->set_constant("nope", testing::bytes(narrow))),
              HasSubstr("no such constant"));
  EXPECT_TRUE(object->set_constant("target_tgid", testing::bytes(narrow)).ok());
}

TEST(Object, VerifierRejectionGivesTheDecisiveMessage) {
  Result<Object> object = Object::open(read_object("reject"), "reject");
  ASSERT_TRUE(object.ok()) << describe(object);
  std::vector<spec::Probe> probes = {testing::probe("out_of_bounds", spec::AttachKind::kTracepoint,
                                                    "syscalls:sys_enter_getpid",
                                                    "tracepoint:syscalls:sys_enter_getpid")};
  Status status = object->load({.disabled_programs = {"missing_null_check"}, .probes = probes});
  ASSERT_FALSE(status.ok());
  const Error& error = status.error();
  EXPECT_THAT(error.message, AllOf(HasSubstr("tracepoint:syscalls:sys_enter_getpid: rejected by "
                                             "the BPF verifier: invalid access to map value"),
                                   HasSubstr("value_size=8"), Not(HasSubstr("processed")),
                                   HasSubstr("reject.bpf.c")));
  EXPECT_THAT(error.hint, AllOf(HasSubstr("outside its bounds"), HasSubstr("--verbose")));
  EXPECT_EQ(object->failed_program(), "out_of_bounds");
  // The whole log stays available, and is much longer than the message.
  const std::string& log = object->verifier_log("out_of_bounds");
  EXPECT_THAT(log, HasSubstr("processed"));
  EXPECT_GT(log.size(), error.message.size());
  EXPECT_EQ(object->verifier_log("fine"), "");
}

TEST(Object, MissingNullCheckIsNamedByProgramWithoutProbes) {
  Result<Object> object = Object::open(read_object("reject"), "reject");
  ASSERT_TRUE(object.ok()) << describe(object);
  Status status = object->load({.disabled_programs = {"out_of_bounds"}});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message,
              AllOf(HasSubstr("BPF program 'missing_null_check': rejected by the BPF verifier"),
                    HasSubstr("map_value_or_null")));
  EXPECT_THAT(status.error().hint, HasSubstr("NULL"));
}

TEST(Object, LoadsOnlyOnce) {
  Result<Object> object = Object::open(read_object("reject"), "reject");
  ASSERT_TRUE(object.ok()) << describe(object);
  ASSERT_TRUE(object->load({.disabled_programs = {"out_of_bounds", "missing_null_check"}}).ok());
  EXPECT_GE(object->program_fd("fine"), 0);
  EXPECT_EQ(object->program_fd("out_of_bounds"), -1);
  EXPECT_THAT(describe(object->load()), HasSubstr("already loaded"));
}

TEST(Object, UnknownDisabledProgramIsAnError) {
  Result<Object> object = Object::open(read_object("reject"), "reject");
  ASSERT_TRUE(object.ok()) << describe(object);
  EXPECT_THAT(describe(object->load({.disabled_programs = {"typo"}})),
              HasSubstr("no program 'typo'"));
}

TEST(Object, PartialLoadLeavesOutWhatFails) {
  Result<PartialLoad> loaded = open_and_load_partial(read_object("reject"), "reject", {});
  ASSERT_TRUE(loaded.ok()) << describe(loaded);
  ASSERT_EQ(loaded->failures.size(), 2u);
  EXPECT_EQ(loaded->failures[0].program, "out_of_bounds");
  EXPECT_EQ(loaded->failures[1].program, "missing_null_check");
  EXPECT_THAT(loaded->failures[1].error.message, HasSubstr("map_value_or_null"));
  EXPECT_GE(loaded->object.program_fd("fine"), 0);
  EXPECT_TRUE(loaded->object.map("values").ok());
}

}  // namespace
}  // namespace sonde::bpf
