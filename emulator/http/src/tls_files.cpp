#include "fogbank/http/tls_files.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

namespace fogbank::http {
namespace {

namespace fs = std::filesystem;

// Certificate lifetimes. A CA that lasts keeps clients that trusted it trusting it; 397 days is the
// most a server certificate may have for browsers (Apple's and Chrome's rule since 2020-09-01).
constexpr long ca_validity_days = 3650;
constexpr long server_validity_days = 397;
// A server certificate this close to its end is issued again at start.
constexpr long renew_before_days = 30;
// notBefore lies this much before the service clock's now, for a client whose clock runs a little
// behind the server's.
constexpr long backdate_seconds = 3600;
// The names fogbank answers to: the loopback addresses, localhost, and API Gateway's host form
// (<api-id>.execute-api.localhost). A wildcard covers one label, as RFC 6125 section 6.4.3 says.
constexpr const char* server_names = "IP:127.0.0.1,IP:::1,DNS:localhost,DNS:*.execute-api.localhost";

template <auto free_fn>
struct openssl_free {
  template <class T>
  void operator()(T* p) const noexcept {
    free_fn(p);
  }
};
using key_ptr = std::unique_ptr<EVP_PKEY, openssl_free<EVP_PKEY_free>>;
using cert_ptr = std::unique_ptr<X509, openssl_free<X509_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_free<BIO_free_all>>;
using bn_ptr = std::unique_ptr<BIGNUM, openssl_free<BN_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, openssl_free<X509_EXTENSION_free>>;

[[noreturn]] void fail(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  std::string message = what;
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    message += ": ";
    message += text;
  }
  throw std::runtime_error(message);
}

void check(int ok, const char* what) {
  if (ok != 1) fail(what);
}

key_ptr new_key() {
  // OpenSSL's DRBG: see the header on why this randomness is not the seed's.
  key_ptr key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot generate an EC P-256 key");
  return key;
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ext_ptr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext) fail(std::string("cannot make the certificate extension ") + OBJ_nid2sn(nid));
  check(X509_add_ext(cert, ext.get(), -1), "cannot add a certificate extension");
}

// A certificate for `key`, named `common_name`, valid from `now` for `days`, signed by
// `issuer_key` (and issued by `issuer`, or self-signed when null).
cert_ptr new_certificate(EVP_PKEY* key, const char* common_name, bool is_ca, X509* issuer,
                         EVP_PKEY* issuer_key, std::time_t now, long days) {
  cert_ptr cert(X509_new());
  if (!cert) fail("cannot allocate a certificate");
  check(X509_set_version(cert.get(), 2), "cannot set the certificate version");
  // A random 127-bit serial (RFC 5280 asks for at most 20 octets, CA/B Forum for 64 random bits):
  // two certificates of the CA must never share one, and a regenerated CA must not either.
  unsigned char serial_bytes[16];
  check(RAND_bytes(serial_bytes, sizeof serial_bytes), "cannot draw a serial number");
  serial_bytes[0] &= 0x7f;  // positive
  bn_ptr serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr)
    fail("cannot set the serial number");
  std::time_t from = now - backdate_seconds;
  if (X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, 0, &from) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(days), backdate_seconds, &from) ==
          nullptr)
    fail("cannot set the validity dates");
  check(X509_set_pubkey(cert.get(), key), "cannot set the public key");
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto text = [](const char* s) { return reinterpret_cast<const unsigned char*>(s); };
  check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, text("fogbank"), -1, -1, 0),
        "cannot name the certificate");
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, text(common_name), -1, -1, 0),
        "cannot name the certificate");
  check(X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name),
        "cannot set the issuer");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  // What current verifiers ask of a CA and a server certificate (OpenSSL 3's and Python 3.13's
  // strict X.509 checks want key identifiers and critical basic constraints).
  add_extension(cert.get(), &ctx, NID_basic_constraints,
                is_ca ? "critical,CA:TRUE,pathlen:0" : "critical,CA:FALSE");
  add_extension(cert.get(), &ctx, NID_key_usage,
                is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (!is_ca) {
    add_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), &ctx, NID_subject_alt_name, server_names);
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) fail("cannot sign the certificate");
  return cert;
}

bio_ptr open_file(const fs::path& path, const char* mode) {
  bio_ptr bio(BIO_new_file(path.c_str(), mode));
  if (!bio) fail("cannot open " + path.string());
  return bio;
}

cert_ptr read_certificate(const fs::path& path) {
  const bio_ptr in = open_file(path, "r");
  cert_ptr cert(PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr));
  if (!cert) fail("cannot read a certificate from " + path.string());
  return cert;
}

key_ptr read_key(const fs::path& path) {
  const bio_ptr in = open_file(path, "r");
  key_ptr key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  if (!key) fail("cannot read a private key from " + path.string());
  return key;
}

// Writes through a temporary file renamed into place, so that a crash never leaves half a file
// that the next start would refuse. Keys are readable by their owner only.
template <class Write>
void write_file(const fs::path& path, bool secret, Write&& write) {
  const fs::path temp = fs::path(path).concat(".tmp");
  {
    const bio_ptr out = open_file(temp, "w");
    write(out.get());
    if (BIO_flush(out.get()) != 1) fail("cannot write " + temp.string());
  }
  std::error_code ec;
  if (secret) fs::permissions(temp, fs::perms::owner_read | fs::perms::owner_write, ec);
  fs::rename(temp, path, ec);
  if (ec) throw std::runtime_error("cannot write " + path.string() + ": " + ec.message());
}

void write_key(const fs::path& path, EVP_PKEY* key) {
  write_file(path, true, [&](BIO* out) {
    check(PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr), "cannot write a key");
  });
}

// An exclusive flock on a directory for as long as it lives. flock, not a lock file: nothing is
// left behind, and the lock goes with the process however it ends.
class directory_lock {
 public:
  explicit directory_lock(const fs::path& dir)
      : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + dir.string() + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd_);
      throw std::runtime_error("cannot lock " + dir.string() + ": " + std::strerror(error));
    }
  }
  directory_lock(const directory_lock&) = delete;
  directory_lock& operator=(const directory_lock&) = delete;
  ~directory_lock() { ::close(fd_); }  // closing the last descriptor releases the lock

 private:
  int fd_;
};

bool due_for_renewal(X509* cert, std::time_t now) {
  std::time_t horizon = now + renew_before_days * 24 * 3600;
  return X509_cmp_time(X509_get0_notAfter(cert), &horizon) <= 0 ||
         X509_cmp_time(X509_get0_notBefore(cert), &now) > 0;
}

}  // namespace

tls_files ensure_tls_files(const fs::path& dir, std::chrono::system_clock::time_point now) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
  const directory_lock lock(dir);
  const std::time_t at = std::chrono::system_clock::to_time_t(now);
  const tls_files files = tls_file_names(dir);
  const fs::path ca_key_file = dir / "ca-key.pem";

  cert_ptr ca;
  key_ptr ca_key;
  if (fs::exists(files.ca_certificate) && fs::exists(ca_key_file)) {
    ca = read_certificate(files.ca_certificate);
    ca_key = read_key(ca_key_file);
    if (X509_check_private_key(ca.get(), ca_key.get()) != 1)
      fail(ca_key_file.string() + " is not the key of " + files.ca_certificate.string());
  } else {
    ca_key = new_key();
    ca = new_certificate(ca_key.get(), "fogbank local CA", true, nullptr, ca_key.get(), at, ca_validity_days);
    write_key(ca_key_file, ca_key.get());
    write_file(files.ca_certificate, false,
               [&](BIO* out) { check(PEM_write_bio_X509(out, ca.get()), "cannot write a certificate"); });
  }

  if (fs::exists(files.certificate) && fs::exists(files.key)) {
    const cert_ptr current = read_certificate(files.certificate);
    const key_ptr current_key = read_key(files.key);
    if (X509_check_issued(ca.get(), current.get()) == X509_V_OK &&
        X509_check_private_key(current.get(), current_key.get()) == 1 && !due_for_renewal(current.get(), at))
      return files;
  }
  const key_ptr key = new_key();
  const cert_ptr cert =
      new_certificate(key.get(), "localhost", false, ca.get(), ca_key.get(), at, server_validity_days);
  write_key(files.key, key.get());
  write_file(files.certificate, false, [&](BIO* out) {
    check(PEM_write_bio_X509(out, cert.get()), "cannot write a certificate");
    check(PEM_write_bio_X509(out, ca.get()), "cannot write a certificate");
  });
  return files;
}

tls_files tls_file_names(const fs::path& dir) {
  return {dir / "ca.pem", dir / "server.pem", dir / "server-key.pem"};
}

const tls_files& lazy_tls_files::files() {
  const std::lock_guard lock(mutex_);
  if (!made_) {
    ensure_tls_files(dir_, now_());
    made_ = true;
  }
  return names_;
}

}  // namespace fogbank::http
