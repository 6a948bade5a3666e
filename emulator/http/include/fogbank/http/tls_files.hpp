#pragma once
// fogbank's own certificates, so that the server can answer https:// and wss:// on its port
// (server_options::tls_certificate_file and friends) with a certificate clients can be told to
// trust: a CA certificate, and a server certificate signed by it for 127.0.0.1, ::1, localhost
// and *.execute-api.localhost (API Gateway's host form). Generated with OpenSSL's API (EC P-256
// keys); OpenSSL is not seen from here.
//
// The keys' randomness is OpenSSL's own (its DRBG, seeded by the operating system). It is the one
// thing in fogbank that no seed reproduces, and it never reaches a transcript: what clients see of
// it is a certificate, never a response body or an id.

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>

namespace fogbank::http {

struct tls_files {
  std::filesystem::path ca_certificate;  // ca.pem: what clients trust
  std::filesystem::path certificate;     // server.pem: the server's certificate, then the CA's
  std::filesystem::path key;             // server-key.pem
};

// The files in `dir` (created if missing), generating what is missing: the CA (ca.pem and
// ca-key.pem) when there is none, and the server's certificate and key when there are none or the
// certificate has expired or expires within 30 days (signed again by the same CA, so that a
// client trusting ca.pem goes on trusting the server). Certificates are valid from `now` (the
// service clock's time): the CA for 10 years, the server's for 397 days (the most browsers
// accept). Throws std::runtime_error with what went wrong (a file that cannot be written, a CA
// whose key does not match it). Holds an exclusive lock (flock) on `dir` meanwhile, so that two
// processes given one directory never both make its files: the second reads the first's.
tls_files ensure_tls_files(const std::filesystem::path& dir, std::chrono::system_clock::time_point now);

// The names of the files ensure_tls_files(dir, ...) makes, without making or reading them.
tls_files tls_file_names(const std::filesystem::path& dir);

// ensure_tls_files on first need rather than at start: generating keys and loading OpenSSL are a
// sixth of an in-memory start's CPU, which a server that no TLS client reaches never needs.
// Thread-safe: the first caller of files() makes them while any other waits; when it throws, the
// next caller tries again.
class lazy_tls_files {
 public:
  // `now` gives the validity dates' time when the files are made (the service clock's).
  lazy_tls_files(std::filesystem::path dir, std::function<std::chrono::system_clock::time_point()> now)
      : dir_(std::move(dir)), now_(std::move(now)), names_(tls_file_names(dir_)) {}

  // Where the files are or will be; they may not exist yet.
  const tls_files& names() const noexcept { return names_; }
  // The files, made (or checked and renewed) by ensure_tls_files on the first call. Throws as it
  // does.
  const tls_files& files();

 private:
  const std::filesystem::path dir_;
  const std::function<std::chrono::system_clock::time_point()> now_;
  const tls_files names_;
  std::mutex mutex_;
  bool made_ = false;  // guarded by mutex_
};

}  // namespace fogbank::http
