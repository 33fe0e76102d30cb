// Container, pod and unit labels: cgroup path shapes of each runtime, the kubelet's
// log directory names, and the runtime API client's bounds.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "runtime/decode/cgroup.h"
#include "runtime/decode/container.h"
#include "runtime/decode/container_api.h"
#include "runtime/decode/container_kubelet.h"
#include "runtime/decode/container_path.h"
#include "runtime/decode/decoder.h"
#include "support/unique_fd.h"
#include "tests/unit/decode/test_util.h"

namespace sonde::decode {
namespace {

const std::string kId = "3387cad9febc9fbce30e13626f2953a7ae504de39b836845e6e462395af23672";
const std::string kId2 = "0bc5eac79e3ae7a0c2651f14722aa10fa333eb2325c2ca97da33aa284cda81b0";
const std::string kUid = "0b7632a2-a56e-4278-987a-22de18008dbe";
const std::string kUidEscaped = "0b7632a2_a56e_4278_987a_22de18008dbe";  // systemd driver
const std::string kStaticUid = "a1b2c3d4e5f60718293a4b5c6d7e8f90";       // static pod: a hash

struct PathCase {
  std::string what;
  std::string path;
  ContainerPath want;
};

std::ostream& operator<<(std::ostream& os, const PathCase& c) { return os << c.what; }

class ContainerPaths : public testing::TestWithParam<PathCase> {};

TEST_P(ContainerPaths, Parse) {
  const PathCase& c = GetParam();
  ContainerPath got = parse_container_path(c.path);
  EXPECT_EQ(got.runtime, c.want.runtime) << c.path;
  EXPECT_EQ(got.container_id, c.want.container_id) << c.path;
  EXPECT_EQ(got.pod_uid, c.want.pod_uid) << c.path;
  EXPECT_EQ(got.unit, c.want.unit) << c.path;
}

// Where each shape comes from:
// - systemd: system.slice, user.slice, user-UID.slice, user@UID.service, session-N.scope,
//   init.scope (systemd.special(7)); delegated subgroups below a unit (systemd's "Control
//   Group APIs and Delegation").
// - Docker: "docker-<id>.scope" under system.slice with the systemd driver (runc's
//   libcontainer/cgroups/systemd getUnitName: prefix-name.scope; moby's scopePrefix
//   "docker"); "/docker/<id>" with cgroupfs (moby's default cgroup parent "/docker").
// - Kubernetes: kubelet's pkg/kubelet/cm cgroup_manager_linux.go: pods under
//   kubepods[/burstable|/besteffort]/pod<uid> (cgroupfs), the systemd form
//   "kubepods-burstable-pod<uid>.slice" with '-' escaped to '_'
//   (escapeSystemdCgroupName), and the runtimes' scope prefixes
//   (SystemdPathPrefixOfRuntime: "cri-containerd", "crio"); with cgroupfs the container's
//   directory is its bare id. CRI-O's monitor "crio-conmon-<id>.scope" and its
//   "crio-<id>.scope/container" subgroup (kubernetes test/e2e_node example paths).
// - podman: libpod's CgroupfsDefaultCgroupParent "/libpod_parent" with "libpod-<id>"
//   (measured here: podman 4.3.1 with runc, cgroupfs manager), SystemdDefaultCgroupParent
//   "machine.slice" with "libpod-<id>.scope", "libpod-conmon-<id>.scope" for conmon, and
//   pods as "machine-libpod_pod_<id>.slice".
INSTANTIATE_TEST_SUITE_P(
    Shapes, ContainerPaths,
    testing::Values(
        PathCase{"root", "/", {}},
        PathCase{"systemd service", "/system.slice/ssh.service", {"", "", "", "ssh.service"}},
        PathCase{"systemd slice alone", "/system.slice", {"", "", "", "system.slice"}},
        PathCase{"systemd init", "/init.scope", {"", "", "", "init.scope"}},
        PathCase{"instantiated service",
                 "/system.slice/system-getty.slice/getty@tty1.service",
                 {"", "", "", "getty@tty1.service"}},
        PathCase{"login session",
                 "/user.slice/user-1000.slice/session-2.scope",
                 {"", "", "", "session-2.scope"}},
        PathCase{"user manager's app",
                 "/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service",
                 {"", "", "", "foo.service"}},
        PathCase{"delegated subgroup keeps its unit",
                 "/system.slice/foo.service/worker/tasks",
                 {"", "", "", "foo.service"}},
        PathCase{"docker daemon is not a container",
                 "/system.slice/docker.service",
                 {"", "", "", "docker.service"}},
        PathCase{"docker, systemd driver",
                 "/system.slice/docker-" + kId + ".scope",
                 {"docker", kId, "", "docker-" + kId + ".scope"}},
        PathCase{"docker, cgroupfs driver", "/docker/" + kId, {"docker", kId, "", ""}},
        PathCase{"docker in docker: the innermost",
                 "/docker/" + kId + "/docker/" + kId2,
                 {"docker", kId2, "", ""}},
        PathCase{"containerd, systemd, burstable",
                 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kUidEscaped +
                     ".slice/cri-containerd-" + kId + ".scope",
                 {"containerd", kId, kUid, "cri-containerd-" + kId + ".scope"}},
        PathCase{"containerd, systemd, guaranteed",
                 "/kubepods.slice/kubepods-pod" + kUidEscaped + ".slice/cri-containerd-" + kId +
                     ".scope",
                 {"containerd", kId, kUid, "cri-containerd-" + kId + ".scope"}},
        PathCase{"static pod's uid",
                 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kStaticUid +
                     ".slice/cri-containerd-" + kId + ".scope",
                 {"containerd", kId, kStaticUid, "cri-containerd-" + kId + ".scope"}},
        PathCase{"pod cgroup, no container",
                 "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kUidEscaped +
                     ".slice",
                 {"", "", kUid, "kubepods-besteffort-pod" + kUidEscaped + ".slice"}},
        PathCase{"kubepods QoS slice",
                 "/kubepods.slice/kubepods-burstable.slice",
                 {"", "", "", "kubepods-burstable.slice"}},
        PathCase{"cgroupfs driver, burstable",
                 "/kubepods/burstable/pod" + kUid + "/" + kId,
                 {"", kId, kUid, ""}},
        PathCase{
            "cgroupfs driver, guaranteed", "/kubepods/pod" + kUid + "/" + kId, {"", kId, kUid, ""}},
        PathCase{
            "cgroupfs driver, pod only", "/kubepods/besteffort/pod" + kUid, {"", "", kUid, ""}},
        PathCase{"CRI-O, systemd",
                 "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kUidEscaped +
                     ".slice/crio-" + kId + ".scope",
                 {"cri-o", kId, kUid, "crio-" + kId + ".scope"}},
        PathCase{"CRI-O's container subgroup",
                 "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kUidEscaped +
                     ".slice/crio-" + kId + ".scope/container",
                 {"cri-o", kId, kUid, "crio-" + kId + ".scope"}},
        PathCase{"CRI-O's conmon is beside the container",
                 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kUidEscaped +
                     ".slice/crio-conmon-" + kId2 + ".scope",
                 {"", "", kUid, "crio-conmon-" + kId2 + ".scope"}},
        PathCase{"CRI-O, cgroupfs",
                 "/kubepods/burstable/pod" + kUid + "/crio-" + kId,
                 {"cri-o", kId, kUid, ""}},
        PathCase{"podman, cgroupfs (measured here)",
                 "/libpod_parent/libpod-" + kId,
                 {"podman", kId, "", ""}},
        PathCase{"podman, systemd",
                 "/machine.slice/libpod-" + kId + ".scope",
                 {"podman", kId, "", "libpod-" + kId + ".scope"}},
        PathCase{"podman's conmon",
                 "/machine.slice/libpod-conmon-" + kId + ".scope",
                 {"", "", "", "libpod-conmon-" + kId + ".scope"}},
        PathCase{"podman pod, systemd",
                 "/machine.slice/machine-libpod_pod_" + kId2 + ".slice/libpod-" + kId + ".scope",
                 {"podman", kId, kId2, "libpod-" + kId + ".scope"}},
        PathCase{
            "rootless podman",
            "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kId + ".scope",
            {"podman", kId, "", "libpod-" + kId + ".scope"}},
        PathCase{"nerdctl (a runtime named after itself)",
                 "/system.slice/nerdctl-" + kId + ".scope",
                 {"nerdctl", kId, "", "nerdctl-" + kId + ".scope"}},
        PathCase{"63 digits are no id", "/docker/" + kId.substr(1), {}},
        PathCase{"upper-case hex is no id", "/docker/" + std::string(64, 'A'), {}},
        PathCase{"pod<uid> outside kubepods is no pod", "/pod" + kUid, {}},
        PathCase{"a slice named like a pod but with a short uid",
                 "/kubepods.slice/kubepods-burstable-pod1234.slice",
                 {"", "", "", "kubepods-burstable-pod1234.slice"}},
        PathCase{"empty parts are skipped",
                 "//system.slice//cron.service/",
                 {"", "", "", "cron.service"}}));

TEST(ContainerPaths, ShortIdIsTwelveDigits) { EXPECT_EQ(short_container_id(kId), "3387cad9febc"); }

// Shapes from kubelet's kuberuntime: BuildPodLogsDirectory (namespace_name_uid) and
// logSymlink (podFullName = name_namespace, then _container-id.log).
TEST(KubeletLogNames, PodDirectory) {
  PodName pod;
  std::string uid;
  ASSERT_TRUE(parse_pod_log_dir("kube-system_coredns-5d78c9869d-x7x2q_" + kUid, pod, uid));
  EXPECT_EQ(pod.namespace_, "kube-system");
  EXPECT_EQ(pod.name, "coredns-5d78c9869d-x7x2q");
  EXPECT_EQ(uid, kUid);
  EXPECT_FALSE(parse_pod_log_dir("kube-system_coredns", pod, uid));
  EXPECT_FALSE(parse_pod_log_dir("a_b_c_d", pod, uid));
  EXPECT_FALSE(parse_pod_log_dir("_b_c", pod, uid));
}

TEST(KubeletLogNames, ContainerLink) {
  PodName pod;
  std::string container, id;
  ASSERT_TRUE(parse_container_log_link(
      "coredns-5d78c9869d-x7x2q_kube-system_coredns-" + kId + ".log", pod, container, id));
  EXPECT_EQ(pod.name, "coredns-5d78c9869d-x7x2q");
  EXPECT_EQ(pod.namespace_, "kube-system");
  EXPECT_EQ(container, "coredns");
  EXPECT_EQ(id, kId);
  // A container name with dashes: the id is the last 64 characters.
  ASSERT_TRUE(
      parse_container_log_link("web-0_shop_nginx-proxy-" + kId + ".log", pod, container, id));
  EXPECT_EQ(container, "nginx-proxy");
  EXPECT_FALSE(parse_container_log_link("web-0_shop_nginx-" + kId + ".txt", pod, container, id));
  EXPECT_FALSE(
      parse_container_log_link("web-0_shop_nginx-" + kId.substr(2) + ".log", pod, container, id));
  EXPECT_FALSE(parse_container_log_link("web-0_nginx-" + kId + ".log", pod, container, id));
  EXPECT_FALSE(parse_container_log_link("x.log", pod, container, id));
}

// No runtime API and no kubelet logs: labels come from the path alone.
class ScopedSources {
 public:
  ScopedSources() {
    setenv("SONDE_PODMAN_SOCKET", "", 1);
    setenv("SONDE_KUBELET_LOGS", "", 1);
  }
  ~ScopedSources() {
    unsetenv("SONDE_PODMAN_SOCKET");
    unsetenv("SONDE_KUBELET_LOGS");
  }
};

// A directory laid out as the kubelet lays out /var/log (no kubelet runs here).
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sonde-containers-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + path_).c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(KubeletLogs, NamesPodsAndContainersAndRescansForNewOnes) {
  TempDir root;
  ASSERT_EQ(mkdir((root.path() + "/pods").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((root.path() + "/containers").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((root.path() + "/pods/shop_web-0_" + kUid).c_str(), 0755), 0);
  ASSERT_EQ(
      symlink("/nowhere", (root.path() + "/containers/web-0_shop_nginx-" + kId + ".log").c_str()),
      0);
  KubeletLogs logs(root.path(), std::chrono::milliseconds(0));
  PodName pod;
  ASSERT_TRUE(logs.pod(kUid, pod));
  EXPECT_EQ(pod.name, "web-0");
  EXPECT_EQ(pod.namespace_, "shop");
  std::string name;
  ASSERT_TRUE(logs.container(kId, name));
  EXPECT_EQ(name, "nginx");
  EXPECT_FALSE(logs.container(kId2, name));
  // The kubelet writes the link of a new container: a later miss finds it.
  ASSERT_EQ(symlink("/nowhere",
                    (root.path() + "/containers/web-0_shop_sidecar-" + kId2 + ".log").c_str()),
            0);
  ASSERT_TRUE(logs.container(kId2, name));
  EXPECT_EQ(name, "sidecar");
}

TEST(KubeletLogs, MissesWithinTheRescanIntervalCostNoListing) {
  TempDir root;
  KubeletLogs logs(root.path(), std::chrono::hours(1));
  std::string name;
  EXPECT_FALSE(logs.container(kId, name));
  const uint64_t scans = logs.scans();
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(logs.container(kId2, name));
  EXPECT_EQ(logs.scans(), scans);
}

TEST(Json, FindsTopLevelStringsOnly) {
  const std::string json = R"({"Id":"abc","State":{"Name":"nested","Status":"running"},
      "Args":["a","b",{"Name":"deeper"}],"Pid":42,"Ok":true,"Nothing":null,
      "Name":"web-\"1\"\u00e9\n","ImageName":"localhost/busybox:test"})";
  EXPECT_EQ(json_string_member(json, "Name"), "web-\"1\"\xc3\xa9\n");
  EXPECT_EQ(json_string_member(json, "ImageName"), "localhost/busybox:test");
  EXPECT_EQ(json_string_member(json, "Id"), "abc");
  EXPECT_EQ(json_string_member(json, "Status"), std::nullopt);  // only nested
  EXPECT_EQ(json_string_member(json, "Pid"), std::nullopt);     // not a string
  EXPECT_EQ(json_string_member(json, "Missing"), std::nullopt);
}

TEST(Json, GarbageIsNoAnswerNotACrash) {
  for (std::string bad : std::vector<std::string>{
           "", "[]", "{", "{\"Name\"", "{\"Name\":", "{\"Name\":\"x", "{\"a\":[[[[",
           "{\"a\":1 \"Name\":\"x\"}", "\"Name\"", std::string(100000, '[')}) {
    EXPECT_EQ(json_string_member(bad, "Name"), std::nullopt) << bad.substr(0, 40);
  }
  std::string deep =
      "{\"a\":" + std::string(1000, '[') + std::string(1000, ']') + ",\"Name\":\"x\"}";
  EXPECT_EQ(json_string_member(deep, "Name"), std::nullopt);  // deeper than we follow
}

// A unix-socket server that answers each connection with `reply` (or holds it open
// without answering when `reply` is empty), for the client's failure paths. The client's
// success path is tested against the real podman daemon (tests/e2e/containers_test.cpp).
class FakeServer {
 public:
  explicit FakeServer(std::string reply) : reply_(std::move(reply)) {
    path_ = dir_.path() + "/api.sock";
    fd_ = UniqueFd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path_.c_str());
    EXPECT_EQ(bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(listen(fd_.get(), 16), 0);
    thread_ = std::thread([this] {
      for (;;) {
        int c = accept(fd_.get(), nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        (void)!recv(c, buf, sizeof(buf), 0);
        if (reply_.empty()) {
          held_.push_back(c);  // never answered, closed at the end
          continue;
        }
        (void)!send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
        close(c);
      }
    });
  }
  ~FakeServer() {
    shutdown(fd_.get(), SHUT_RDWR);
    thread_.join();
    for (int c : held_) close(c);
  }
  const std::string& path() const { return path_; }

 private:
  TempDir dir_;
  std::string path_;
  std::string reply_;
  UniqueFd fd_;
  std::thread thread_;
  std::vector<int> held_;
};

TEST(HttpUnix, ContentLengthAndChunkedBodies) {
  FakeServer plain("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  auto r = http_get_unix(plain.path(), "/x", std::chrono::seconds(20));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  FakeServer chunked(
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n "
      "world\r\n0\r\n\r\n");
  r = http_get_unix(chunked.path(), "/x", std::chrono::seconds(20));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "hello world");
}

TEST(HttpUnix, BrokenAnswersAreErrors) {
  for (std::string reply :
       {std::string("garbage"), std::string("HTTP/1.1 2x0 OK\r\n\r\n"),
        std::string("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort"),
        std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")}) {
    FakeServer server(reply);
    auto r = http_get_unix(server.path(), "/x", std::chrono::seconds(20));
    EXPECT_FALSE(r) << reply;
  }
  auto none = http_get_unix("/nonexistent/sonde.sock", "/x", std::chrono::seconds(20));
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("No such file"), std::string::npos) << none.error().message;
}

TEST(HttpUnix, ASilentServerCostsOneTimeoutThenTheBackOff) {
  FakeServer silent("");
  auto r = http_get_unix(silent.path(), "/x", std::chrono::milliseconds(100));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no complete answer within 100 ms"), std::string::npos)
      << r.error().message;

  PodmanApi api(silent.path(), std::chrono::milliseconds(100), std::chrono::hours(1));
  RuntimeNames names;
  EXPECT_EQ(api.container(kId, names), PodmanApi::Answer::kUnavailable);
  EXPECT_EQ(api.requests(), 1u);
  // Within the back-off nobody waits on the socket again, whatever is asked.
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(api.container(kId2, names), PodmanApi::Answer::kUnavailable);
  EXPECT_EQ(api.requests(), 1u);
}

TEST(PodmanApi, NotFoundIsFinalAndNamesComeFromTheAnswer) {
  FakeServer missing("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}");
  PodmanApi api(missing.path());
  RuntimeNames names;
  EXPECT_EQ(api.container(kId, names), PodmanApi::Answer::kUnknown);
}

// Real cgroups (root, and a cgroup2 hierarchy): ids are inode numbers the kernel never
// reuses, so what an id decoded to stays true after the cgroup is gone.
class RealCgroups : public testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "creating cgroups needs root";
    mount_ = find_cgroup2_mount();
    if (mount_.empty()) GTEST_SKIP() << "no cgroup2 hierarchy is mounted on this machine";
    root_ = mount_ + "/sonde_unit_" + std::to_string(getpid());
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0) << root_ << ": " << std::strerror(errno);
    ASSERT_EQ(mkdir((root_ + "/docker").c_str(), 0755), 0);
  }
  void TearDown() override {
    if (root_.empty()) return;
    for (const auto& id : {kId, kId2}) rmdir((root_ + "/docker/" + id).c_str());
    rmdir((root_ + "/docker").c_str());
    rmdir(root_.c_str());
  }
  uint64_t make(const std::string& id) {
    std::string dir = root_ + "/docker/" + id;
    EXPECT_EQ(mkdir(dir.c_str(), 0755), 0) << dir;
    struct stat st {};
    EXPECT_EQ(stat(dir.c_str(), &st), 0);
    return st.st_ino;
  }
  void remove(const std::string& id) { EXPECT_EQ(rmdir((root_ + "/docker/" + id).c_str()), 0); }
  std::string mount_, root_;
};

TEST_F(RealCgroups, AGoneCgroupStaysDecodableUntilSweptAndNewOnesResolveFresh) {
  ScopedSources none;
  Decoders decoders;
  auto id_label = test::label_of(spec::Decoder::kContainerId, 8);
  auto name_label = test::label_of(spec::Decoder::kContainer, 8);
  const uint64_t first = make(kId);
  const auto key = test::le_bytes(first, 8);
  EXPECT_EQ(decoders.decode(id_label, key), kId);
  EXPECT_EQ(decoders.decode(name_label, key), kId.substr(0, 12));

  remove(kId);
  decoders.forget_volatile();  // label caches cleared: the next decode asks the resolver
  EXPECT_EQ(decoders.decode(id_label, key), kId);  // the id is still in a map: still known
  EXPECT_EQ(decoders.stats().errors, 0u);

  // A new cgroup is resolved when first seen, whatever was cached.
  const uint64_t second = make(kId2);
  EXPECT_EQ(decoders.decode(id_label, test::le_bytes(second, 8)), kId2);

  // Two sweeps with no look-up of the gone id (it left every map): forgotten, and the
  // kernel cannot say any more what it was.
  decoders.forget_volatile();
  decoders.forget_volatile();
  EXPECT_EQ(decoders.decode(id_label, key), std::to_string(first));
  EXPECT_EQ(decoders.stats().errors, 1u);
}

TEST_F(RealCgroups, ACgroupGoneBeforeItWasSeenIsShownByItsId) {
  ScopedSources none;
  Decoders decoders;
  const uint64_t id = make(kId);
  remove(kId);
  auto label = test::label_of(spec::Decoder::kPodUid, 8);
  EXPECT_EQ(decoders.decode(label, test::le_bytes(id, 8)), std::to_string(id));
  EXPECT_EQ(decoders.stats().errors, 1u);
}

}  // namespace
}  // namespace sonde::decode
