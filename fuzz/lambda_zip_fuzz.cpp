// Lambda deployment packages (CreateFunction's and UpdateFunctionCode's ZipFile): a client's
// bytes unpacked into a directory of their own. Bad input must end as
// InvalidParameterValueException ("Could not unzip uploaded file..." or the unzipped-size limit),
// leave nothing behind, and a package that unpacks must have written nothing outside its
// directory and kept no link that leads out of it.
//
// Input: the zip file's bytes.

#include "code_store.hpp"

#include "fogbank/core/aws_error.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace {

namespace fs = std::filesystem;

// A scratch directory for this process, removed at exit.
const fs::path& root() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("fogbank-zip-fuzz-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    std::atexit([] { fs::remove_all(root()); });
    return d;
  }();
  return dir;
}

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "%s\n", why.c_str());
  std::abort();
}

bool inside(const fs::path& base, const fs::path& p) {
  const std::string b = base.string() + "/";
  return p.string().rfind(b, 0) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path pkg = root() / "pkg";
  fs::remove_all(pkg);
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  bool unpacked = true;
  try {
    fogbank::lambda::unpack_zip(bytes, pkg);
  } catch (const fogbank::core::aws_error& e) {
    if (e.code() != fogbank::core::error_code::lambda_invalid_parameter_value)
      fail("unexpected error: " + e.message());
    unpacked = false;
  }
  // Nothing but the package's own directory under the scratch root.
  for (const auto& entry : fs::directory_iterator(root())) {
    if (entry.path() != pkg) fail("written outside the package: " + entry.path().string());
  }
  if (!unpacked) {
    if (fs::exists(pkg)) fail("a refused package left files behind");
    return 0;
  }
  const fs::path base = fs::canonical(pkg);
  for (const auto& entry : fs::recursive_directory_iterator(pkg)) {
    if (!entry.is_symlink()) continue;
    std::error_code ec;
    const fs::path target = fs::weakly_canonical(entry.path(), ec);
    if (!ec && !inside(base, target) && target != base) fail("a link leads out: " + entry.path().string());
  }
  fogbank::lambda::remove_code(pkg);
  return 0;
}
