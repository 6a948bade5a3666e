#pragma once
// A directory of fogbank's own under the system's temporary directory, removed (with everything
// in it) when the object goes: where Lambda's unpacked code and the TLS files live when nothing is
// kept on disk.

#include <filesystem>
#include <string>
#include <string_view>

namespace fogbank {

class temporary_directory {
 public:
  temporary_directory() = default;
  temporary_directory(const temporary_directory&) = delete;
  temporary_directory& operator=(const temporary_directory&) = delete;
  ~temporary_directory();

  // Makes "<tmp>/<prefix>XXXXXX"; false with `*error` ("cannot make a temporary directory for
  // <purpose>: ...") if it cannot be made.
  bool make(std::string_view prefix, std::string_view purpose, std::string* error);
  // Empty until make() succeeds.
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace fogbank
