// Bundle signatures with keys made by OpenSSL's own command line (`openssl genpkey`),
// not by the code under test: signed by A and trusting A passes; trusting B, unsigned,
// or changed after signing (object, source, a metric) is refused; trusting nothing
// passes every bundle, as before signatures.
#include "runtime/spec/signature.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace sonde::spec {
namespace {

class Signature : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    char templ[] = "/tmp/sonde-signature-test-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    for (const char* name : {"a", "b"}) {
      std::string key = dir_ + "/" + name + ".pem";
      std::string command = "openssl genpkey -algorithm ed25519 -out " + key +
                            " 2>/dev/null && openssl pkey -in " + key + " -pubout -out " + dir_ +
                            "/" + name + ".pub.pem 2>/dev/null";
      ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }
  }
  static void TearDownTestSuite() { ASSERT_EQ(std::system(("rm -rf '" + dir_ + "'").c_str()), 0); }

  static SigningKey private_key(const std::string& name) {
    auto k = SigningKey::read_private(dir_ + "/" + name + ".pem");
    EXPECT_TRUE(k) << k.error().message;
    return std::move(k.value());
  }
  static SigningKey public_key(const std::string& name) {
    auto k = SigningKey::read_public(dir_ + "/" + name + ".pub.pem");
    EXPECT_TRUE(k) << k.error().message;
    return std::move(k.value());
  }

  // A bundle as the agent reads it: encoded, then decoded.
  static Bundle bundle(bool sign_with_a) {
    Program p;
    p.probes.push_back({.program = "sonde_s0_p0", .display = "tracepoint:a:b"});
    p.source_names = {"a.sonde"};
    p.source = "on tracepoint:a:b count\n";
    p.object = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 1, 2, 3};
    Bundle b{.producer = "sonde test", .build_kernel = "6.0", .programs = {p}};
    if (sign_with_a) {
      EXPECT_TRUE(sign_bundle(b, private_key("a")));
    }
    return reread(b);
  }
  static Bundle reread(const Bundle& b) { return decode_bundle(encode_bundle(b)).value(); }

  static std::string check(const Bundle& b, const std::vector<std::string>& trusted) {
    std::vector<SigningKey> keys;
    for (const auto& t : trusted) keys.push_back(public_key(t));
    auto st = check_trusted(b, "x.bundle", keys);
    return st ? "(trusted)" : st.error().message;
  }

  static std::string dir_;
};
std::string Signature::dir_;

TEST_F(Signature, SignedByATrustedAPasses) {
  EXPECT_EQ(check(bundle(true), {"a"}), "(trusted)");
  EXPECT_EQ(check(bundle(true), {"b", "a"}), "(trusted)");
}

TEST_F(Signature, SignedByATrustedBIsRefused) {
  std::string m = check(bundle(true), {"b"});
  EXPECT_NE(m.find("x.bundle: signed by ed25519:"), std::string::npos) << m;
  EXPECT_NE(m.find("which is not a trusted key"), std::string::npos) << m;
}

TEST_F(Signature, UnsignedWithTrustIsRefused) {
  EXPECT_EQ(check(bundle(false), {"a"}),
            "x.bundle: the bundle is not signed, and --trust accepts only signed ones");
}

TEST_F(Signature, NoTrustAcceptsEveryBundle) {
  EXPECT_EQ(check(bundle(false), {}), "(trusted)");
  EXPECT_EQ(check(bundle(true), {}), "(trusted)");
}

// The attack of issue 18: program B's object inside program A's metadata, with the
// checksum recomputed (encode_bundle does).
TEST_F(Signature, ObjectSwappedAfterSigningIsRefused) {
  Bundle b = bundle(true);
  b.programs[0].object.back() ^= 1;
  std::string m = check(reread(b), {"a"});
  EXPECT_NE(m.find("does not match its contents"), std::string::npos) << m;
}

TEST_F(Signature, SourceOrMetricChangedAfterSigningIsRefused) {
  Bundle b = bundle(true);
  b.programs[0].source = "on tracepoint:a:b count by comm\n";
  EXPECT_NE(check(reread(b), {"a"}).find("does not match its contents"), std::string::npos);
  b = bundle(true);
  b.producer = "someone else";
  EXPECT_NE(check(reread(b), {"a"}).find("does not match its contents"), std::string::npos);
}

TEST_F(Signature, ForgedSignatureBytesAreRefused) {
  Bundle b = bundle(true);
  b.signature->signature[0] ^= 0x80;
  EXPECT_NE(check(reread(b), {"a"}).find("does not match its contents"), std::string::npos);
}

TEST_F(Signature, KeysThatAreNotEd25519PemAreRefused) {
  std::string rsa = dir_ + "/rsa.pem";
  ASSERT_EQ(std::system(("openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out " +
                         rsa + " 2>/dev/null")
                            .c_str()),
            0);
  auto k = SigningKey::read_private(rsa);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().message, rsa + ": a RSA key, not an Ed25519 one");
  auto p = SigningKey::read_public(dir_ + "/a.pem");  // a private key where a public one goes
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("not a PEM public key"), std::string::npos) << p.error().message;
  auto missing = SigningKey::read_public(dir_ + "/none.pem");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("none.pem"), std::string::npos);
}

TEST_F(Signature, SignatureSurvivesTheRoundTripAndIsTheLastChunk) {
  Bundle b = bundle(true);
  ASSERT_TRUE(b.signature);
  EXPECT_EQ(b.signature->public_key, public_key("a").public_key());
  EXPECT_EQ(b.signature->signature.size(), 64u);
  EXPECT_EQ(b.signed_message, signing_message(b));
  std::vector<uint8_t> bytes = encode_bundle(b);
  EXPECT_EQ(decode_bundle(bytes).value().signed_message, b.signed_message);
}

}  // namespace
}  // namespace sonde::spec
