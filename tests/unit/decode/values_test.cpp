// Decoders that depend only on the bytes: integers, strings, enums, syscalls, errno,
// addresses, block ops.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "runtime/decode/decoder.h"
#include "runtime/decode/syscall.h"
#include "tests/unit/decode/test_util.h"

namespace sonde::decode {
namespace {

using spec::Decoder;
using test::label_of;
using test::le_bytes;

struct Case {
  Decoder decoder;
  std::vector<uint8_t> bytes;
  std::string expected;
  bool error = false;  // shown numerically and counted
};

std::vector<uint8_t> str(const std::string& s, size_t size) {
  std::vector<uint8_t> out(size, 0);
  std::memcpy(out.data(), s.data(), std::min(s.size(), size));
  return out;
}

class ValueDecoders : public ::testing::TestWithParam<Case> {};

TEST_P(ValueDecoders, Decodes) {
  const Case& c = GetParam();
  Decoders decoders;
  auto label = label_of(c.decoder, static_cast<uint32_t>(c.bytes.size()));
  EXPECT_EQ(decoders.decode(label, c.bytes), c.expected);
  EXPECT_EQ(decoders.stats().errors, c.error ? 1u : 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Integers, ValueDecoders,
    ::testing::Values(Case{Decoder::kUnsigned, le_bytes(200, 1), "200"},
                      Case{Decoder::kUnsigned, le_bytes(65535, 2), "65535"},
                      Case{Decoder::kUnsigned, le_bytes(4000000000u, 4), "4000000000"},
                      Case{Decoder::kUnsigned, le_bytes(UINT64_MAX, 8), "18446744073709551615"},
                      Case{Decoder::kSigned, le_bytes(0xff, 1), "-1"},
                      Case{Decoder::kSigned, le_bytes(0x8000, 2), "-32768"},
                      Case{Decoder::kSigned, le_bytes(0xfffffffe, 4), "-2"},
                      Case{Decoder::kSigned, le_bytes(42, 8), "42"},
                      Case{Decoder::kUnsigned, {1, 2, 3}, "0x010203", true},
                      Case{Decoder::kBool, le_bytes(0, 4), "false"},
                      Case{Decoder::kBool, le_bytes(7, 1), "true"}));

INSTANTIATE_TEST_SUITE_P(
    Strings, ValueDecoders,
    ::testing::Values(Case{Decoder::kString, str("bash", 16), "bash"},
                      Case{Decoder::kString, str("0123456789abcdef", 16), "0123456789abcdef"},
                      Case{Decoder::kString, str("a\tb\x7f", 8), "a\\x09b\\x7f"},
                      Case{Decoder::kString, str("back\\slash", 16), "back\\\\slash"},
                      Case{Decoder::kString, str("caf\xc3\xa9", 8), "caf\xc3\xa9"},
                      Case{Decoder::kString, str("bad\xc3(", 8), "bad\\xc3("},
                      Case{Decoder::kString, str("\xed\xa0\x80", 4), "\\xed\\xa0\\x80"},
                      Case{Decoder::kString, str("", 16), ""}));

INSTANTIATE_TEST_SUITE_P(
    Syscalls, ValueDecoders,
    ::testing::Values(Case{Decoder::kSyscall, le_bytes(39, 8), "getpid"},
                      Case{Decoder::kSyscall, le_bytes(1, 8), "write"},
                      Case{Decoder::kSyscall, le_bytes(0, 4), "read"},
                      Case{Decoder::kSyscall, le_bytes(59, 4), "execve"},
                      Case{Decoder::kSyscall, le_bytes(334, 8), "rseq"},
                      Case{Decoder::kSyscall, le_bytes(400, 8), "syscall_400", true},
                      Case{Decoder::kSyscall, le_bytes(100000, 8), "syscall_100000", true},
                      Case{Decoder::kSyscall, le_bytes(UINT64_MAX, 8), "syscall_-1", true}));

INSTANTIATE_TEST_SUITE_P(
    Errnos, ValueDecoders,
    ::testing::Values(Case{Decoder::kErrno, le_bytes(2, 4), "ENOENT"},
                      Case{Decoder::kErrno, le_bytes(static_cast<uint64_t>(-2), 4), "ENOENT"},
                      Case{Decoder::kErrno, le_bytes(static_cast<uint64_t>(-2), 8), "ENOENT"},
                      Case{Decoder::kErrno, le_bytes(static_cast<uint64_t>(-11), 8), "EAGAIN"},
                      Case{Decoder::kErrno, le_bytes(0, 4), "0"},
                      Case{Decoder::kErrno, le_bytes(3000, 4), "3000", true},
                      Case{Decoder::kErrno, le_bytes(INT64_MIN, 8), "-9223372036854775808", true}));

std::vector<uint8_t> v6(const char* text) {
  std::vector<uint8_t> out(16);
  EXPECT_EQ(inet_pton(AF_INET6, text, out.data()), 1) << text;
  return out;
}

// A sockaddr_in or sockaddr_in6 in a buffer of sizeof(sockaddr_in6), as tcp:tcp_probe
// stores its saddr and daddr (the rest of the buffer zero, as the kernel leaves it).
std::vector<uint8_t> sockaddr_of(int family, const char* text, uint16_t port) {
  std::vector<uint8_t> out(sizeof(sockaddr_in6));
  if (family == AF_INET) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    EXPECT_EQ(inet_pton(AF_INET, text, &sin.sin_addr), 1) << text;
    memcpy(out.data(), &sin, sizeof sin);
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = static_cast<sa_family_t>(family);
    sin6.sin6_port = htons(port);
    EXPECT_EQ(inet_pton(AF_INET6, text, &sin6.sin6_addr), 1) << text;
    memcpy(out.data(), &sin6, sizeof sin6);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, ValueDecoders,
    ::testing::Values(
        // __u8 daddr[4] / __be32 as the kernel stores it: network order in memory.
        Case{Decoder::kInet, {127, 0, 0, 1}, "127.0.0.1"},
        // A u64 key field that holds a __be32: the address is its low 4 bytes.
        Case{Decoder::kInet, le_bytes(htonl(0x7f000001), 8), "127.0.0.1"},
        Case{Decoder::kInet, le_bytes(htonl(0xc0a80102), 4), "192.168.1.2"},
        Case{Decoder::kInet, v6("::1"), "::1"},
        Case{Decoder::kInet, v6("2001:db8::42"), "2001:db8::42"},
        Case{Decoder::kInet, v6("::ffff:10.1.2.3"), "10.1.2.3"},
        Case{Decoder::kInet, sockaddr_of(AF_INET, "10.1.2.3", 80), "10.1.2.3"},
        Case{Decoder::kInet, sockaddr_of(AF_INET6, "2001:db8::42", 443), "2001:db8::42"},
        Case{Decoder::kInet, sockaddr_of(AF_INET6, "::ffff:10.1.2.3", 443), "10.1.2.3"},
        // A sockaddr of another family has no address to show.
        Case{Decoder::kInet, sockaddr_of(AF_UNIX, "::1", 0),
             "0x01000000000000000000000000000000000000000000000100000000", true},
        Case{Decoder::kInet, {1, 2, 3}, "0x010203", true}));

INSTANTIATE_TEST_SUITE_P(BlockOps, ValueDecoders,
                         ::testing::Values(Case{Decoder::kBlockOp, le_bytes(0, 1), "read"},
                                           Case{Decoder::kBlockOp, le_bytes(1, 4), "write"},
                                           Case{Decoder::kBlockOp, le_bytes(2, 4), "discard"},
                                           Case{Decoder::kBlockOp, le_bytes(3, 4), "flush"},
                                           Case{Decoder::kBlockOp, le_bytes(4, 4), "other"},
                                           Case{Decoder::kBlockOp, le_bytes(9, 4), "9", true}));

TEST(EnumDecoder, NamesValuesAndFallsBackToNumbers) {
  Decoders decoders;
  auto label = label_of(Decoder::kEnum, 4);
  label.enum_names = {{0, "TASK_RUNNING"}, {1, "TASK_INTERRUPTIBLE"}, {-1, "ANY"}};
  EXPECT_EQ(decoders.decode(label, le_bytes(1, 4)), "TASK_INTERRUPTIBLE");
  EXPECT_EQ(decoders.decode(label, le_bytes(0xffffffff, 4)), "ANY");
  EXPECT_EQ(decoders.stats().errors, 0u);
  EXPECT_EQ(decoders.decode(label, le_bytes(5, 4)), "5");
  EXPECT_EQ(decoders.stats().errors, 1u);
}

TEST(EnumDecoder, LabelsWithDifferentNamesDoNotShareResults) {
  Decoders decoders;
  auto a = label_of(Decoder::kEnum, 4);
  a.enum_names = {{1, "ONE"}};
  auto b = label_of(Decoder::kEnum, 4);
  b.enum_names = {{1, "UNO"}};
  EXPECT_EQ(decoders.decode(a, le_bytes(1, 4)), "ONE");
  EXPECT_EQ(decoders.decode(b, le_bytes(1, 4)), "UNO");
}

TEST(SyscallTable, GeneratedFromTheHeader) {
  EXPECT_STREQ(syscall_table_name(39), "getpid");
  EXPECT_STREQ(syscall_table_name(231), "exit_group");
  EXPECT_EQ(syscall_table_name(1u << 20), nullptr);
}

}  // namespace
}  // namespace sonde::decode
