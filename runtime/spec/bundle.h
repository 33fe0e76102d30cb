// A bundle: compiled sonde programs in one file, built once (`sonde build`) and run on
// hosts that have no compiler (`sonde-agent`). Each program is its specification and
// its BPF object (CO-RE: relocated against the running kernel's BTF at load, so one
// bundle serves many kernels). The layout is documented in docs/bundle-format.md.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::spec {

// Bumped with every change to the encoding or to spec::Program's fields.
inline constexpr uint32_t kBundleFormatVersion = kFormatVersion;

// An Ed25519 signature of signing_message() (runtime/spec/signature.h makes and checks it).
struct BundleSignature {
  std::vector<uint8_t> public_key;  // the signer's raw public key (32 bytes)
  std::vector<uint8_t> signature;   // 64 bytes
};

struct Bundle {
  std::string producer;      // "sonde 0.1.0"
  std::string build_kernel;  // release of the build host's kernel, for messages
  std::vector<Program> programs;
  uint32_t checksum = 0;  // of the file, as read by decode_bundle (encode ignores it)
  std::optional<BundleSignature> signature;  // the SIGN chunk, written when set
  // decode_bundle: what a signature must sign, computed from the file's own bytes.
  std::vector<uint8_t> signed_message;
};

std::vector<uint8_t> encode_bundle(const Bundle& bundle);

// What a signature of `bundle` signs: a fixed prefix naming the format version, then the
// SHA-256 of every chunk before the signature (INFO, each SPEC with its source, each
// BPFO), as encode_bundle lays them out. Swapping an object, a source or a metric
// changes it.
std::vector<uint8_t> signing_message(const Bundle& bundle);

// Every way a file can be wrong (not a bundle, another format version, truncated,
// corrupted, malformed) is an Error saying which.
Result<Bundle> decode_bundle(std::span<const uint8_t> bytes);

// Errors name the path. Writing goes through a temporary file renamed into place, so
// a failed build never leaves half a bundle behind.
Status write_bundle(const std::string& path, const Bundle& bundle);
Result<Bundle> read_bundle(const std::string& path);

// CRC-32 (IEEE 802.3, the one of zlib and gzip), as stored in the bundle header.
uint32_t crc32(std::span<const uint8_t> bytes);

}  // namespace sonde::spec
