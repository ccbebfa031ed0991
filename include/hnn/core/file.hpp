// SPDX-License-Identifier: MIT
#pragma once
// Writing a file so that it is never half-written: the bytes go to a
// temporary file in the same folder, which is then renamed over the target.
// Rename within a folder is atomic on POSIX, so the target holds either its
// old content or all of the new one — a crash or a full disk mid-write
// leaves the old file (or none), never a truncated one. Model files, CSV
// exports and SVG pictures are all written this way.

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"

namespace hnn {

inline void write_file_atomically(const std::string& path, const char* data, std::size_t size) {
  std::random_device rd;
  std::ostringstream name;
  name << path << ".tmp-" << std::hex << rd();
  const std::string tmp = name.str();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw FileError(path + ": cannot create the temporary file " + tmp +
                      " (does the folder exist, and may it be written?)");
    }
    out.write(data, std::streamsize(size));
    out.flush();
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      throw FileError(path + ": write error (disk full?); the previous file is untouched");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw FileError(path + ": cannot rename the temporary file " + tmp + " into place");
  }
}

inline void write_file_atomically(const std::string& path, const std::string& text) {
  write_file_atomically(path, text.data(), text.size());
}

inline void write_file_atomically(const std::string& path,
                                  const std::vector<unsigned char>& bytes) {
  write_file_atomically(path, reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace hnn
