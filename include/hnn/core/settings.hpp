// SPDX-License-Identifier: MIT
#pragma once
// A layer's settings besides its parameters: what a model file stores to
// rebuild it, as name → value pairs. A value is a number (Dense: in = 784;
// LeakyReLU: alpha = 0.2) or a word (a padding mode: "same"). Shapes are
// stored as one number per dimension ("shape0", "shape1", …).

#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/exact_number.hpp"

namespace hnn {

/// One setting of a layer: a number or a word.
class Setting {
 public:
  /// A setting that is a number; implicit, so {"in", 784.0} reads as a setting.
  Setting(double number) : number_(number) {}  // NOLINT(google-explicit-constructor)
  /// A setting that is a word.
  Setting(std::string word)  // NOLINT(google-explicit-constructor)
      : is_word_(true), word_(std::move(word)) {}
  /// A setting that is a word, from a C string.
  Setting(const char* word) : Setting(std::string(word)) {}  // NOLINT

  /// Whether it is a number.
  bool is_number() const { return !is_word_; }
  /// Whether it is a word.
  bool is_word() const { return is_word_; }
  /// The number; ArgumentError if it is a word.
  double number() const {
    if (is_word_) throw ArgumentError("setting is the word \"" + word_ + "\", not a number");
    return number_;
  }
  /// The word; ArgumentError if it is a number.
  const std::string& word() const {
    if (!is_word_) throw ArgumentError("setting is the number " + str() + ", not a word");
    return word_;
  }
  /// As written in a summary: 0.2, same.
  std::string str() const {
    if (is_word_) return word_;
    return exact_number(number_);  // two settings that differ print differently
  }

  /// Whether both are the same number or the same word.
  friend bool operator==(const Setting& a, const Setting& b) {
    return a.is_word_ == b.is_word_ && (a.is_word_ ? a.word_ == b.word_ : a.number_ == b.number_);
  }
  /// Whether the two settings differ.
  friend bool operator!=(const Setting& a, const Setting& b) { return !(a == b); }
  /// Writes str().
  friend std::ostream& operator<<(std::ostream& out, const Setting& s) { return out << s.str(); }

 private:
  bool is_word_ = false;
  double number_ = 0;
  std::string word_;
};

/// A layer's settings by name, in order: what rebuilds it (with its type name).
using Settings = std::vector<std::pair<std::string, Setting>>;

/// The setting `name` of `s`; ArgumentError naming it when it is absent.
inline const Setting& find_setting(const Settings& s, const std::string& name) {
  for (const auto& kv : s)
    if (kv.first == name) return kv.second;
  throw ArgumentError("missing setting \"" + name + "\"");
}

/// The number `name` of `s`.
inline double setting(const Settings& s, const std::string& name) {
  const Setting& v = find_setting(s, name);
  if (!v.is_number()) {
    throw ArgumentError("setting \"" + name + "\" is the word \"" + v.word() +
                        "\", expected a number");
  }
  return v.number();
}

/// The word `name` of `s`.
inline std::string setting_word(const Settings& s, const std::string& name) {
  const Setting& v = find_setting(s, name);
  if (!v.is_word()) {
    throw ArgumentError("setting \"" + name + "\" is the number " + v.str() + ", expected a word");
  }
  return v.word();
}

/// "alpha=0.2, mode=same": the settings as a summary writes them.
inline std::string settings_string(const Settings& s) {
  std::ostringstream out;
  for (std::size_t k = 0; k < s.size(); ++k)
    out << (k ? ", " : "") << s[k].first << '=' << s[k].second;
  return out.str();
}

}  // namespace hnn
