// Network addresses as the kernel stores them.
#pragma once

#include <string>

#include "runtime/decode/bytes.h"

namespace sonde::decode {

// 4 bytes: IPv4 in network order (__u8[4] or __be32). 8 bytes: an integer holding a
// __be32, whose low 4 bytes in memory are the address. 16 bytes: IPv6, with
// v4-mapped addresses (::ffff:a.b.c.d) shown as IPv4. Other sizes: hex, false.
bool decode_inet(Bytes bytes, std::string& out);

}  // namespace sonde::decode
