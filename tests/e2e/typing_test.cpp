// The typing rule (compiler/sema/typing.h) against the real kernel: values keep the
// width and sign the kernel gave them, literals compare as the value they are compared
// with, casts and byte order, nested struct members, and arithmetic C leaves undefined.
// The truth is the workload's own calls (tests/probes_workload).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <initializer_list>
#include <thread>

#include "tests/e2e/harness.h"
#include "tests/e2e/workload.h"

namespace sonde::e2e {
namespace {

// The value of the first of `names` present (a sum is a counter, `_total`, or a gauge).
std::optional<double> any_sample(const std::string& body, std::initializer_list<const char*> names,
                                 const std::string& labels = "") {
  for (const char* name : names) {
    if (auto v = sample(body, name, labels)) return v;
  }
  return std::nullopt;
}

// A raw tracepoint passes an `int` zero-extended to 64 bits: -EAGAIN arrives as
// 0xfffffff5 and must read as -11, not 4294967285.
TEST(Typing, RawTracepointIntArgumentKeepsItsSign) {
  Sonde sonde("on rawtracepoint:sock_recv_length where comm == \"probes_workload\" count by ret");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  run_workload({"eagain", "5"});
  const std::string body = sonde.metrics();
  EXPECT_EQ(sample(body, "sonde_sock_recv_length_total", "ret=\"-11\""), 5) << body;
  EXPECT_EQ(sample(body, "sonde_sock_recv_length_total", "ret=\"5\""), 1) << body;
  EXPECT_EQ(body.find("4294967285"), std::string::npos) << body;
}

// A pointer compared with 0 compares as the unsigned address it is: kernel addresses
// have the top bit set, so a signed comparison counted none of them.
TEST(Typing, LiteralTakesTheUnsignedTypeOfAnAddress) {
  Sonde sonde(
      "on tracepoint:timer:hrtimer_start where comm == \"probes_workload\" && function > 0 "
      "count as above_zero\n"
      "on tracepoint:timer:hrtimer_start where comm == \"probes_workload\" && function != 0 "
      "count as nonzero");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  constexpr int kSleeps = 50;
  run_workload({"sleep", std::to_string(kSleeps)});
  const std::string body = sonde.metrics();
  auto above = sample(body, "above_zero_total");
  auto nonzero = sample(body, "nonzero_total");
  ASSERT_TRUE(above && nonzero) << body;
  // Each nanosleep arms one hrtimer; the workload's start may arm a few more.
  EXPECT_GE(*nonzero, kSleeps) << body;
  EXPECT_EQ(*above, *nonzero) << body;
}

// A return value is read as the whole register; a function returning `int` leaves its
// upper half zero, so the cast to the function's type is what makes -1 negative.
TEST(Typing, CastsGiveARegisterItsType) {
  Sonde sonde(
      "on uretprobe:W:sonde_probed_signed count by r = s32(retval) as returned\n"
      "on uretprobe:W:sonde_probed_signed where (int)retval < -5 count as below_minus_five\n"
      "on uretprobe:W:sonde_probed_signed where (unsigned char)retval == 255 count as low_byte");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  constexpr int kCalls = 10;  // returning -1 .. -10
  run_workload({"signed", std::to_string(kCalls)});
  const std::string body = sonde.metrics();
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(sample(body, "returned_total", "r=\"" + std::to_string(-(i + 1)) + "\""), 1) << body;
  }
  EXPECT_EQ(sample(body, "below_minus_five_total"), 5) << body;
  EXPECT_EQ(sample(body, "low_byte_total"), 1) << body;  // only -1 is 0x...ff
}

// Division, modulo and shifts of negative values give what C gives, and a division by
// a zero computed at run time gives 0 (as BPF defines it) instead of failing to compile.
TEST(Typing, ArithmeticOnNegativeValuesIsCs) {
  Sonde sonde(
      "on uretprobe:W:sonde_probed_signed sum s32(retval) / 4 as quotients\n"
      "on uretprobe:W:sonde_probed_signed sum s32(retval) % 4 as remainders\n"
      "on uretprobe:W:sonde_probed_signed sum s32(retval) >> 1 as halves\n"
      "on uretprobe:W:sonde_probed_signed sum 100 / (s32(retval) + 1) as by_zero");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  constexpr int kCalls = 9;
  run_workload({"signed", std::to_string(kCalls)});
  int64_t quotients = 0, remainders = 0, halves = 0, by_zero = 0;
  for (int i = 0; i < kCalls; ++i) {
    const int64_t v = -(i + 1);
    quotients += v / 4;
    remainders += v % 4;
    halves += v >> 1;
    by_zero += v + 1 == 0 ? 0 : 100 / (v + 1);
  }
  const std::string body = sonde.metrics();
  EXPECT_EQ(any_sample(body, {"quotients_total", "quotients"}), quotients) << body;
  EXPECT_EQ(any_sample(body, {"remainders_total", "remainders"}), remainders) << body;
  EXPECT_EQ(any_sample(body, {"halves_total", "halves"}), halves) << body;
  EXPECT_EQ(any_sample(body, {"by_zero_total", "by_zero"}), by_zero) << body;
}

// A struct held by value inside another (sock -> __sk_common) is one relocated path;
// the port is in network byte order.
TEST(Typing, NestedMembersAndByteOrderNameThePeer) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  const int port = ntohs(addr.sin_port);
  std::thread drain([listener] {
    int fd = accept(listener, nullptr, nullptr);
    char buffer[65536];
    while (fd >= 0 && read(fd, buffer, sizeof buffer) > 0) {
    }
    if (fd >= 0) close(fd);
  });

  Sonde sonde(
      "on rawtracepoint:sock_send_length where comm == \"probes_workload\" sum s64(ret) by "
      "peer = ntop(sk.__sk_common.skc_daddr), port = ntohs(sk.__sk_common.skc_dport) as sent");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  constexpr long kBytes = 100000;
  run_workload({"send", std::to_string(kBytes), std::to_string(port)});
  drain.join();
  close(listener);
  const std::string body = sonde.metrics();
  EXPECT_EQ(any_sample(body, {"sent_total", "sent"},
                       "peer=\"127.0.0.1\",port=\"" + std::to_string(port) + "\""),
            kBytes)
      << body;
}

// An index reads the one element it names, where it lies (a tracepoint field, a member
// through a pointer): copying whole arrays overflowed the stack for large ones. The
// truth is the workload's own name, "probes_workload": 'p' is 112, 'd' (index 14) 100.
TEST(Typing, IndexReadsOneElement) {
  Sonde sonde(
      "on tracepoint:sched:sched_switch where prev_comm == \"probes_workload\" count by "
      "a = prev_comm[0], b = prev_comm[14] as field_elements\n"
      "on rawtracepoint:sched_switch where prev.comm == \"probes_workload\" count by "
      "a = prev.comm[0], b = prev.comm[14] as member_elements");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  run_workload({"sleep", "20"});  // each nanosleep switches the workload out
  const std::string body = sonde.metrics();
  for (const char* metric : {"field_elements_total", "member_elements_total"}) {
    std::optional<double> right = sample(body, metric, "a=\"112\",b=\"100\"");
    ASSERT_TRUE(right) << metric << "\n" << body;
    EXPECT_GE(*right, 20) << body;
    // Nothing counted under other values.
    double all = 0;
    for (const auto& [series, value] : parse_exposition(body)) {
      if (series.starts_with(std::string(metric) + "{")) all += value;
    }
    EXPECT_EQ(all, *right) << body;
  }
}

// A byte array reached through a pointer is read whole: an IPv6 address starts with
// zero bytes, where a string read stopped (::1 showed as ::). The truth is the address
// this test connects to.
TEST(Typing, BytesMemberIsReadWhole) {
  int listener = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  const int port = ntohs(addr.sin6_port);

  Sonde sonde(
      "on rawtracepoint:inet_sock_set_state where newstate == TCP_ESTABLISHED && "
      "(ntohs(sk.__sk_common.skc_dport) == " +
      std::to_string(port) + " || sk.__sk_common.skc_num == " + std::to_string(port) +
      ") count by peer = ntop(sk.__sk_common.skc_v6_daddr.in6_u.u6_addr8) as v6_peers");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  int client = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(client, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  int accepted = accept(listener, nullptr, nullptr);
  ASSERT_GE(accepted, 0);
  close(client);
  close(accepted);
  close(listener);
  const std::string body = sonde.metrics();
  std::optional<double> loopback = sample(body, "v6_peers_total", "peer=\"::1\"");
  ASSERT_TRUE(loopback) << body;
  EXPECT_GE(*loopback, 1) << body;
  double all = 0;
  for (const auto& [series, value] : parse_exposition(body)) {
    if (series.starts_with("v6_peers_total{")) all += value;
  }
  EXPECT_EQ(all, *loopback) << body;
}

// A span label may be named after the field it shows: inside its definition the name
// means the field (it used to make `check` reject the program without a word).
TEST(Typing, SpanLabelNamedAfterItsField) {
  const std::string file = ::testing::TempDir() + "/label_named_after_field.sonde";
  std::ofstream(file) << "span wake {\n"
                         "  start tracepoint:sched:sched_wakeup key pid\n"
                         "  end tracepoint:sched:sched_switch key next_pid\n"
                         "  label prev_pid = prev_pid\n"
                         "}\n"
                         "count latency of wake by prev_pid\n";
  Exit checked = run_sonde({"check", file});
  EXPECT_EQ(checked.code, 0) << checked.err;
  Exit ran = run_sonde({"run", file, "--duration", "1s"});
  EXPECT_EQ(ran.code, 0) << ran.err;
  EXPECT_NE(ran.out.find("prev_pid"), std::string::npos) << ran.out;
}

}  // namespace
}  // namespace sonde::e2e
