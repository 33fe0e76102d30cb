// TCP events of stdlib/net.sonde and the examples built on them:
// - `tcp_state` (examples/tcpconnect.sonde) against libbpf-tools' tcpstates on one
//   port, both sides of each connection;
// - the span `tcp life` against libbpf-tools' tcplife on one port;
// - `tcp_retransmit` (examples/tcpretrans.sonde) against the kernel's counters: the
//   socket's own tcpi_total_retrans (TCP_INFO) and /proc/net/snmp's RetransSegs. The
//   reference tool, tcpretrans.bt, needs a kprobe.
// The retransmissions are SYNs, each one segment, so skbs and segments agree here; an
// skb carrying several segments (TSO) counts once in sonde and several times in the
// kernel's counters (stdlib/net.sonde).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

using namespace std::chrono_literals;

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// 10 connections to a listener of its own: connect, one byte each way, close.
int connections(int port) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = loopback(port);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 1;
  if (listen(listener, 16) != 0) return 2;
  for (int i = 0; i < 10; ++i) {
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 3;
    int server = accept(listener, nullptr, nullptr);
    char c = 'x';
    if (write(client, &c, 1) != 1 || read(server, &c, 1) != 1) return 4;
    if (write(server, &c, 1) != 1 || read(client, &c, 1) != 1) return 5;
    close(client);
    if (read(server, &c, 1) != 0) return 6;  // the client's FIN
    close(server);
  }
  close(listener);
  return 0;
}

// "TCP_ESTABLISHED" (sonde's label) and "ESTABLISHED" (tcpstates) name one state.
std::string state(const std::string& s) { return s.rfind("TCP_", 0) == 0 ? s.substr(4) : s; }

TEST(Tcpstates, StateChangesOfOnePortCountedAlike) {
  const int port = free_port();
  const std::string p = std::to_string(port);
  // tcpstates ANDs its port filters: one run for each side of the connections.
  auto local = libbpf_tool("tcpstates", {"-4", "-L", p});
  auto remote = libbpf_tool("tcpstates", {"-4", "-D", p});
  if (!local) GTEST_SKIP() << not_installed("tcpstates");
  if (!local->ready("SKADDR")) GTEST_SKIP() << local->why_not_ready();
  if (!remote->ready("SKADDR")) GTEST_SKIP() << remote->why_not_ready();
  Sonde sonde("on tcp_state where sport == " + p + " || dport == " + p +
              " count by oldstate, newstate, comm as changes\n"
              "on tcp_state where newstate == TCP_ESTABLISHED && (sport == " +
              p + " || dport == " + p + ") count by comm as tcp_established");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Workload workload("sonde_tcp", [port] { return connections(port); });
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit l = local->stop(), r = remote->stop();
  ASSERT_EQ(l.code, 0) << l.err;
  ASSERT_EQ(r.code, 0) << r.err;

  // SKADDR C-PID C-COMM LADDR LPORT RADDR RPORT OLDSTATE -> NEWSTATE MS
  std::map<std::string, double> theirs, ours;
  double their_established = 0;
  for (const auto* out : {&l.out, &r.out}) {
    for (const auto& row : parse_table(*out, "SKADDR")) {
      if (row.size() != 11) continue;
      theirs[row[7] + " -> " + row[9] + " by " + row[2]] += 1;
      if (row[9] == "ESTABLISHED") their_established += 1;
    }
  }
  for (const auto& [series, value] : parse_exposition(body)) {
    if (series.rfind("changes_total{", 0) != 0) continue;
    auto label = [&](const std::string& name) {
      auto at = series.find(name + "=\"") + name.size() + 2;
      return series.substr(at, series.find('"', at) - at);
    };
    // tcpstates prints at most 10 characters of a name.
    ours[state(label("oldstate")) + " -> " + state(label("newstate")) + " by " +
         label("comm").substr(0, 10)] += value;
  }
  double total = 0;
  for (const auto& [k, n] : theirs) total += n;
  const double our_established = sonde_total(body, "tcp_established_total");
  measured("state changes: tcpstates " + std::to_string(total) + " in " +
           std::to_string(theirs.size()) + " kinds; established: tcpstates " +
           std::to_string(their_established) + ", sonde " + std::to_string(our_established));
  EXPECT_EQ(ours, theirs) << l.out << r.out << body;
  // Each connection is established at both ends.
  EXPECT_EQ(their_established, 20);
  EXPECT_EQ(our_established, 20) << body;
}

// The span `tcp life` against tcplife on one port, both ends of each connection: one
// life per socket, and their durations (tcplife's MS, two decimals) within one bucket.
TEST(Tcplife, LivesOfOnePortTimedAlike) {
  const int port = free_port();
  const std::string p = std::to_string(port);
  auto local = libbpf_tool("tcplife", {"-L", p});
  auto remote = libbpf_tool("tcplife", {"-D", p});
  if (!local) GTEST_SKIP() << not_installed("tcplife");
  if (!local->ready("PID")) GTEST_SKIP() << local->why_not_ready();
  if (!remote->ready("PID")) GTEST_SKIP() << remote->why_not_ready();
  Sonde sonde("histogram log2 latency of tcp life where sport == " + p + " || dport == " + p +
              " by daddr as lives");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Workload workload("sonde_tcp", [port] { return connections(port); });
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit l = local->stop(), r = remote->stop();
  ASSERT_EQ(l.code, 0) << l.err;
  ASSERT_EQ(r.code, 0) << r.err;
  // PID COMM LADDR LPORT RADDR RPORT TX_KB RX_KB MS
  std::vector<Bucket> theirs;
  for (const auto* out : {&l.out, &r.out}) {
    for (const auto& row : parse_table(*out, "PID")) {
      if (row.size() != 9) continue;
      // One value, known to 0.01 ms: the bucket of the values that print so, in ns.
      double ms = std::stod(row[8]);
      theirs.push_back(Bucket{std::max(0.0, (ms - 0.005) * 1e6), (ms + 0.005) * 1e6, 1});
    }
  }
  Cumulative ours = sonde_histogram(body, "lives_seconds", "daddr=\"127.0.0.1\"");
  measured("TCP lives: tcplife " + std::to_string(theirs.size()) + ", sonde " +
           std::to_string(ours.count));
  EXPECT_EQ(theirs.size(), 20u) << l.out << r.out;
  EXPECT_EQ(ours.count, 20) << body;
  EXPECT_EQ(within_one_bucket(theirs, ours, 1e-9), "") << l.out << r.out;
}

// A listener that never accepts, with room for one connection: a second client's SYN
// is dropped (the accept queue is full) and retransmitted after 1 s, then 2 s.
class FullListener {
 public:
  FullListener() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    addr_ = loopback(0);
    bind(listener_, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_);
    socklen_t len = sizeof addr_;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr_), &len);
    listen(listener_, 0);
    first_ = socket(AF_INET, SOCK_STREAM, 0);
    connected_ = connect(first_, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_) == 0;
  }
  ~FullListener() {
    close(first_);
    close(listener_);
  }
  bool ok() const { return connected_; }
  int port() const { return ntohs(addr_.sin_port); }
  // Connects a second client until the kernel retransmitted its SYN twice (or 20 s
  // passed); its tcpi_total_retrans.
  unsigned retransmitted_syns() const {
    int second = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(second, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_);  // EINPROGRESS
    tcp_info info{};
    auto deadline = std::chrono::steady_clock::now() + 20s;  // only bounds a hang
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      socklen_t n = sizeof info;
      getsockopt(second, IPPROTO_TCP, TCP_INFO, &info, &n);
      if (info.tcpi_total_retrans >= 2) break;
    }
    close(second);  // no more retransmissions
    return info.tcpi_total_retrans;
  }

 private:
  int listener_ = -1, first_ = -1;
  sockaddr_in addr_{};
  bool connected_ = false;
};

TEST(Tcpretrans, SynRetransmissionsAsTheSocketCountsThem) {
  FullListener target;
  ASSERT_TRUE(target.ok());
  const std::string p = std::to_string(target.port());
  Sonde sonde("on tcp_retransmit where dport == " + p +
              " count as retransmits\n"
              "on tcp_retransmit count as all_retransmits");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  const auto r0 = proc_net_snmp("Tcp", "RetransSegs");
  const std::string a = sonde.scrape();
  const auto r1 = proc_net_snmp("Tcp", "RetransSegs");
  const unsigned socket_count = target.retransmitted_syns();
  const auto r2 = proc_net_snmp("Tcp", "RetransSegs");
  const std::string b = sonde.scrape();
  const auto r3 = proc_net_snmp("Tcp", "RetransSegs");
  EXPECT_EQ(sonde.stop().code, 0);
  ASSERT_TRUE(r0 && r1 && r2 && r3) << "/proc/net/snmp has no Tcp RetransSegs";
  const double ours = sonde_total(b, "retransmits_total");
  const double all =
      sonde_total(b, "all_retransmits_total") - sonde_total(a, "all_retransmits_total");
  measured("SYN retransmissions: socket " + std::to_string(socket_count) + ", sonde " +
           std::to_string(ours) + "; system-wide: kernel " + std::to_string(*r2 - *r1) +
           " (inner) to " + std::to_string(*r3 - *r0) + " (outer), sonde " + std::to_string(all));
  ASSERT_GE(socket_count, 2u) << "the SYN was not retransmitted twice in 20 s";
  EXPECT_EQ(ours, socket_count) << b;
  // Other sockets' skbs may carry several segments: sonde counts at most the segments
  // the kernel counts, and at least this socket's.
  EXPECT_LE(all, static_cast<double>(*r3 - *r0));
  EXPECT_GE(all, ours);
}

// tcpretrans.bt traces kprobe:tcp_retransmit_skb (kprobes are off on this kernel).
TEST(Tcpretrans, AgainstTcpretransBt) {
  auto tool = bpftrace_file("/usr/sbin/tcpretrans.bt");
  if (!tool) GTEST_SKIP() << "/usr/sbin/tcpretrans.bt is not installed (Debian's bpftrace package)";
  FullListener target;
  ASSERT_TRUE(target.ok());
  const std::string p = std::to_string(target.port());
  if (!tool->ready("Tracing tcp retransmits")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("on tcp_retransmit where dport == " + p + " count as retransmits");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  target.retransmitted_syns();
  const std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit e = tool->stop();
  // PID LADDR:LPORT RADDR:RPORT STATE, after a TIME column.
  int theirs = 0;
  for (const auto& row : parse_table(e.out, "TIME"))
    for (const auto& col : row)
      theirs += col.size() > p.size() && col.substr(col.size() - p.size() - 1) == ":" + p;
  EXPECT_EQ(sonde_total(body, "retransmits_total"), theirs) << e.out;
}

}  // namespace
}  // namespace sonde::e2e::diff
