#include "code_store.hpp"

#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/encoding.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <zip.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <system_error>
#include <vector>

namespace fogbank::lambda {
namespace {

namespace fs = std::filesystem;

// Recorded AWS answers (and LocalStack's port of them).
constexpr std::string_view cannot_unzip =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";
constexpr std::string_view too_large_unzipped = "Unzipped size must be smaller than 262144000 bytes";

// Unix file types in the upper half of a zip entry's external attributes.
constexpr std::uint32_t type_mask = 0170000;
constexpr std::uint32_t type_symlink = 0120000;
constexpr std::uint32_t type_directory = 0040000;
constexpr fs::perms default_file_mode = fs::perms(0644);
constexpr fs::perms directory_mode = fs::perms(0755);
// A link's target is its content: a path, so short.
constexpr zip_uint64_t max_link_target = 4096;
constexpr std::size_t copy_chunk = 64 * 1024;

[[noreturn]] void invalid(std::string_view message) {
  throw core::aws_error(core::error_code::lambda_invalid_parameter_value, std::string(message));
}

struct zip_closer {
  void operator()(zip_t* z) const noexcept { zip_discard(z); }
};
struct file_closer {
  void operator()(zip_file_t* f) const noexcept { zip_fclose(f); }
};

// The entry's path inside the package, or an empty path if it would land outside it.
fs::path safe_relative(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find('\0') != std::string_view::npos) return {};
  fs::path normal = fs::path(std::string(name)).lexically_normal();
  if (normal.empty() || normal.is_absolute()) return {};
  const auto first = *normal.begin();
  if (first == ".." || first == ".") return {};
  return normal;
}

struct entry {
  zip_uint64_t index;
  fs::path path;  // relative
  bool directory;
  bool symlink;
  fs::perms mode;
};

std::string read_entry(zip_t* archive, zip_uint64_t index, zip_uint64_t size) {
  std::unique_ptr<zip_file_t, file_closer> file(zip_fopen_index(archive, index, 0));
  if (!file) invalid(cannot_unzip);
  std::string out(size, '\0');
  zip_uint64_t done = 0;
  while (done < size) {
    const zip_int64_t n = zip_fread(file.get(), out.data() + done, size - done);
    if (n <= 0) invalid(cannot_unzip);
    done += static_cast<zip_uint64_t>(n);
  }
  return out;
}

void write_entry(zip_t* archive, const entry& e, const fs::path& target) {
  std::unique_ptr<zip_file_t, file_closer> file(zip_fopen_index(archive, e.index, 0));
  if (!file) invalid(cannot_unzip);
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + target.string());
  std::vector<char> chunk(copy_chunk);
  while (true) {
    const zip_int64_t n = zip_fread(file.get(), chunk.data(), chunk.size());
    if (n < 0) invalid(cannot_unzip);  // a CRC or inflate error
    if (n == 0) break;
    out.write(chunk.data(), n);
  }
  out.close();
  if (!out) throw std::runtime_error("cannot write " + target.string());
  fs::permissions(target, e.mode);
}

void unpack(zip_t* archive, const fs::path& into) {
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  if (count < 0 || static_cast<zip_uint64_t>(count) > max_zip_entries) invalid(cannot_unzip);
  std::vector<entry> entries;
  zip_uint64_t unzipped = 0;
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive, i, 0, &stat) != 0 || (stat.valid & ZIP_STAT_NAME) == 0 ||
        (stat.valid & ZIP_STAT_SIZE) == 0) {
      invalid(cannot_unzip);
    }
    const std::string_view name(stat.name);
    entry e{i, safe_relative(name), !name.empty() && name.back() == '/', false, default_file_mode};
    if (e.path.empty()) invalid(cannot_unzip);
    zip_uint8_t system = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(archive, i, 0, &system, &attributes) == 0 &&
        system == ZIP_OPSYS_UNIX) {
      const std::uint32_t mode = attributes >> 16;
      if ((mode & type_mask) == type_symlink) e.symlink = true;
      if ((mode & type_mask) == type_directory) e.directory = true;
      // Permission bits only (no set-uid and friends), and always readable by their owner.
      if ((mode & 0777) != 0) e.mode = fs::perms(mode & 0777) | fs::perms::owner_read;
    }
    unzipped += stat.size;
    if (unzipped >= max_unzipped_bytes) invalid(too_large_unzipped);
    entries.push_back(std::move(e));
  }

  fs::create_directories(into);
  // Directories and files first, links last: nothing is ever written through a link.
  for (const entry& e : entries) {
    const fs::path target = into / e.path;
    if (e.directory) {
      fs::create_directories(target);
      fs::permissions(target, directory_mode);
    } else if (!e.symlink) {
      fs::create_directories(target.parent_path());
      write_entry(archive, e, target);
    }
  }
  for (const entry& e : entries) {
    if (!e.symlink) continue;
    zip_stat_t stat;
    if (zip_stat_index(archive, e.index, 0, &stat) != 0 || stat.size > max_link_target) invalid(cannot_unzip);
    const fs::path link_target(read_entry(archive, e.index, stat.size));
    // Only links that stay inside the package (node_modules/.bin/x -> ../pkg/bin/x), point at
    // something, and are not also named as a directory ("lib/").
    if (e.directory || link_target.empty() || link_target.is_absolute() ||
        safe_relative((e.path.parent_path() / link_target).string()).empty()) {
      invalid(cannot_unzip);
    }
    const fs::path target = into / e.path;
    fs::create_directories(target.parent_path());
    fs::create_symlink(link_target, target);
  }
}

}  // namespace

std::string code_sha256(std::string_view package) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(package.data(), package.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return core::base64_encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

void unpack_zip(std::string_view package, const fs::path& into) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(package.data(), package.size(), 0, &error);
  if (source == nullptr) {
    zip_error_fini(&error);
    throw std::bad_alloc();
  }
  std::unique_ptr<zip_t, zip_closer> archive(
      zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error));
  zip_error_fini(&error);
  if (!archive) {
    zip_source_free(source);
    invalid(cannot_unzip);
  }
  try {
    try {
      unpack(archive.get(), into);
    } catch (const fs::filesystem_error& e) {
      // Every path is inside a fresh directory of ours, so a filesystem error is the package's
      // fault (entries that collide: the same path twice, a file where another entry needs a
      // directory, a link over a file; found by fuzz/lambda_zip_fuzz.cpp), except the ones the
      // machine causes: a full disk, a read-only or failing one, no memory, no descriptors.
      const std::error_code code = e.code();
      if (code == std::errc::no_space_on_device || code == std::errc::read_only_file_system ||
          code == std::errc::io_error || code == std::errc::not_enough_memory ||
          code == std::errc::too_many_files_open || code == std::errc::too_many_files_open_in_system ||
          code == std::errc::permission_denied || code.value() == EDQUOT) {
        throw;
      }
      invalid(cannot_unzip);
    }
  } catch (...) {
    remove_code(into);
    throw;
  }
}

void remove_code(const fs::path& dir) noexcept {
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

}  // namespace fogbank::lambda
