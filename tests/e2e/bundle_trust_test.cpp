// Bundles the compiler really wrote, changed as an attacker who can write the file would
// (the checksum set right after every change): sonde-agent validates every field
// against the BPF object before anything reaches the kernel, and with --trust runs only
// bundles a trusted key signed. Keys come from OpenSSL's command line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "runtime/spec/bundle.h"
#include "tests/e2e/bundle_fixture.h"
#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

// Runs sonde-agent to completion (a bound on a hang, not a timing assertion).
Exit run_agent(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {agent_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv);
  return p.wait(60s);
}

class BundleTrust : public BundleTest {
 protected:
  // An Ed25519 key pair made by openssl: NAME.pem and NAME.pub.pem.
  std::string key(const std::string& name) {
    std::string key = dir_ + "/" + name + ".pem";
    EXPECT_EQ(
        shell("openssl genpkey -algorithm ed25519 -out " + key + " 2>&1 && openssl pkey -in " +
              key + " -pubout -out " + dir_ + "/" + name + ".pub.pem 2>&1 && echo ok"),
        "ok\n");
    return key;
  }
  std::string pub(const std::string& name) { return dir_ + "/" + name + ".pub.pem"; }

  static spec::Bundle read(const std::string& path) {
    auto b = spec::read_bundle(path);
    EXPECT_TRUE(b) << b.error().message;
    return b ? std::move(b.value()) : spec::Bundle{};
  }
  // Writes `b` as it is (signature included), with a right checksum.
  std::string write(const std::string& name, const spec::Bundle& b) {
    std::string path = dir_ + "/" + name + ".bundle";
    EXPECT_TRUE(spec::write_bundle(path, b));
    return path;
  }

  // `sonde-agent --check` refuses the bundle: exit 1, the message naming the bundle and
  // containing `text`.
  void expect_refused(const std::string& bundle, const std::string& text,
                      const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--check", bundle};
    args.insert(args.end(), extra.begin(), extra.end());
    Exit e = run_agent(args);
    EXPECT_EQ(e.code, 1) << e.out << e.err;
    EXPECT_EQ(e.err.rfind("error: ", 0), 0u) << e.err;
    EXPECT_NE(e.err.find(bundle + ": "), std::string::npos) << e.err;
    EXPECT_NE(e.err.find(text), std::string::npos) << e.err;
    EXPECT_NE(e.err.find("hint: "), std::string::npos) << e.err;
  }
};

constexpr const char* kHistogram =
    "on tracepoint:block:block_rq_issue histogram log2 bytes by comm as rq_bytes\n";

// Every example the compiler builds passes validation as it is: no check refuses what
// this release writes.
TEST_F(BundleTrust, EveryExampleBundlePasses) {
  std::vector<std::string> examples;
  std::istringstream ls(shell("ls " + source_dir() + "/examples/*.sonde"));
  for (std::string line; std::getline(ls, line);) examples.push_back(line);
  ASSERT_FALSE(examples.empty());
  for (const auto& example : examples) {
    std::string bundle = dir_ + "/one.bundle";
    Exit b = run_sonde({"build", example, "-o", bundle});
    ASSERT_EQ(b.code, 0) << example << ": " << b.err;
    Exit e = run_agent({"--check", bundle});
    EXPECT_EQ(e.code, 0) << example << ": " << e.err;
  }
}

// The modern form of issue 18's crash on the first scrape: a histogram whose
// specification is consistent with itself (value_size fits its bounds) but not with
// the map in the object, so the collector would read past each value.
TEST_F(BundleTrust, MoreBucketsThanTheObjectsMapIsRefused) {
  spec::Bundle b = read(build("hist", kHistogram));
  auto& m = b.programs[0].metrics[0];
  for (int i = 0; i < 64; ++i) m.bounds.push_back(m.bounds.back() + 1);
  m.value_size = static_cast<uint32_t>(16 + 8 * (m.bounds.size() + 1));
  std::string bad = write("bad", b);
  expect_refused(bad, "program 0 (" + dir_ + "/hist.sonde): metric rq_bytes: value_size:");
  // Loading runs the same validation: nothing is attached, exit 1.
  Exit run = run_agent({bad, "--listen", "127.0.0.1:" + std::to_string(free_port())});
  EXPECT_EQ(run.code, 1) << run.err;
  EXPECT_NE(run.err.find("metric rq_bytes: value_size:"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("attached"), std::string::npos) << run.err;
}

TEST_F(BundleTrust, KeyLargerThanTheMapsIsRefused) {
  spec::Bundle b = read(build("hist", kHistogram));
  auto& m = b.programs[0].metrics[0];
  m.key_size += 64;
  m.labels[0].offset += 64;
  expect_refused(write("bad", b), "metric rq_bytes: key_size:");
}

TEST_F(BundleTrust, ReservedLabelNameIsRefused) {
  spec::Bundle b = read(build("hist", kHistogram));
  b.programs[0].metrics[0].labels[0].name = "le";
  expect_refused(write("bad", b), "metric rq_bytes: label le: name: reserved");
}

TEST_F(BundleTrust, CounterNamedAsAGaugeIsRefused) {
  spec::Bundle b = read(build("count", "on tracepoint:syscalls:sys_enter_getpid count\n"));
  b.programs[0].metrics[0].name = "getpid_calls";
  expect_refused(write("bad", b), "metric getpid_calls: name: a counter's name ends in _total");
}

TEST_F(BundleTrust, MapTheObjectLacksIsRefused) {
  spec::Bundle b = read(build("count", "on tracepoint:syscalls:sys_enter_getpid count\n"));
  b.programs[0].metrics[0].map = "sonde_elsewhere";
  expect_refused(write("bad", b), "map: the object has no map 'sonde_elsewhere'");
}

TEST_F(BundleTrust, ObjectForAnotherMachineIsRefused) {
  spec::Bundle b = read(build("count", "on tracepoint:syscalls:sys_enter_getpid count\n"));
  b.programs[0].object[18] = 62;  // EM_X86_64
  expect_refused(write("bad", b), "object: ELF machine 62, not BPF (247)");
}

TEST_F(BundleTrust, SignedByATrustedARuns) {
  key("a");
  std::string bundle = build("count", "on tracepoint:syscalls:sys_enter_getpid count by pid\n",
                             {"--sign", dir_ + "/a.pem"});
  Exit check = run_agent({"--check", bundle, "--trust", pub("a")});
  EXPECT_EQ(check.code, 0) << check.err;
  EXPECT_NE(check.out.find("signed by ed25519:"), std::string::npos) << check.out;

  // And it really runs: the workload's own count of getpid calls comes out.
  constexpr uint64_t kCalls = 1234;
  int port = free_port();
  Process agent({agent_binary(), bundle, "--trust", pub("a"), "--listen",
                 "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached 1 probe")) << agent.err();
  GetpidWorkload workload(kCalls);
  workload.go();
  workload.wait();
  auto body = http_get(port);
  ASSERT_TRUE(body);
  auto calls = sample(*body, "sonde_sys_enter_getpid_total",
                      "pid=\"" + std::to_string(workload.pid()) + "\"");
  ASSERT_TRUE(calls) << *body;
  EXPECT_EQ(*calls, static_cast<double>(kCalls));
}

TEST_F(BundleTrust, SignedByATrustedBIsRefused) {
  key("a");
  key("b");
  std::string bundle = build("count", "on tracepoint:syscalls:sys_enter_getpid count\n",
                             {"--sign", dir_ + "/a.pem"});
  expect_refused(bundle, "which is not a trusted key", {"--trust", pub("b")});
  // Either of two trusted keys will do.
  EXPECT_EQ(run_agent({"--check", bundle, "--trust", pub("b"), "--trust", pub("a")}).code, 0);
}

TEST_F(BundleTrust, UnsignedWithTrustIsRefused) {
  key("a");
  std::string bundle = build("count", "on tracepoint:syscalls:sys_enter_getpid count\n");
  expect_refused(bundle, "the bundle is not signed", {"--trust", pub("a")});
}

TEST_F(BundleTrust, NoTrustRunsAsBefore) {
  key("a");
  std::string plain = build("plain", "on tracepoint:syscalls:sys_enter_getpid count\n");
  std::string signed_ = build("signed", "on tracepoint:syscalls:sys_enter_getpid count\n",
                              {"--sign", dir_ + "/a.pem"});
  EXPECT_EQ(run_agent({"--check", plain}).code, 0);
  EXPECT_EQ(run_agent({"--check", signed_}).code, 0);
}

// Issue 18's attack: program B's object inside program A's signed metadata, the
// checksum recomputed. Both objects come from the compiler and have the same shape,
// so only the signature can tell.
TEST_F(BundleTrust, ObjectSwappedAfterSigningIsRefused) {
  key("a");
  spec::Bundle a = read(
      build("a", "on tracepoint:syscalls:sys_enter_getpid count\n", {"--sign", dir_ + "/a.pem"}));
  spec::Bundle b =
      read(build("b", "on tracepoint:syscalls:sys_enter_getpid where pid == 1 count\n"));
  a.programs[0].object = b.programs[0].object;
  std::string swapped = write("swapped", a);
  EXPECT_EQ(run_agent({"--check", swapped}).code, 0);  // well-formed: validation passes it
  expect_refused(swapped, "does not match its contents", {"--trust", pub("a")});
  // The source shown for it is bound the same way.
  a = read(dir_ + "/a.bundle");
  a.programs[0].source = "on tracepoint:syscalls:sys_enter_getpid count  # harmless\n";
  expect_refused(write("source", a), "does not match its contents", {"--trust", pub("a")});
}

TEST_F(BundleTrust, BadKeysAreClearErrors) {
  key("a");
  Exit build_with_public =
      run_sonde({"build", "-e", "on tracepoint:syscalls:sys_enter_getpid count", "-o",
                 dir_ + "/x.bundle", "--sign", pub("a")});
  EXPECT_EQ(build_with_public.code, 2) << build_with_public.err;
  EXPECT_NE(build_with_public.err.find("not a PEM private key"), std::string::npos)
      << build_with_public.err;
  std::string bundle = build("count", "on tracepoint:syscalls:sys_enter_getpid count\n");
  Exit missing = run_agent({"--check", bundle, "--trust", dir_ + "/none.pem"});
  EXPECT_EQ(missing.code, 1) << missing.err;
  EXPECT_NE(missing.err.find(dir_ + "/none.pem"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace sonde::e2e
