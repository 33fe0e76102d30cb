// Per-peer TCP of stdlib/net.sonde (examples/tcppeers.sonde) against the workload's own
// counts and the kernel's view of its sockets, IPv4 and IPv6 over loopback:
// - `tcp_send`, `tcp_recv`: the bytes each end of each connection wrote (what write()
//   returned) are the bytes counted for that peer and port, and received at the other end;
// - `tcp connect`: one span per connect(), each inside the connect() call as the
//   workload timed it (SYN_SENT is set inside the call, and on loopback the SYN-ACK is
//   processed before it returns);
// - `tcp_rtt`: the client's smoothed RTT, as `ss -ti` and TCP_INFO report it for the
//   same connection. The last segment the client receives acknowledges nothing new, so
//   it samples no RTT and tcp_probe's srtt (read as the segment arrives) is the
//   socket's final one: the two agree exactly, not just within a bucket.
// The reference tools for these (tcpconnlat, tcprtt, tcptop) hook kernel functions
// (fentry, kprobes), which this kernel does not allow.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <regex>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

using namespace std::chrono_literals;

constexpr int kConnections = 3;

// What the workload reports about one family's connections.
struct Flows {
  uint16_t server_port = 0;
  uint16_t client_port[kConnections] = {};
  uint64_t client_wrote = 0, server_wrote = 0;  // what write() returned, summed
  uint64_t connect_ns = 0;                      // connect() calls, summed
  uint32_t client_rtt_us = 0;                   // tcpi_rtt of connection 0, at the end
};

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // bpf_ktime_get_ns's clock
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

socklen_t loopback(int family, uint16_t port, sockaddr_storage& out) {
  out = {};
  if (family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_loopback;
    return sizeof(sockaddr_in6);
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&out);
  a->sin_family = AF_INET;
  a->sin_port = htons(port);
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sizeof(sockaddr_in);
}

uint16_t port_of(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&a)->sin6_port
                                       : reinterpret_cast<sockaddr_in*>(&a)->sin_port);
}

// Writes `n` bytes from `from` in pieces, each read at `to` before the next (the
// socket buffers need not hold them all); what write() returned, summed (-1 on an error).
int64_t transfer(int from, int to, size_t n) {
  static char buf[16384];
  int64_t wrote = 0;
  while (static_cast<size_t>(wrote) < n) {
    ssize_t r = write(from, buf, std::min(sizeof buf, n - static_cast<size_t>(wrote)));
    if (r <= 0) return -1;
    for (ssize_t got = 0; got < r;) {
      ssize_t g = read(to, buf, static_cast<size_t>(r - got));
      if (g <= 0) return -1;
      got += g;
    }
    wrote += r;
  }
  return wrote;
}

// One family's connections, kept open until `release` closes: connection i carries
// 100000 * (i + 1) + i bytes to the server and 1000 + i back; connection 0 then 20
// one-byte exchanges, and one last byte from the server that acknowledges nothing new.
int flows(int family, Flows& f) {
  int listener = socket(family, SOCK_STREAM, 0);
  sockaddr_storage addr;
  socklen_t len = loopback(family, 0, addr);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0) return 1;
  if (listen(listener, kConnections) != 0) return 2;
  f.server_port = port_of(listener);
  loopback(family, f.server_port, addr);
  int client[kConnections], server[kConnections];
  for (int i = 0; i < kConnections; ++i) {
    client[i] = socket(family, SOCK_STREAM, 0);
    uint64_t t0 = now_ns();
    if (connect(client[i], reinterpret_cast<sockaddr*>(&addr), len) != 0) return 3;
    f.connect_ns += now_ns() - t0;
    f.client_port[i] = port_of(client[i]);
    server[i] = accept(listener, nullptr, nullptr);
    if (server[i] < 0) return 4;
    int64_t up = transfer(client[i], server[i], 100000 * (i + 1) + i);
    if (up < 0) return 5;
    int64_t down = transfer(server[i], client[i], 1000 + i);
    if (down < 0) return 6;
    f.client_wrote += static_cast<uint64_t>(up);
    f.server_wrote += static_cast<uint64_t>(down);
  }
  for (int k = 0; k < 20; ++k) {
    if (transfer(client[0], server[0], 1) != 1) return 7;
    if (transfer(server[0], client[0], 1) != 1) return 8;
    f.client_wrote += 1;
    f.server_wrote += 1;
  }
  // The server's last byte: the client has nothing in flight, so it samples no RTT.
  if (transfer(server[0], client[0], 1) != 1) return 9;
  f.server_wrote += 1;
  tcp_info info{};
  socklen_t info_len = sizeof info;
  if (getsockopt(client[0], IPPROTO_TCP, TCP_INFO, &info, &info_len) != 0) return 10;
  f.client_rtt_us = info.tcpi_rtt;
  return 0;
}

std::string label(const std::string& name, const std::string& value) {
  return name + "=\"" + value + "\"";
}

// `ss -tin` of the connection from local port `sport` to `dport`: its "rtt:" in us.
double ss_rtt_us(uint16_t sport, uint16_t dport) {
  Process ss(
      {"/usr/bin/ss", "-tin",
       "( sport = :" + std::to_string(sport) + " and dport = :" + std::to_string(dport) + " )"});
  Exit e = ss.wait();
  std::smatch m;
  if (!std::regex_search(e.out, m, std::regex(R"(rtt:([0-9.]+)/)"))) {
    ADD_FAILURE() << "no rtt in the output of ss for " << sport << " -> " << dport << ": " << e.out
                  << e.err << " (exit " << e.code << ", signal " << e.signal << ")";
    return -1;
  }
  // ss prints the µs count / 1000 with %g: 1001 µs reads "1.001", which times 1000 is
  // not exactly 1001 in binary floating point.
  return std::round(std::stod(m[1]) * 1000);
}

TEST(Tcppeers, BytesConnectsAndRttOfEachPeerAsTheWorkloadAndSsSeeThem) {
  int report[2], release[2];
  ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);  // not inherited by sonde
  ASSERT_EQ(pipe2(release, O_CLOEXEC), 0);
  // The connect spans of other processes' connections are filtered out by port below;
  // the bytes by the workload's name.
  Sonde sonde(
      "on tcp_send where comm == \"sonde_peer\" sum bytes by ntop(daddr), dport, sport as "
      "peer_sent\n"
      "on tcp_recv where comm == \"sonde_peer\" sum bytes by ntop(daddr), dport, sport as "
      "peer_received\n"
      "histogram log2 latency of tcp connect by daddr, dport, sport as peer_connect\n"
      "on tcp_rtt gauge rtt by ntop(daddr), dport, sport as peer_rtt");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Workload workload("sonde_peer", [&] {
    close(report[0]);
    close(release[1]);
    Flows f[2];
    if (int r = flows(AF_INET, f[0])) return r;
    if (int r = flows(AF_INET6, f[1])) return 20 + r;
    if (write(report[1], f, sizeof f) != sizeof f) return 40;
    char c;
    return read(release[0], &c, 1) == 0 ? 0 : 41;  // until the test closes it
  });
  close(report[1]);
  close(release[0]);
  workload.go();
  Flows f[2];
  // Blocks until the workload reported (or exited: then the read is short).
  ASSERT_EQ(read(report[0], f, sizeof f), static_cast<ssize_t>(sizeof f))
      << "the workload exited " << workload.wait();
  const double rtt_ss[2] = {ss_rtt_us(f[0].client_port[0], f[0].server_port),
                            ss_rtt_us(f[1].client_port[0], f[1].server_port)};
  std::string body = sonde.scrape();
  close(release[1]);
  ASSERT_EQ(workload.wait(), 0);
  close(report[0]);
  EXPECT_EQ(sonde.stop().code, 0);

  const char* peer[2] = {"127.0.0.1", "::1"};
  for (int i = 0; i < 2; ++i) {
    const std::string daddr = label("daddr", peer[i]);
    const std::string server = std::to_string(f[i].server_port);
    // Client sockets send to the server's port; server sockets from it.
    const double client_sent = sonde_total(body, "peer_sent", {daddr, label("dport", server)});
    const double server_sent = sonde_total(body, "peer_sent", {daddr, label("sport", server)});
    const double client_got = sonde_total(body, "peer_received", {daddr, label("dport", server)});
    const double server_got = sonde_total(body, "peer_received", {daddr, label("sport", server)});
    measured(std::string(peer[i]) + ": client wrote " + std::to_string(f[i].client_wrote) +
             ", sonde " + std::to_string(client_sent) + " sent, " + std::to_string(server_got) +
             " received; server wrote " + std::to_string(f[i].server_wrote) + ", sonde " +
             std::to_string(server_sent) + " sent, " + std::to_string(client_got) + " received");
    EXPECT_EQ(client_sent, static_cast<double>(f[i].client_wrote)) << body;
    EXPECT_EQ(server_got, static_cast<double>(f[i].client_wrote)) << body;
    EXPECT_EQ(server_sent, static_cast<double>(f[i].server_wrote)) << body;
    EXPECT_EQ(client_got, static_cast<double>(f[i].server_wrote)) << body;
    // Each connection is its own series (by its client port), sent to one peer.
    for (int c = 0; c < kConnections; ++c) {
      EXPECT_GT(sonde_total(body, "peer_sent",
                            {daddr, label("dport", server),
                             label("sport", std::to_string(f[i].client_port[c]))}),
                100000.0 * (c + 1))
          << body;
    }

    // Connects: one span each, inside the connect() calls the workload timed.
    Cumulative connects =
        sonde_histogram(body, "peer_connect_seconds", daddr + "," + label("dport", server));
    measured(std::string(peer[i]) + ": " + std::to_string(kConnections) + " connects, sonde " +
             std::to_string(connects.count) + " taking " + std::to_string(connects.sum * 1e9) +
             " ns, connect() calls " + std::to_string(f[i].connect_ns) + " ns");
    EXPECT_EQ(connects.count, kConnections) << body;
    EXPECT_GT(connects.sum, 0) << body;
    EXPECT_LE(connects.sum * 1e9, static_cast<double>(f[i].connect_ns) * 1.000001) << body;

    // RTT: the client's last sample is its socket's final srtt, in ns.
    const double rtt = sonde_total(
        body, "peer_rtt",
        {daddr, label("dport", server), label("sport", std::to_string(f[i].client_port[0]))});
    measured(std::string(peer[i]) + ": client rtt sonde " + std::to_string(rtt / 1000) +
             " us, ss " + std::to_string(rtt_ss[i]) + " us, TCP_INFO " +
             std::to_string(f[i].client_rtt_us) + " us");
    EXPECT_EQ(rtt, f[i].client_rtt_us * 1000.0) << body;
    EXPECT_EQ(rtt, rtt_ss[i] * 1000.0) << body;
  }
}

// UDP: a connected socket sends datagrams to a bound one, IPv4 and IPv6. A connected
// IPv4 UDP socket leaves its skc_v6_daddr zero (a TCP one holds the mapped address), so
// the peer is only right when chosen by family.
int datagrams(int family, uint16_t& port, uint64_t& sent) {
  int receiver = socket(family, SOCK_DGRAM, 0);
  sockaddr_storage addr;
  socklen_t len = loopback(family, 0, addr);
  if (bind(receiver, reinterpret_cast<sockaddr*>(&addr), len) != 0) return 1;
  port = port_of(receiver);
  loopback(family, port, addr);
  int sender = socket(family, SOCK_DGRAM, 0);
  if (connect(sender, reinterpret_cast<sockaddr*>(&addr), len) != 0) return 2;
  char buf[2000] = {};
  for (int i = 1; i <= 30; ++i) {
    ssize_t n = send(sender, buf, static_cast<size_t>(i * 37), 0);
    if (n != i * 37 || recv(receiver, buf, sizeof buf, 0) != n) return 3;
    sent += static_cast<uint64_t>(n);
  }
  close(sender);
  close(receiver);
  return 0;
}

TEST(Udppeers, DatagramBytesOfEachPeerAsTheWorkloadSentThem) {
  int report[2];
  ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);
  Sonde sonde(
      "on udp_send where comm == \"sonde_udp\" sum bytes by ntop(daddr), dport as udp_sent\n"
      "on udp_recv where comm == \"sonde_udp\" sum bytes by ntop(saddr), sport as udp_received");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Workload workload("sonde_udp", [&] {
    close(report[0]);
    uint16_t ports[2] = {};
    uint64_t sent[2] = {};
    if (int r = datagrams(AF_INET, ports[0], sent[0])) return r;
    if (int r = datagrams(AF_INET6, ports[1], sent[1])) return 10 + r;
    bool ok = write(report[1], ports, sizeof ports) == sizeof ports &&
              write(report[1], sent, sizeof sent) == sizeof sent;
    return ok ? 0 : 20;
  });
  close(report[1]);
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  uint16_t ports[2];
  uint64_t sent[2];
  ASSERT_EQ(read(report[0], ports, sizeof ports), static_cast<ssize_t>(sizeof ports));
  ASSERT_EQ(read(report[0], sent, sizeof sent), static_cast<ssize_t>(sizeof sent));
  close(report[0]);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  const char* peer[2] = {"127.0.0.1", "::1"};
  for (int i = 0; i < 2; ++i) {
    const std::string port = std::to_string(ports[i]);
    const double ours_sent =
        sonde_total(body, "udp_sent", {label("daddr", peer[i]), label("dport", port)});
    const double ours_received =
        sonde_total(body, "udp_received", {label("saddr", peer[i]), label("sport", port)});
    measured(std::string(peer[i]) + ": UDP bytes sent " + std::to_string(sent[i]) + ", sonde " +
             std::to_string(ours_sent) + " sent, " + std::to_string(ours_received) + " received");
    EXPECT_EQ(ours_sent, static_cast<double>(sent[i])) << body;
    EXPECT_EQ(ours_received, static_cast<double>(sent[i])) << body;
  }
}

}  // namespace
}  // namespace sonde::e2e::diff
