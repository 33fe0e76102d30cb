#include "support/capabilities.h"

#include <dirent.h>
#include <fmt/format.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace sonde::caps {
namespace {

constexpr std::array<const char*, 41> kNames = {"CAP_CHOWN",
                                                "CAP_DAC_OVERRIDE",
                                                "CAP_DAC_READ_SEARCH",
                                                "CAP_FOWNER",
                                                "CAP_FSETID",
                                                "CAP_KILL",
                                                "CAP_SETGID",
                                                "CAP_SETUID",
                                                "CAP_SETPCAP",
                                                "CAP_LINUX_IMMUTABLE",
                                                "CAP_NET_BIND_SERVICE",
                                                "CAP_NET_BROADCAST",
                                                "CAP_NET_ADMIN",
                                                "CAP_NET_RAW",
                                                "CAP_IPC_LOCK",
                                                "CAP_IPC_OWNER",
                                                "CAP_SYS_MODULE",
                                                "CAP_SYS_RAWIO",
                                                "CAP_SYS_CHROOT",
                                                "CAP_SYS_PTRACE",
                                                "CAP_SYS_PACCT",
                                                "CAP_SYS_ADMIN",
                                                "CAP_SYS_BOOT",
                                                "CAP_SYS_NICE",
                                                "CAP_SYS_RESOURCE",
                                                "CAP_SYS_TIME",
                                                "CAP_SYS_TTY_CONFIG",
                                                "CAP_MKNOD",
                                                "CAP_LEASE",
                                                "CAP_AUDIT_WRITE",
                                                "CAP_AUDIT_CONTROL",
                                                "CAP_SETFCAP",
                                                "CAP_MAC_OVERRIDE",
                                                "CAP_MAC_ADMIN",
                                                "CAP_SYSLOG",
                                                "CAP_WAKE_ALARM",
                                                "CAP_BLOCK_SUSPEND",
                                                "CAP_AUDIT_READ",
                                                "CAP_PERFMON",
                                                "CAP_BPF",
                                                "CAP_CHECKPOINT_RESTORE"};

// Highest capability this kernel knows (for the bounding set).
int last_cap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int n = 0;
  if (in >> n && n > 0 && n < 64) return n;
  return static_cast<int>(kNames.size()) - 1;
}

size_t thread_count() {
  size_t n = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* e = readdir(dir)) n += e->d_name[0] != '.';
    closedir(dir);
  }
  return n;
}

Error system_error(const char* what) {
  return Error{fmt::format("cannot drop capabilities: {}: {}", what, std::strerror(errno)), ""};
}

}  // namespace

std::string name(int cap) {
  if (cap >= 0 && static_cast<size_t>(cap) < kNames.size()) return kNames[static_cast<size_t>(cap)];
  return fmt::format("capability {}", cap);
}

Result<Sets> current() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) {
    return Error{fmt::format("cannot read this process's capabilities: {}", std::strerror(errno)),
                 ""};
  }
  auto join = [](uint32_t low, uint32_t high) { return uint64_t{high} << 32 | low; };
  return Sets{join(data[0].effective, data[1].effective),
              join(data[0].permitted, data[1].permitted),
              join(data[0].inheritable, data[1].inheritable)};
}

std::vector<int> missing_for_tracing(const Sets& sets) {
  std::vector<int> out;
  if (sets.has(kSysAdmin)) return out;
  if (!sets.has(kBpf)) out.push_back(kBpf);
  if (!sets.has(kPerfmon)) out.push_back(kPerfmon);
  return out;
}

std::string names(const std::vector<int>& caps) {
  std::string out;
  for (size_t i = 0; i < caps.size(); ++i) {
    if (i > 0) out += i + 1 == caps.size() ? " and " : ", ";
    out += name(caps[i]);
  }
  return out;
}

Status drop_all_except(const std::vector<int>& keep) {
  if (size_t threads = thread_count(); threads > 1) {
    return Error{fmt::format("cannot drop capabilities: the process already runs {} threads, and "
                             "capabilities belong to each thread",
                             threads),
                 "drop them before starting threads"};
  }
  uint64_t kept = 0;
  for (int cap : keep) kept |= uint64_t{1} << cap;
  // The bounding set first: that needs CAP_SETPCAP, which goes with the rest below.
  for (int cap = 0; cap <= last_cap(); ++cap) {
    if ((kept >> cap & 1) != 0) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      return system_error("PR_CAPBSET_DROP");
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return system_error("PR_CAP_AMBIENT_CLEAR_ALL");
  }
  auto now = current();
  if (!now) return now.error();
  const uint64_t permitted = now->permitted & kept;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int i = 0; i < 2; ++i) {
    const auto part = static_cast<uint32_t>(permitted >> (32 * i));
    data[i].effective = part;
    data[i].permitted = part;
    data[i].inheritable = 0;
  }
  if (syscall(SYS_capset, &header, data) != 0) return system_error("capset");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return system_error("PR_SET_NO_NEW_PRIVS");
  return {};
}

}  // namespace sonde::caps
