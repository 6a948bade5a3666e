#include "fogbank/main/temporary_directory.hpp"

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace fogbank {

temporary_directory::~temporary_directory() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

bool temporary_directory::make(std::string_view prefix, std::string_view purpose, std::string* error) {
  std::error_code ec;
  const std::string name = std::string(prefix) + "XXXXXX";
  std::string pattern = (std::filesystem::temp_directory_path(ec) / name).string();
  if (ec) pattern = "/tmp/" + name;
  if (::mkdtemp(pattern.data()) == nullptr) {
    *error = "cannot make a temporary directory for " + std::string(purpose) + ": " +
             std::error_code(errno, std::generic_category()).message();
    return false;
  }
  path_ = pattern;
  return true;
}

}  // namespace fogbank
