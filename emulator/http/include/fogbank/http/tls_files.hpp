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
// whose key does not match it).
tls_files ensure_tls_files(const std::filesystem::path& dir, std::chrono::system_clock::time_point now);

}  // namespace fogbank::http
