#pragma once
// fogbank's Node.js and Python bootstraps (emulator/workers/bootstrap/), compiled into the binary
// (embed_bootstraps.cmake) so that fogbank finds them without its source tree, and written out
// before the first worker starts.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace fogbank::workers {

struct embedded_file {
  std::string_view path;  // relative, e.g. "node/index.js"
  std::string_view content;
};

// Every file of emulator/workers/bootstrap/ (generated at build time).
std::span<const embedded_file> embedded_bootstraps();

// Writes the bootstraps to `root`/<hash of their content>/ unless that directory is already
// complete, and returns it. Written into a scratch directory first and renamed into place, so that
// two fogbank processes sharing `root` never see half a bootstrap. Empty with `*error` set on
// failure.
std::filesystem::path install_bootstraps(const std::filesystem::path& root, std::string* error);

}  // namespace fogbank::workers
