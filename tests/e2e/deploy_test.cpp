// What can be checked of the deployment artefacts without a container engine or
// systemd: the image's runtime stage installs a package for every shared library the
// agent links (as dpkg attributes them), and the agent tells a service manager when it
// is ready and when it stops (sd_notify, checked with a socket standing in for systemd).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

// Packages the runtime stage (the last FROM) installs with apt-get.
std::set<std::string> runtime_packages() {
  std::ifstream in(source_dir() + "/deploy/Dockerfile");
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  text = text.substr(text.rfind("\nFROM "));
  std::string joined = std::regex_replace(text, std::regex(R"(\\\n)"), " ");
  std::smatch m;
  std::set<std::string> out;
  if (!std::regex_search(joined, m,
                         std::regex(R"(apt-get install -y --no-install-recommends([^&]*))")))
    return out;
  std::istringstream words(m[1].str());
  for (std::string w; words >> w;) out.insert(w);
  return out;
}

TEST(Deploy, TheImageHoldsEveryLibraryTheAgentLinks) {
  const std::set<std::string> installed = runtime_packages();
  ASSERT_FALSE(installed.empty()) << "no apt-get install in the Dockerfile's last stage";
  // In debian:bookworm-slim already (its apt needs them).
  const std::set<std::string> base = {"libc6", "libgcc-s1", "libstdc++6"};
  std::istringstream libraries(
      shell("ldd " + build_dir() + "/sonde-agent | awk '$3 ~ /^\\// {print $3}'"));
  int checked = 0;
  for (std::string path; std::getline(libraries, path);) {
    // dpkg records /lib/... on merged-/usr systems: ask for both spellings.
    std::string real = shell("readlink -f " + path);
    real.erase(real.find_last_not_of('\n') + 1);
    std::string owner = shell("dpkg -S " + real + " " + real.substr(real.rfind("/lib/")) +
                              " 2>/dev/null | head -1 | cut -d: -f1");
    owner.erase(owner.find_last_not_of('\n') + 1);
    ASSERT_FALSE(owner.empty()) << "dpkg knows no package owning " << real;
    // The sanitizer build (build-asan/, SONDE_SANITIZE) links these runtimes; the image
    // builds without sanitizers.
    if (owner.rfind("libasan", 0) == 0 || owner.rfind("libubsan", 0) == 0) continue;
    EXPECT_TRUE(installed.count(owner) || base.count(owner))
        << path << " comes from " << owner << ", which the image's runtime stage does not install";
    ++checked;
  }
  EXPECT_GT(checked, 3);
}

// A datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  NotifySocket() : path_(::testing::TempDir() + "/notify-" + std::to_string(getpid())) {
    unlink(path_.c_str());
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval wait{60, 0};  // only bounds a hang: the agent notifies within seconds
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  }
  ~NotifySocket() {
    close(fd_);
    unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }
  std::string receive() {
    char buffer[512];
    ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

TEST(Deploy, TellsTheServiceManagerWhenReadyAndWhenStopping) {
  NotifySocket manager;
  ASSERT_TRUE(manager.bound());
  ASSERT_EQ(setenv("NOTIFY_SOCKET", manager.path().c_str(), 1), 0);
  Process sonde({sonde_binary(), "run", "-e", "on tracepoint:sched:sched_switch count"});
  unsetenv("NOTIFY_SOCKET");
  const std::string ready = manager.receive();
  EXPECT_EQ(ready.rfind("READY=1\n", 0), 0u) << ready;
  EXPECT_NE(ready.find("STATUS=attached 1 probe"), std::string::npos) << ready;
  // Ready means attached: stderr has said so by then.
  EXPECT_TRUE(sonde.wait_for_stderr("attached 1 probe")) << sonde.err();
  sonde.signal(SIGTERM);
  EXPECT_EQ(manager.receive(), "STOPPING=1");
  EXPECT_EQ(sonde.wait().code, 0);
}

}  // namespace
}  // namespace sonde::e2e
