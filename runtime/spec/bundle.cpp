#include "runtime/spec/bundle.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>

#include "runtime/spec/byte_codec.h"
#include "runtime/spec/program_codec.h"
#include "runtime/spec/validate.h"
#include "support/file_bytes.h"

namespace sonde::spec {
namespace {

// The layout (docs/bundle-format.md): a 32-byte header {magic[8], version u32, crc32
// u32, size u64, chunks u32, reserved u32}, then chunks, each {kind[4], program u32,
// size u64, data, zeros to the next multiple of 8}. The checksum covers every byte
// after itself.
constexpr char kMagic[8] = {'S', 'O', 'N', 'D', 'E', 'B', 'D', 'L'};
constexpr size_t kHeaderBytes = 32;
constexpr size_t kChunkHeaderBytes = 16;
constexpr size_t kCrcOffset = 12;
constexpr size_t kCrcStart = 16;
constexpr uint32_t kNoProgram = 0xffffffff;
constexpr size_t kMaxBundleBytes = size_t{1} << 30;

using Kind = std::array<char, 4>;
constexpr Kind kInfo = {'I', 'N', 'F', 'O'};
constexpr Kind kSpec = {'S', 'P', 'E', 'C'};
constexpr Kind kObject = {'B', 'P', 'F', 'O'};
constexpr Kind kSign = {'S', 'I', 'G', 'N'};
constexpr uint8_t kEd25519 = 1;  // the SIGN chunk's scheme byte

std::vector<uint8_t> message_of(std::span<const uint8_t> chunks) {
  std::string prefix = fmt::format("sonde bundle signature, format {}", kBundleFormatVersion);
  std::vector<uint8_t> out(prefix.begin(), prefix.end());
  out.push_back(0);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(chunks.data(), chunks.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    return {};  // no message: no signature verifies against it
  out.insert(out.end(), digest, digest + length);
  return out;
}

std::string kind_text(const Kind& k) { return std::string(k.data(), k.size()); }

void put_chunk(std::vector<uint8_t>& out, const Kind& kind, uint32_t program,
               std::span<const uint8_t> data) {
  ByteWriter w(out);
  w.bytes({reinterpret_cast<const uint8_t*>(kind.data()), kind.size()});
  w.u32(program);
  w.u64(data.size());
  w.bytes(data);
  out.resize((out.size() + 7) / 8 * 8, 0);
}

Error corrupted(std::string what) {
  return Error{fmt::format("corrupted bundle: {}", what),
               "copy the bundle again, or rebuild it with `sonde build`"};
}

Error malformed(std::string what) {
  return Error{printable(fmt::format("malformed bundle: {}", what)),
               "its checksum is right, so the sonde that wrote it has a bug: rebuild it with "
               "`sonde build` and report this"};
}

struct ProgramChunks {
  std::optional<std::span<const uint8_t>> spec;
  std::optional<std::span<const uint8_t>> object;
};

Status check_header(std::span<const uint8_t> bytes) {
  const size_t n = bytes.size();
  if (n == 0) {
    return Error{"empty file: not a sonde bundle",
                 "build one with `sonde build FILE.sonde -o FILE.bundle`"};
  }
  size_t magic = std::min(n, sizeof kMagic);
  if (std::memcmp(bytes.data(), kMagic, magic) != 0) {
    return Error{"not a sonde bundle (a bundle starts with \"SONDEBDL\")",
                 "build one with `sonde build FILE.sonde -o FILE.bundle`"};
  }
  if (n < kHeaderBytes) {
    return Error{
        fmt::format("truncated bundle: {} bytes, shorter than its {}-byte header", n, kHeaderBytes),
        "copy the bundle again, or rebuild it with `sonde build`"};
  }
  ByteReader header(bytes.subspan(sizeof kMagic, kHeaderBytes - sizeof kMagic));
  uint32_t version = header.u32();
  uint32_t stored = header.u32();  // checked once the size is known to be right
  uint64_t size = header.u64();
  if (version != kBundleFormatVersion) {
    return Error{
        fmt::format("bundle format version {}, but this sonde reads version {}", version,
                    kBundleFormatVersion),
        version > kBundleFormatVersion
            ? "it was built by a newer sonde: run it with the sonde-agent of that release"
            : "it was built by an older sonde: rebuild it with `sonde build` from this release"};
  }
  if (size < n) {
    return corrupted(
        fmt::format("{} unexpected byte{} after its end", n - size, n - size == 1 ? "" : "s"));
  }
  if (size > n) {
    return Error{fmt::format("truncated bundle: {} of its {} bytes", n, size),
                 "copy the bundle again, or rebuild it with `sonde build`"};
  }
  uint32_t actual = crc32(bytes.subspan(kCrcStart));
  if (stored != actual) {
    return corrupted(
        fmt::format("checksum mismatch (stored {:08x}, computed {:08x})", stored, actual));
  }
  return {};
}

}  // namespace

namespace {

// The header's room, then the chunks before the signature; their count.
uint32_t put_chunks(std::vector<uint8_t>& out, const Bundle& bundle) {
  out.assign(kHeaderBytes, 0);
  std::vector<uint8_t> data;
  ByteWriter info(data);
  info.string(bundle.producer);
  info.string(bundle.build_kernel);
  put_chunk(out, kInfo, kNoProgram, data);
  uint32_t chunks = 1;
  for (uint32_t i = 0; i < bundle.programs.size(); ++i) {
    data.clear();
    ByteWriter spec(data);
    encode_program_spec(bundle.programs[i], spec);
    put_chunk(out, kSpec, i, data);
    put_chunk(out, kObject, i, bundle.programs[i].object);
    chunks += 2;
  }
  return chunks;
}

}  // namespace

std::vector<uint8_t> signing_message(const Bundle& bundle) {
  std::vector<uint8_t> out;
  put_chunks(out, bundle);
  return message_of(std::span<const uint8_t>(out).subspan(kHeaderBytes));
}

std::vector<uint8_t> encode_bundle(const Bundle& bundle) {
  std::vector<uint8_t> out;
  uint32_t chunks = put_chunks(out, bundle);
  if (bundle.signature) {
    std::vector<uint8_t> data;
    ByteWriter sign(data);
    sign.u8(kEd25519);
    sign.bytes_with_size(bundle.signature->public_key);
    sign.bytes_with_size(bundle.signature->signature);
    put_chunk(out, kSign, kNoProgram, data);
    ++chunks;
  }

  std::vector<uint8_t> header;
  ByteWriter h(header);
  h.bytes({reinterpret_cast<const uint8_t*>(kMagic), sizeof kMagic});
  h.u32(kBundleFormatVersion);
  h.u32(0);  // the checksum, once the rest is in place
  h.u64(out.size());
  h.u32(chunks);
  h.u32(0);
  std::copy(header.begin(), header.end(), out.begin());
  uint32_t crc = crc32(std::span<const uint8_t>(out).subspan(kCrcStart));
  for (size_t i = 0; i < 4; ++i) out[kCrcOffset + i] = static_cast<uint8_t>(crc >> (8 * i));
  return out;
}

Result<Bundle> decode_bundle(std::span<const uint8_t> bytes) {
  if (auto st = check_header(bytes); !st) return st.error();
  ByteReader header(bytes.subspan(24, 8));
  uint32_t chunk_count = header.u32();
  if (header.u32() != 0) return malformed("reserved header field is not zero");

  Bundle bundle;
  bundle.checksum = ByteReader(bytes.subspan(kCrcOffset, 4)).u32();
  bool have_info = false;
  std::optional<size_t> sign_offset;
  std::vector<ProgramChunks> programs;
  ByteReader in(bytes.subspan(kHeaderBytes));
  for (uint32_t c = 0; c < chunk_count; ++c) {
    const size_t chunk_offset = bytes.size() - in.remaining();
    if (sign_offset) return malformed("a chunk after the SIGN chunk (it must be the last)");
    if (in.remaining() < kChunkHeaderBytes)
      return malformed(fmt::format("chunk {} of {} is missing", c + 1, chunk_count));
    auto raw_kind = in.bytes(4);
    Kind kind;
    std::copy(raw_kind.begin(), raw_kind.end(), kind.begin());
    uint32_t program = in.u32();
    uint64_t size = in.u64();
    if (size > in.remaining())
      return malformed(fmt::format("chunk {} ({}) runs past the end", c + 1, kind_text(kind)));
    auto data = in.bytes(static_cast<size_t>(size));
    size_t padding = (8 - size % 8) % 8;
    in.bytes(std::min(padding, in.remaining()));

    if ((kind == kInfo || kind == kSign) && program != kNoProgram) {
      return malformed(fmt::format("chunk {} ({}) belongs to program {}, not to the bundle", c + 1,
                                   kind_text(kind), program));
    }
    if (kind == kSign) {
      ByteReader r(data);
      uint8_t scheme = r.u8();
      BundleSignature sig;
      auto key = r.sized_bytes();
      auto value = r.sized_bytes();
      if (r.short_read() || r.remaining() != 0) return malformed("the SIGN chunk is malformed");
      if (scheme != kEd25519) return malformed(fmt::format("unknown signature scheme {}", scheme));
      sig.public_key.assign(key.begin(), key.end());
      sig.signature.assign(value.begin(), value.end());
      bundle.signature = std::move(sig);
      sign_offset = chunk_offset;
      continue;
    }
    if (kind == kInfo) {
      if (have_info) return malformed("two INFO chunks");
      if (!programs.empty()) return malformed("the INFO chunk comes after a program's chunks");
      ByteReader r(data);
      bundle.producer = r.string();
      bundle.build_kernel = r.string();
      if (r.short_read()) return malformed("the INFO chunk ends early");
      have_info = true;
      continue;
    }
    if (kind != kSpec && kind != kObject)
      return malformed(fmt::format("unknown chunk kind '{}'", kind_text(kind)));
    if (program > 0xffff)
      return malformed(fmt::format("chunk {} names program {}", kind_text(kind), program));
    if (program >= programs.size()) programs.resize(program + 1);
    auto& slot = kind == kSpec ? programs[program].spec : programs[program].object;
    if (slot)
      return malformed(fmt::format("program {} has two {} chunks", program, kind_text(kind)));
    slot = data;
  }
  if (in.remaining() != 0)
    return malformed(fmt::format("{} bytes after the last chunk", in.remaining()));
  if (!have_info) return malformed("no INFO chunk");
  if (programs.empty()) return malformed("no programs");

  for (size_t i = 0; i < programs.size(); ++i) {
    if (!programs[i].spec || !programs[i].object) {
      return malformed(
          fmt::format("program {} lacks its {} chunk", i, programs[i].spec ? "BPFO" : "SPEC"));
    }
    Program p;
    ByteReader r(*programs[i].spec);
    std::string problem;
    if (!decode_program_spec(r, p, problem))
      return malformed(fmt::format("program {}: {}", i, problem));
    const auto& object = *programs[i].object;
    static constexpr uint8_t kElf[4] = {0x7f, 'E', 'L', 'F'};
    if (object.size() < 4 || std::memcmp(object.data(), kElf, 4) != 0) {
      return malformed(fmt::format("program {}: its BPF object is not an ELF file", i));
    }
    p.object.assign(object.begin(), object.end());
    bundle.programs.push_back(std::move(p));
  }
  const size_t signed_end = sign_offset.value_or(bytes.size());
  bundle.signed_message = message_of(bytes.subspan(kHeaderBytes, signed_end - kHeaderBytes));
  return bundle;
}

Status write_bundle(const std::string& path, const Bundle& bundle) {
  std::vector<uint8_t> bytes = encode_bundle(bundle);
  std::string temporary = fmt::format("{}.tmp.{}", path, getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{fmt::format("cannot write {}: {}", path, std::strerror(errno)), ""};
  size_t done = 0;
  int err = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(temporary.c_str());
    return Error{fmt::format("cannot write {}: {}", path, std::strerror(err)), ""};
  }
  return {};
}

Result<Bundle> read_bundle(const std::string& path) {
  auto bytes = read_user_file_bytes(path, kMaxBundleBytes);
  if (!bytes) return bytes.error();
  auto bundle = decode_bundle(*bytes);
  if (!bundle)
    return Error{fmt::format("{}: {}", path, bundle.error().message), bundle.error().hint};
  return bundle;
}

}  // namespace sonde::spec
