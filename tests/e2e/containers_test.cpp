// Which container, which pod: labels decoded from the cgroup id, and in_cgroup() selecting
// a subtree in the kernel, counted against workloads that make a known number of events.
//
// CgroupNaming always runs (as root, with a cgroup2 hierarchy): it lays out real cgroups
// named as each runtime names them, moves workload processes into them and counts their
// getpid calls by container, pod and unit. Podman runs a real container from a local
// busybox image and names it through podman's own API; it skips, saying why, where podman
// cannot start one.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/harness.h"
#include "tests/e2e/workload.h"

namespace sonde::e2e {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

// Where cgroup2 is mounted ("/sys/fs/cgroup/unified" on this hybrid host).
std::string cgroup2_mount() {
  std::istringstream lines(read_all("/proc/self/mountinfo"));
  std::string line, found;
  while (std::getline(lines, line)) {
    size_t dash = line.find(" - cgroup2 ");
    if (dash == std::string::npos) continue;
    std::istringstream fields(line.substr(0, dash));
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (root == "/" && (found.empty() || point == "/sys/fs/cgroup")) found = point;
  }
  return found;
}

// A directory tree of cgroups, removed (deepest first) when the test ends.
class CgroupTree {
 public:
  explicit CgroupTree(std::string mount) : mount_(std::move(mount)) {}
  ~CgroupTree() {
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
      // A cgroup whose last task just exited may still be busy for a moment.
      for (int i = 0; i < 100 && rmdir(it->c_str()) != 0 && errno == EBUSY; ++i)
        std::this_thread::sleep_for(50ms);
    }
  }
  // Creates `path` (relative to the mount) and its parents; false with errno on failure.
  bool make(const std::string& path) {
    std::string at = mount_;
    std::istringstream parts(path);
    std::string part;
    while (std::getline(parts, part, '/')) {
      if (part.empty()) continue;
      at += "/" + part;
      if (mkdir(at.c_str(), 0755) == 0) {
        made_.push_back(at);
      } else if (errno != EEXIST) {
        return false;
      }
    }
    return true;
  }
  // Moves `pid` into the cgroup; true once the kernel lists it there.
  bool move(pid_t pid, const std::string& path) {
    std::string procs = mount_ + path + "/cgroup.procs";
    if (!write_file(procs, std::to_string(pid) + "\n")) return false;
    std::istringstream listed(read_all(procs));
    std::string p;
    while (listed >> p) {
      if (p == std::to_string(pid)) return true;
    }
    return false;
  }

 private:
  std::string mount_;
  std::vector<std::string> made_;
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sonde-e2e-containers-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { shell("rm -rf '" + path_ + "'"); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sets an environment variable for the processes this test starts, restored after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_.empty())
      unsetenv(name_);
    else
      setenv(name_, old_.c_str(), 1);
  }

 private:
  const char* name_;
  std::string old_;
};

std::string labels(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string out;
  for (const auto& [k, v] : kv) out += (out.empty() ? "" : ",") + k + "=\"" + v + "\"";
  return out;
}

size_t series_count(const std::string& exposition, const std::string& name) {
  size_t n = 0;
  for (const auto& [series, value] : parse_exposition(exposition)) {
    if (series.rfind(name + "{", 0) == 0) ++n;
  }
  return n;
}

const std::string kDockerId = "3387cad9febc9fbce30e13626f2953a7ae504de39b836845e6e462395af23672";
const std::string kCriId = "0bc5eac79e3ae7a0c2651f14722aa10fa333eb2325c2ca97da33aa284cda81b0";
const std::string kCrioId = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const std::string kPodmanId = "c47c82ac638a55c76415f06bece00c3e929ee8849a66d19959aecdfff2c0018b";
const std::string kPodUid = "0b7632a2-a56e-4278-987a-22de18008dbe";
const std::string kPodUidEscaped = "0b7632a2_a56e_4278_987a_22de18008dbe";
const std::string kPodUid2 = "729d2f46-480d-4796-a76c-e227e2671d31";

struct Placed {
  std::string cgroup;  // path under the mount
  uint64_t calls;
  std::string container, container_id, pod, pod_uid, ns, unit;
};

class CgroupNaming : public testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "creating cgroups needs root";
    mount_ = cgroup2_mount();
    if (mount_.empty()) GTEST_SKIP() << "no cgroup2 hierarchy is mounted on this machine";
    root_ = "/sonde_e2e_" + std::to_string(getpid());
    tree_ = std::make_unique<CgroupTree>(mount_);
    ASSERT_TRUE(tree_->make(root_)) << mount_ << root_ << ": " << std::strerror(errno);

    // Each runtime's naming (shapes cited in tests/unit/decode/container_test.cpp),
    // under a root of this test's own so no other process on the machine is counted.
    placed_ = {
        {root_ + "/system.slice/docker-" + kDockerId + ".scope", 1000, kDockerId.substr(0, 12),
         kDockerId, "", "", "", "docker-" + kDockerId + ".scope"},
        {root_ + "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" +
             kPodUidEscaped + ".slice/cri-containerd-" + kCriId + ".scope",
         2000, "nginx", kCriId, "web-0", kPodUid, "shop", "cri-containerd-" + kCriId + ".scope"},
        // A pod the kubelet has no log directory for: no names, its id stands in.
        {root_ + "/kubepods/besteffort/pod" + kPodUid2 + "/crio-" + kCrioId, 3000,
         kCrioId.substr(0, 12), kCrioId, "", kPodUid2, "", ""},
        {root_ + "/libpod_parent/libpod-" + kPodmanId, 4000, kPodmanId.substr(0, 12), kPodmanId, "",
         "", "", ""},
        {root_ + "/system.slice/sonde-e2e.service", 500, "", "", "", "", "", "sonde-e2e.service"},
    };
    for (const auto& p : placed_) ASSERT_TRUE(tree_->make(p.cgroup)) << p.cgroup;

    // The kubelet's log directories for the pod above (kuberuntime's shapes; no kubelet
    // runs here).
    ASSERT_EQ(mkdir((logs_.path() + "/pods").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((logs_.path() + "/containers").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((logs_.path() + "/pods/shop_web-0_" + kPodUid).c_str(), 0755), 0);
    ASSERT_EQ(symlink(("/var/log/pods/shop_web-0_" + kPodUid + "/nginx/0.log").c_str(),
                      (logs_.path() + "/containers/web-0_shop_nginx-" + kCriId + ".log").c_str()),
              0);
  }

  std::string program(const std::string& name) const {
    return "on tracepoint:syscalls:sys_enter_getpid where in_cgroup(\"" + root_ +
           "\") count by container(cgroup), container_id(cgroup), pod(cgroup), "
           "pod_uid(cgroup), namespace(cgroup), unit(cgroup), cgroup(cgroup) as " +
           name;
  }

  // Runs every placed workload, and one outside the tree that must not be counted.
  void run_workloads() {
    std::vector<std::unique_ptr<GetpidWorkload>> workloads;
    for (const auto& p : placed_) {
      workloads.push_back(std::make_unique<GetpidWorkload>(p.calls));
      // The kernel's own list of the cgroup's processes is the truth of where it runs.
      ASSERT_TRUE(tree_->move(workloads.back()->pid(), p.cgroup)) << p.cgroup;
    }
    workloads.push_back(std::make_unique<GetpidWorkload>(700));  // stays where we are
    for (auto& w : workloads) w->go();
    for (auto& w : workloads) w->wait();
  }

  void expect_counts(const std::string& metrics, const std::string& name) {
    for (const auto& p : placed_) {
      std::string want = labels({{"container", p.container},
                                 {"container_id", p.container_id},
                                 {"pod", p.pod},
                                 {"pod_uid", p.pod_uid},
                                 {"namespace", p.ns},
                                 {"unit", p.unit},
                                 {"cgroup", p.cgroup}});
      EXPECT_EQ(sample(metrics, name + "_total", want), static_cast<double>(p.calls))
          << want << "\n"
          << metrics;
    }
    // Nothing else: the workload outside the subtree, and the rest of the machine, are
    // left out in the kernel.
    EXPECT_EQ(series_count(metrics, name + "_total"), placed_.size()) << metrics;
  }

  std::string mount_, root_;
  std::unique_ptr<CgroupTree> tree_;
  std::vector<Placed> placed_;
  TempDir logs_;
};

TEST_F(CgroupNaming, CountsByContainerPodAndUnitExactly) {
  ScopedEnv kubelet("SONDE_KUBELET_LOGS", logs_.path());
  ScopedEnv podman("SONDE_PODMAN_SOCKET", logs_.path() + "/no-podman-here.sock");
  Sonde sonde(program("sonde_e2e_containers"));
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  run_workloads();
  expect_counts(sonde.metrics(), "sonde_e2e_containers");
}

TEST_F(CgroupNaming, AgentRunsTheBundleAndWarnsOfACgroupThatIsNotThere) {
  ScopedEnv kubelet("SONDE_KUBELET_LOGS", logs_.path());
  ScopedEnv podman("SONDE_PODMAN_SOCKET", "");
  const std::string missing = root_ + "_missing";
  std::string source = logs_.path() + "/containers.sonde";
  ASSERT_TRUE(
      write_file(source, program("sonde_e2e_containers") +
                             "\non tracepoint:syscalls:sys_enter_getpid where in_cgroup(\"" +
                             missing + "\") count as sonde_e2e_missing\n"));
  std::string bundle = logs_.path() + "/containers.bundle";
  Exit built = run_sonde({"build", source, "-o", bundle});
  ASSERT_EQ(built.code, 0) << built.err;

  int port = free_port();
  Process agent(
      {build_dir() + "/sonde-agent", bundle, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached")) << agent.err();
  EXPECT_NE(agent.err().find("warning: in_cgroup(\"" + missing + "\"): " + mount_ + missing +
                             ": No such file or directory, so it is false"),
            std::string::npos)
      << agent.err();
  run_workloads();
  auto metrics = http_get(port);
  ASSERT_TRUE(metrics);
  expect_counts(*metrics, "sonde_e2e_containers");
  // The subtree that is not there selects nothing, whatever runs.
  EXPECT_EQ(sample(*metrics, "sonde_e2e_missing_total"), 0.0) << *metrics;
}

TEST_F(CgroupNaming, SondeRunRefusesACgroupThatIsNotThere) {
  const std::string missing = root_ + "_missing";
  Exit e = run_sonde(
      {"run", "-e",
       "on tracepoint:syscalls:sys_enter_getpid where in_cgroup(\"" + missing + "\") count",
       "--duration", "1s"});
  EXPECT_EQ(e.code, 1) << e.err;
  EXPECT_NE(e.err.find("in_cgroup(\"" + missing + "\")"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("hint: in_cgroup() selects a cgroup that exists when the program is "
                       "loaded"),
            std::string::npos)
      << e.err;
  EXPECT_EQ(e.err.find("attached"), std::string::npos) << e.err;
}

// ---- a real container: podman (Debian's package) with runc, a busybox image built here ----

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool have(const std::string& program) {
  int code = 0;
  shell("command -v " + program + " >/dev/null 2>&1", &code);
  return code == 0;
}

class Podman : public testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "running containers needs root";
    for (const char* tool : {"podman", "runc", "curl"}) {
      if (!have(tool))
        GTEST_SKIP() << tool << " is not installed (apt-get install podman runc curl "
                     << "busybox-static): no container runtime to test against";
    }
    if (access("/bin/busybox", X_OK) != 0)
      GTEST_SKIP() << "/bin/busybox is missing (apt-get install busybox-static): no image";
    tag_ = std::to_string(getpid());
    image_ = "localhost/sonde-e2e-busybox:" + tag_;
    name_ = "sonde-e2e-" + tag_;

    // An image from the static busybox: nothing is pulled from a registry.
    std::string rootfs = dir_.path() + "/rootfs";
    int code = 0;
    std::string out = shell("set -e; mkdir -p " + rootfs + "/bin " + dir_.path() + "/go; cp " +
                                "/bin/busybox " + rootfs + "/bin/busybox; for a in sh true " +
                                "sleep; do ln -s busybox " + rootfs + "/bin/$a; done; tar -C " +
                                rootfs + " -cf " + dir_.path() + "/rootfs.tar . && podman " +
                                "import -q " + dir_.path() + "/rootfs.tar " + image_ + " 2>&1",
                            &code);
    ASSERT_EQ(code, 0) << out;
    imported_ = true;

    // podman's API, on a socket of our own; sonde is pointed at it.
    socket_ = dir_.path() + "/podman.sock";
    service_ = std::make_unique<Process>(std::vector<std::string>{
        "/usr/bin/podman", "system", "service", "--time=0", "unix://" + socket_});
    bool up = false;
    for (int i = 0; i < 200 && !up; ++i) {  // bounds a hang only (20 s)
      shell("curl -sf --unix-socket " + socket_ + " http://d/v4.0.0/libpod/_ping >/dev/null",
            &code);
      up = code == 0;
      if (!up) std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(up) << "podman system service did not answer: " << service_->err();
  }

  void TearDown() override {
    if (started_) shell("podman rm -f " + name_ + " >/dev/null 2>&1");
    if (imported_) shell("podman rmi -f " + image_ + " >/dev/null 2>&1");
  }

  std::string tag_, image_, name_, socket_;
  bool imported_ = false, started_ = false;
  TempDir dir_;
  std::unique_ptr<Process> service_;
};

TEST_F(Podman, CountsExecsOfANamedContainerFromItsImage) {
  constexpr int kExecs = 250;
  // Waits for the go file, execs /bin/true kExecs times, then runs until the stop file:
  // labels are decoded when /metrics is read, and a cgroup already gone by then can only
  // be shown by its id (docs/containers.md). runc, not crun: crun refuses
  // hybrid cgroup hosts ("cgroups in hybrid mode not supported"). The limits are set lower
  // than ours, which needs no privilege (podman's defaults for root raise them, which
  // needs CAP_SYS_RESOURCE).
  int code = 0;
  std::string run =
      shell("podman --runtime runc run -d --name " + name_ +
                " --network none --ulimit nofile=1024:1024 --ulimit nproc=32768:32768 -v " +
                dir_.path() + "/go:/go " + image_ +
                " /bin/sh -c 'while [ ! -e /go/now ]; do sleep 0.1; done; i=0; while [ $i -lt " +
                std::to_string(kExecs) +
                " ]; do /bin/true; i=$((i+1)); done; echo done $i; while [ ! -e /go/stop ]; do "
                "sleep 0.1; done' 2>&1",
            &code);
  if (code != 0) GTEST_SKIP() << "podman cannot start a container here: " << run;
  started_ = true;
  const std::string id = trim(run.substr(run.find_last_of('\n', run.size() - 2) + 1));
  const std::string cgroup =
      trim(shell("podman inspect --format '{{.State.CgroupPath}}' " + name_));
  ASSERT_FALSE(cgroup.empty());

  ScopedEnv podman("SONDE_PODMAN_SOCKET", socket_);
  Sonde sonde("on tracepoint:sched:sched_process_exec where comm == \"true\" && in_cgroup(\"" +
              cgroup +
              "\") count by container(cgroup), image(cgroup), container_id(cgroup) as "
              "sonde_e2e_podman");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  ASSERT_TRUE(write_file(dir_.path() + "/go/now", "go\n"));
  // The container's own count of what it ran.
  const std::string done = "done " + std::to_string(kExecs);
  std::string logs;
  for (int i = 0; i < 1200 && logs != done; ++i) {  // bounds a hang only (120 s)
    logs = trim(shell("podman logs " + name_ + " 2>&1"));
    if (logs != done) std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(logs, done);

  std::string metrics = sonde.metrics();
  write_file(dir_.path() + "/go/stop", "stop\n");
  std::string want = labels({{"container", name_}, {"image", image_}, {"container_id", id}});
  EXPECT_EQ(sample(metrics, "sonde_e2e_podman_total", want), static_cast<double>(kExecs))
      << want << "\n"
      << metrics << "\n"
      << sonde.err();
  EXPECT_EQ(series_count(metrics, "sonde_e2e_podman_total"), 1u) << metrics;
}

}  // namespace
}  // namespace sonde::e2e
