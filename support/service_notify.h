// Telling a service manager (systemd's Type=notify) how a service is doing, without
// linking libsystemd: one datagram to the socket $NOTIFY_SOCKET names
// ("READY=1", "STOPPING=1", "STATUS=..."). Nothing happens when the variable is unset
// (not started by systemd); errors are ignored, as sd_notify's callers do.
#pragma once

#include <string_view>

namespace sonde {

void notify_service(std::string_view state);

}  // namespace sonde
