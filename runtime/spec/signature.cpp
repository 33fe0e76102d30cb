#include "runtime/spec/signature.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "support/file_bytes.h"

namespace sonde::spec {
namespace {

constexpr size_t kMaxKeyFileBytes = 64 << 10;
constexpr size_t kEd25519PublicBytes = 32;

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "not a PEM key";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

Status read_key(const std::string& path, bool want_private, std::shared_ptr<EVP_PKEY>& slot,
                std::vector<uint8_t>& public_key) {
  const char* what = want_private ? "private" : "public";
  const std::string hint =
      want_private ? "make one with `openssl genpkey -algorithm ed25519 -out KEY.pem`"
                   : "make it from the signing key with `openssl pkey -in KEY.pem -pubout "
                     "-out KEY.pub.pem`";
  auto bytes = read_user_file_bytes(path, kMaxKeyFileBytes);
  if (!bytes) return Error{bytes.error().message, hint};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())), BIO_free);
  EVP_PKEY* raw =
      bio ? (want_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                          : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr))
          : nullptr;
  if (!raw)
    return Error{fmt::format("{}: not a PEM {} key ({})", path, what, openssl_error()), hint};
  slot.reset(raw, EVP_PKEY_free);
  if (EVP_PKEY_id(raw) != EVP_PKEY_ED25519)
    return Error{
        fmt::format("{}: a {} key, not an Ed25519 one", path, EVP_PKEY_get0_type_name(raw)), hint};
  size_t length = kEd25519PublicBytes;
  public_key.resize(length);
  if (EVP_PKEY_get_raw_public_key(raw, public_key.data(), &length) != 1 ||
      length != kEd25519PublicBytes)
    return Error{fmt::format("{}: cannot read its public key ({})", path, openssl_error()), hint};
  return {};
}

}  // namespace

Result<SigningKey> SigningKey::read_private(const std::string& path) {
  SigningKey key;
  auto st = read_key(path, true, key.key_, key.public_key_);
  if (!st) return st.error();
  key.is_private_ = true;
  return key;
}

Result<SigningKey> SigningKey::read_public(const std::string& path) {
  SigningKey key;
  auto st = read_key(path, false, key.key_, key.public_key_);
  if (!st) return st.error();
  return key;
}

std::string fingerprint(std::span<const uint8_t> public_key) {
  std::string hex;
  for (size_t i = 0; i < public_key.size() && i < 8; ++i)
    hex += fmt::format("{:02x}", public_key[i]);
  return "ed25519:" + hex;
}

Result<BundleSignature> SigningKey::sign(std::span<const uint8_t> message) const {
  if (!is_private_) return Error{"cannot sign with a public key", ""};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  BundleSignature out;
  out.public_key = public_key_;
  size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, message.data(), message.size()) != 1) {
    return Error{fmt::format("cannot sign: {}", openssl_error()), ""};
  }
  out.signature.resize(length);
  if (EVP_DigestSign(ctx.get(), out.signature.data(), &length, message.data(), message.size()) != 1)
    return Error{fmt::format("cannot sign: {}", openssl_error()), ""};
  out.signature.resize(length);
  return out;
}

bool SigningKey::verify(std::span<const uint8_t> message,
                        std::span<const uint8_t> signature) const {
  if (message.empty()) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                             message.size()) == 1;
  ERR_clear_error();
  return ok;
}

Status sign_bundle(Bundle& bundle, const SigningKey& key) {
  bundle.signature.reset();
  auto signature = key.sign(signing_message(bundle));
  if (!signature) return signature.error();
  bundle.signature = std::move(signature.value());
  return {};
}

Status check_trusted(const Bundle& bundle, std::string_view name,
                     std::span<const SigningKey> trusted) {
  if (trusted.empty()) return {};
  if (!bundle.signature) {
    return Error{
        fmt::format("{}: the bundle is not signed, and --trust accepts only signed ones", name),
        "build it with `sonde build --sign KEY.pem`"};
  }
  for (const auto& key : trusted) {
    if (key.public_key() != bundle.signature->public_key) continue;
    if (key.verify(bundle.signed_message, bundle.signature->signature)) return {};
    return Error{fmt::format("{}: its signature by {} does not match its contents: the bundle "
                             "was changed after it was signed",
                             name, key.fingerprint()),
                 "rebuild and sign it again with `sonde build --sign`; do not run it"};
  }
  std::string keys;
  for (const auto& key : trusted) keys += (keys.empty() ? "" : ", ") + key.fingerprint();
  return Error{fmt::format("{}: signed by {}, which is not a trusted key ({})", name,
                           fingerprint(bundle.signature->public_key), keys),
               "sign it with a trusted key, or add the signer's public key with --trust"};
}

}  // namespace sonde::spec
