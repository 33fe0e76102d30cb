#include "compiler/clang/frame.h"

#include <unistd.h>

#include <gtest/gtest.h>

namespace sonde::clang_bpf {
namespace {

std::vector<uint8_t> through_pipe(FrameKind kind, std::span<const uint8_t> object,
                                  std::string_view text) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  EXPECT_TRUE(write_frame(fds[1], kind, object, text));
  close(fds[1]);
  std::vector<uint8_t> bytes;
  uint8_t buffer[4096];
  ssize_t got;
  while ((got = read(fds[0], buffer, sizeof buffer)) > 0)
    bytes.insert(bytes.end(), buffer, buffer + got);
  close(fds[0]);
  return bytes;
}

TEST(Frame, RoundTrips) {
  std::vector<uint8_t> object = {0x7f, 'E', 'L', 'F', 0, 1};
  std::vector<uint8_t> bytes = through_pipe(FrameKind::object, object, "a warning");
  std::optional<Frame> frame = decode_frame(bytes);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->kind, FrameKind::object);
  EXPECT_EQ(frame->object, object);
  EXPECT_EQ(frame->text, "a warning");
}

TEST(Frame, EmptyPartsRoundTrip) {
  std::optional<Frame> frame = decode_frame(through_pipe(FrameKind::compile_error, {}, ""));
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->kind, FrameKind::compile_error);
  EXPECT_TRUE(frame->object.empty());
  EXPECT_TRUE(frame->text.empty());
}

// Bigger than a pipe buffer (64 KiB), written and read at once only if the reader
// drains while the writer writes: a child's large object must not deadlock.
TEST(Frame, LargerThanThePipeBuffer) {
  std::vector<uint8_t> object(1 << 20, 0xab);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    _exit(write_frame(fds[1], FrameKind::object, object, "w") ? 0 : 1);
  }
  close(fds[1]);
  std::vector<uint8_t> bytes;
  uint8_t buffer[65536];
  ssize_t got;
  while ((got = read(fds[0], buffer, sizeof buffer)) > 0)
    bytes.insert(bytes.end(), buffer, buffer + got);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(status, 0);
  std::optional<Frame> frame = decode_frame(bytes);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->object, object);
}

TEST(Frame, TruncatedOrPaddedIsRejected) {
  std::vector<uint8_t> object = {1, 2, 3};
  std::vector<uint8_t> bytes = through_pipe(FrameKind::object, object, "text");
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_FALSE(decode_frame(std::span(bytes).first(size))) << "truncated to " << size;
  }
  bytes.push_back(0);
  EXPECT_FALSE(decode_frame(bytes));
}

TEST(Frame, GarbageIsRejected) {
  std::vector<uint8_t> bytes(64, 0x5a);
  EXPECT_FALSE(decode_frame(bytes));
}

TEST(CompileInputCodec, RoundTrips) {
  CompileInput input;
  input.main_file = "/p/main.c";
  input.files["/p/main.c"] = "int x;";
  input.files["/p/include/a.h"] = std::string("with\0nul", 8);
  input.files["/p/empty.h"] = "";
  input.include_dirs = {"/p/include", "/q"};
  input.defines = {"A", "B=2"};
  std::optional<CompileInput> back = decode_input(encode_input(input));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->main_file, input.main_file);
  EXPECT_EQ(back->files, input.files);
  EXPECT_EQ(back->include_dirs, input.include_dirs);
  EXPECT_EQ(back->defines, input.defines);
}

TEST(CompileInputCodec, TruncatedOrPaddedIsRejected) {
  CompileInput input;
  input.files["/main.c"] = "int x;";
  input.defines = {"A"};
  std::vector<uint8_t> bytes = encode_input(input);
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_FALSE(decode_input(std::span(bytes).first(size))) << "truncated to " << size;
  }
  bytes.push_back(0);
  EXPECT_FALSE(decode_input(bytes));
}

}  // namespace
}  // namespace sonde::clang_bpf
