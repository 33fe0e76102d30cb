// What the metrics server does with its address outside civetweb: name resolution,
// explaining a failed bind, and waking civetweb's accept loop.
#pragma once

#include <string>

#include "runtime/export/listen_address.h"
#include "support/result.h"

namespace sonde::exporter {

// The numeric form of the address' host (civetweb parses only numbers): IPv4 names are
// resolved to their first address.
Result<std::string> resolve_numeric_host(const ListenAddress& address);

// Why listening on `address` (host already numeric in `host`) failed, found by binding
// it again: civetweb reports a failed bind only as a log line, `civetweb_message`.
Error listen_error(const ListenAddress& address, const std::string& host,
                   const std::string& civetweb_message);

// Connects to a listening server and hangs up at once (a worker that gets the
// connection sees its end immediately).
void knock(const ListenAddress& address);

}  // namespace sonde::exporter
