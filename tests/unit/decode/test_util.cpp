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

ScrapeKeys scrape_keys(uint64_t first, size_t count) {
  ScrapeKeys keys;
  for (size_t i = 0; i < count; ++i) {
    auto a = le_bytes(first + i * 64, 8);
    auto p = le_bytes(i + 1, 4);
    keys.addresses.insert(keys.addresses.end(), a.begin(), a.end());
    keys.pids.insert(keys.pids.end(), p.begin(), p.end());
  }
  return keys;
}

}  // namespace sonde::decode::test
