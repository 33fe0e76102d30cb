// HTTP basic authentication against bcrypt hashes (a web config's basic_auth_users),
// verified by libxcrypt's crypt_r.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sonde::exporter {

class Passwords {
 public:
  explicit Passwords(const std::vector<std::pair<std::string, std::string>>& users);

  // Whether `password` is `user`'s. Thread-safe. A bcrypt check costs ~0.1 s of CPU by
  // design; a pair that passed is remembered, so a scraper that sends the same
  // credentials every 15 s pays it once. An unknown user costs a check too, so that
  // timing does not tell which users exist.
  bool check(std::string_view user, std::string_view password);

 private:
  std::map<std::string, std::string, std::less<>> hashes_;
  std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> verified_;  // user -> password that passed
};

// The user and password of an `Authorization: Basic BASE64(user:password)` header value;
// false when it is not one.
bool parse_basic_authorization(std::string_view header, std::string& user, std::string& password);

}  // namespace sonde::exporter
