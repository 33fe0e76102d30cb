// Private to the kernel module and its tests: the uncached search behind
// tracefs_root(), so a test can run it in a mount namespace where tracefs is gone.
#pragma once

#include <string>

#include "support/result.h"

namespace sonde::kernel {

// The tracefs mount point from /proc/mounts, mounting it at /sys/kernel/tracing when
// there is none.
Result<std::string> find_or_mount_tracefs();

}  // namespace sonde::kernel
