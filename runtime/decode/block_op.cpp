#include "runtime/decode/block_op.h"

#include <fmt/format.h>

#include "stdlib/bpf/sonde/values.h"

namespace sonde::decode {

bool decode_block_op(Bytes bytes, std::string& out) {
  auto v = read_unsigned(bytes);
  if (!v) {
    out = hex_fallback(bytes);
    return false;
  }
  switch (*v) {
    case SONDE_BLOCK_OP_READ:
      out = "read";
      return true;
    case SONDE_BLOCK_OP_WRITE:
      out = "write";
      return true;
    case SONDE_BLOCK_OP_DISCARD:
      out = "discard";
      return true;
    case SONDE_BLOCK_OP_FLUSH:
      out = "flush";
      return true;
    case SONDE_BLOCK_OP_OTHER:
      out = "other";
      return true;
    default:
      out = fmt::format("{}", *v);
      return false;
  }
}

}  // namespace sonde::decode
