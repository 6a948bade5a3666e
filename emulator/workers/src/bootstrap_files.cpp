#include "bootstrap_files.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <system_error>

namespace fogbank::workers {

namespace {

// FNV-1a over paths and contents: a version stamp for the directory name, not a security hash.
std::uint64_t content_hash() {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  const auto mix = [&hash](std::string_view bytes) {
    for (const char c : bytes) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 0x100000001b3ULL;
    }
    hash ^= 0xff;  // separates one field from the next
    hash *= 0x100000001b3ULL;
  };
  for (const auto& file : embedded_bootstraps()) {
    mix(file.path);
    mix(file.content);
  }
  return hash;
}

bool write_file(const std::filesystem::path& path, std::string_view content, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (ec || !out) {
    if (error != nullptr) *error = "cannot write " + path.string() + (ec ? ": " + ec.message() : "");
    return false;
  }
  return true;
}

}  // namespace

std::filesystem::path install_bootstraps(const std::filesystem::path& root, std::string* error) {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(content_hash()));
  const std::filesystem::path target = root / name;
  std::error_code ec;
  // Complete once renamed into place: a directory of that name holds exactly these files.
  if (std::filesystem::is_directory(target, ec)) return target;

  std::filesystem::create_directories(root, ec);
  if (ec) {
    if (error != nullptr) *error = "cannot create " + root.string() + ": " + ec.message();
    return {};
  }
  const std::filesystem::path scratch = root / (std::string(name) + ".tmp-" + std::to_string(::getpid()));
  std::filesystem::remove_all(scratch, ec);
  for (const auto& file : embedded_bootstraps()) {
    if (!write_file(scratch / file.path, file.content, error)) {
      std::filesystem::remove_all(scratch, ec);
      return {};
    }
  }
  std::filesystem::rename(scratch, target, ec);
  if (ec) {
    // Another process may have installed the same files meanwhile: theirs are as good.
    std::filesystem::remove_all(scratch, ec);
    if (std::filesystem::is_directory(target, ec)) return target;
    if (error != nullptr) *error = "cannot create " + target.string();
    return {};
  }
  return target;
}

}  // namespace fogbank::workers
