// Bundle signatures: Ed25519 (OpenSSL's EVP) over spec::signing_message(), so that only
// bundles signed by a key the agent trusts run when it is given one (`sonde build
// --sign KEY`, `sonde-agent --trust PUBKEY`). Keys are PEM files as made by
// `openssl genpkey -algorithm ed25519` (private) and `openssl pkey -pubout` (public).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/spec/bundle.h"
#include "support/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace sonde::spec {

// "ed25519:" and the first 16 hex digits of a raw public key, for messages.
std::string fingerprint(std::span<const uint8_t> public_key);

class SigningKey {
 public:
  // A PEM private key (signing) or public key (trusting); errors name the path.
  static Result<SigningKey> read_private(const std::string& path);
  static Result<SigningKey> read_public(const std::string& path);

  const std::vector<uint8_t>& public_key() const { return public_key_; }
  std::string fingerprint() const { return spec::fingerprint(public_key_); }

  Result<BundleSignature> sign(std::span<const uint8_t> message) const;
  bool verify(std::span<const uint8_t> message, std::span<const uint8_t> signature) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::vector<uint8_t> public_key_;
  bool is_private_ = false;
};

// Signs `bundle` (sets bundle.signature) with `key`.
Status sign_bundle(Bundle& bundle, const SigningKey& key);

// With no trusted key, every bundle passes (as before signatures). Otherwise `bundle`
// (as decode_bundle read it) must carry a signature by one of `trusted` over its own
// contents; the error names `bundle_name` and says which of unsigned, signed by another
// key or not matching its contents it is.
Status check_trusted(const Bundle& bundle, std::string_view bundle_name,
                     std::span<const SigningKey> trusted);

}  // namespace sonde::spec
