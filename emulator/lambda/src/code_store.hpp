#pragma once
// A function's code on disk: a deployment package (zip) unpacked into a directory of its own
// under the code root, with Lambda's checks and errors, and the digest Lambda reports.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace fogbank::lambda {

// "Unzipped size must be smaller than 262144000 bytes" (the 250 MB quota, recorded AWS answer).
inline constexpr std::uint64_t max_unzipped_bytes = 262'144'000;
// "Request must be smaller than 70167211 bytes for the CreateFunction operation" (recorded):
// the whole request, ZipFile in base64 included.
inline constexpr std::size_t max_code_request_bytes = 70'167'211;
// Entries of one package: far more than any real package has, so that a zip of millions of
// empty entries cannot tie the server up creating files.
inline constexpr std::uint64_t max_zip_entries = 100'000;

// CodeSha256: the SHA-256 of the package in base64 (44 characters ending in '=').
std::string code_sha256(std::string_view package);

// Unpacks `package` into `into` (created; must not exist), keeping the Unix permissions the zip
// carries (a `bootstrap` stays executable) and its symbolic links that stay inside the package.
// Throws InvalidParameterValueException: "Could not unzip uploaded file. Please check your file,
// then try to upload again." for anything that is not a zip or has an entry that would land
// outside `into`, and "Unzipped size must be smaller than 262144000 bytes" for one that unpacks
// too large. Nothing is left behind on failure.
void unpack_zip(std::string_view package, const std::filesystem::path& into);

// Removes a directory unpack_zip made. Never throws.
void remove_code(const std::filesystem::path& dir) noexcept;

}  // namespace fogbank::lambda
