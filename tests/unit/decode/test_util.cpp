#include "tests/unit/decode/test_util.h"

#include <fstream>
#include <sstream>

namespace sonde::decode::test {

std::vector<uint8_t> le_bytes(uint64_t value, size_t size) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size && i < 8; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
  return out;
}

spec::Label label_of(spec::Decoder decoder, uint32_t size) {
  return spec::Label{.name = std::string("x"), .size = size, .decoder = decoder};
}

uint64_t kallsyms_address(const std::string& name) {
  std::ifstream in("/proc/kallsyms");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string addr, type, sym;
    fields >> addr >> type >> sym;
    if (sym == name && (type == "T" || type == "t" || type == "W" || type == "w")) {
      return std::stoull(addr, nullptr, 16);
    }
  }
  return 0;
}

}  // namespace sonde::decode::test
