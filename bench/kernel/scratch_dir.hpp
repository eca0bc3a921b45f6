// A directory under the system's temp dir, removed with everything in it
// when the object goes away: benchmark runs leave nothing behind, failed
// ones included.
#pragma once

#include <filesystem>
#include <string>

namespace sa::bench {

class ScratchDir {
 public:
  // TMPDIR/PREFIX-XXXXXX; throws std::runtime_error when it cannot be made.
  explicit ScratchDir(const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sa::bench
