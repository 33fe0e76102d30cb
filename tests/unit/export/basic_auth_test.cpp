#include "runtime/export/basic_auth.h"

#include <crypt.h>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace sonde::exporter {
namespace {

// OpenBSD's bcrypt test vector (also in John the Ripper's and libxcrypt's suites):
// the password "U*U" under cost 5.
constexpr const char* kOpenBsdVector =
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

TEST(BasicAuth, ChecksBcryptHashes) {
  using Users = std::vector<std::pair<std::string, std::string>>;
  Passwords passwords(Users{{"alice", kOpenBsdVector}});
  EXPECT_TRUE(passwords.check("alice", "U*U"));
  EXPECT_TRUE(passwords.check("alice", "U*U"));  // remembered
  EXPECT_FALSE(passwords.check("alice", "U*V"));
  EXPECT_FALSE(passwords.check("alice", ""));
  EXPECT_FALSE(passwords.check("bob", "U*U"));
}

TEST(BasicAuth, HashesMadeByLibxcryptAndHtpasswdPrefixes) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  ASSERT_NE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof setting), nullptr);
  crypt_data data{};
  const std::string hash = crypt_r("s3cret:with colon", setting, &data);
  // htpasswd writes $2y$, the same algorithm.
  std::string htpasswd_style = hash;
  htpasswd_style[2] = 'y';
  Passwords passwords(std::vector<std::pair<std::string, std::string>>{
      {"prometheus", hash}, {"grafana", htpasswd_style}});
  EXPECT_TRUE(passwords.check("prometheus", "s3cret:with colon"));
  EXPECT_TRUE(passwords.check("grafana", "s3cret:with colon"));
  EXPECT_FALSE(passwords.check("prometheus", "s3cret"));
}

TEST(BasicAuth, ParsesTheAuthorizationHeader) {
  std::string user, password;
  // RFC 7617's example.
  ASSERT_TRUE(parse_basic_authorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", user, password));
  EXPECT_EQ(user, "Aladdin");
  EXPECT_EQ(password, "open sesame");
  ASSERT_TRUE(parse_basic_authorization("basic dTpwOnE=", user, password));  // "u:p:q"
  EXPECT_EQ(user, "u");
  EXPECT_EQ(password, "p:q");
  EXPECT_FALSE(parse_basic_authorization("Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==", user, password));
  EXPECT_FALSE(parse_basic_authorization("Basic !!!", user, password));
  EXPECT_FALSE(parse_basic_authorization("Basic dXNlcg==", user, password));  // "user", no colon
  EXPECT_FALSE(parse_basic_authorization("Basic", user, password));
}

}  // namespace
}  // namespace sonde::exporter
