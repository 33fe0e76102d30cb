#include "runtime/export/basic_auth.h"

#include <crypt.h>
#include <strings.h>

#include <cstring>
#include <memory>

namespace sonde::exporter {

namespace {

// A valid hash nobody's password matches, checked for unknown users.
constexpr const char* kNobody = "$2y$10$XXXXXXXXXXXXXXXXXXXXXOzvrWIjgKgo0CZh5b3y5yFZ8yyH2Mxiu";

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool bcrypt_matches(std::string_view password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on a worker's stack
  const std::string phrase(password);
  const char* result = crypt_r(phrase.c_str(), hash.c_str(), data.get());
  // Failure is "*0" or "*1" (never a valid hash) or null.
  return result != nullptr && result[0] != '*' && equal_in_constant_time(result, hash);
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool base64_decode(std::string_view in, std::string& out) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    const int v = base64_value(c);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return count < 6;  // leftover bits of a partial byte, never a whole sextet
}

}  // namespace

Passwords::Passwords(const std::vector<std::pair<std::string, std::string>>& users)
    : hashes_(users.begin(), users.end()) {}

bool Passwords::check(std::string_view user, std::string_view password) {
  {
    const std::lock_guard lock(mutex_);
    auto known = verified_.find(user);
    if (known != verified_.end() && equal_in_constant_time(known->second, password)) return true;
  }
  auto hash = hashes_.find(user);
  if (hash == hashes_.end()) {
    bcrypt_matches(password, kNobody);
    return false;
  }
  if (!bcrypt_matches(password, hash->second)) return false;
  const std::lock_guard lock(mutex_);
  verified_.insert_or_assign(std::string(user), std::string(password));
  return true;
}

bool parse_basic_authorization(std::string_view header, std::string& user, std::string& password) {
  constexpr std::string_view kScheme = "Basic ";
  if (header.size() < kScheme.size() ||
      strncasecmp(header.data(), kScheme.data(), kScheme.size()) != 0)
    return false;
  header.remove_prefix(kScheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  std::string decoded;
  if (!base64_decode(header, decoded)) return false;
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  user = decoded.substr(0, colon);
  password = decoded.substr(colon + 1);
  return true;
}

}  // namespace sonde::exporter
