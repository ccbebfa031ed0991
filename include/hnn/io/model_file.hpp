// SPDX-License-Identifier: MIT
#pragma once
// Saving and loading models. The file (version 1) is little-endian:
//
//   bytes   field
//   8       magic "HNNMODEL"
//   4       u32 format version (1)
//   1       u8 scalar size in bytes: 4 (float) or 8 (double)
//   8       u64 input size
//   4       u32 layer count, then for each layer:
//             string type name                 (u32 length, then the bytes)
//             u32 setting count, then for each: string name, f64 value
//             u32 parameter count, then for each:
//               string name, u64 rows, u64 cols,
//               rows × cols scalars, column by column
//   8       u64 FNV-1a checksum of every byte before it
//
// save_model writes a temporary file and renames it over the target, so a
// crash mid-save leaves the old file (or none), never half of one.
// load_model rebuilds a model from the file alone; load_weights fills a model
// built in code after checking that its architecture is the file's. Both
// check everything (magic, version, checksum, scalar type, sizes, names) and
// throw FileError naming the file and what is wrong.

#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/io/binary.hpp"
#include "hnn/io/registry.hpp"
#include "hnn/model/sequential.hpp"

namespace hnn {

namespace io {

constexpr char model_magic[8] = {'H', 'N', 'N', 'M', 'O', 'D', 'E', 'L'};
constexpr std::uint32_t model_version = 1;
constexpr std::size_t max_model_bytes = std::size_t(1) << 32;  // 4 GiB

template <typename Scalar>
void write_scalar(ByteWriter& w, Scalar v) {
  if constexpr (sizeof(Scalar) == 4) {
    w.f32(float(v));
  } else {
    w.f64(double(v));
  }
}
template <typename Scalar>
Scalar read_scalar(ByteReader& r) {
  if constexpr (sizeof(Scalar) == 4) {
    return Scalar(r.f32("a parameter value"));
  } else {
    return Scalar(r.f64("a parameter value"));
  }
}

// What a model file holds, read and checked but not yet turned into layers.
template <typename Scalar>
struct ModelFile {
  struct Tensor {
    std::string name;
    Matrix<Scalar> value;
  };
  struct LayerEntry {
    std::string type;
    Settings settings;
    std::vector<Tensor> parameters;
  };
  Index input_size = 0;
  std::vector<LayerEntry> layers;
};

// Parses a model file's bytes; `path` names them in error messages.
template <typename Scalar>
ModelFile<Scalar> parse_model_file(const unsigned char* data, std::size_t size,
                                   const std::string& path) {
  static_assert(sizeof(Scalar) == 4 || sizeof(Scalar) == 8, "hnn model files hold float or double");
  if (size < sizeof(model_magic) || std::memcmp(data, model_magic, sizeof(model_magic)) != 0) {
    throw FileError(path + ": not an hnn model file (the magic number \"HNNMODEL\" is missing)");
  }
  ByteReader r(data, size, path);
  for (std::size_t i = 0; i < sizeof(model_magic); ++i)
    r.u8("the magic number");
  const std::uint32_t version = r.u32("the format version");
  if (version != model_version) {
    r.fail("format version " + std::to_string(version) + "; this hnn reads version " +
           std::to_string(model_version));
  }
  // The checksum covers everything before it: a flipped bit anywhere is caught
  // here, before any of the content is trusted.
  if (size < r.offset() + 8) r.fail("file is truncated: no checksum");
  const std::size_t body = size - 8;
  ByteReader tail(data + body, 8, path);
  if (tail.u64("the checksum") != fnv1a(data, body)) {
    throw FileError(path + ": checksum mismatch: the file is corrupt or truncated");
  }
  ByteReader c(data, body, path);  // the content, without the checksum
  for (std::size_t i = 0; i < sizeof(model_magic) + 4; ++i)
    c.u8("the header");

  const unsigned scalar_size = c.u8("the scalar size");
  if (scalar_size != sizeof(Scalar)) {
    const auto kind = [](unsigned n) {
      return n == 4   ? std::string("float")
             : n == 8 ? std::string("double")
                      : "an unknown type (" + std::to_string(n) + " bytes)";
    };
    c.fail("the parameters are " + kind(scalar_size) + ", but the model being loaded is " +
           kind(sizeof(Scalar)) + " (load it as Sequential<" + kind(scalar_size) + ">)");
  }
  ModelFile<Scalar> file;
  const std::uint64_t input_size = c.u64("the input size");
  if (input_size == 0 || input_size > 100000000)
    c.fail("invalid input size " + std::to_string(input_size));
  file.input_size = Index(input_size);
  const std::uint32_t layers = c.u32("the layer count");
  if (layers > 100000) c.fail("implausible layer count " + std::to_string(layers));
  for (std::uint32_t k = 0; k < layers; ++k) {
    typename ModelFile<Scalar>::LayerEntry layer;
    layer.type = c.string("a layer type name");
    const std::uint32_t settings = c.u32("a setting count");
    if (settings > 64) c.fail("layer " + std::to_string(k) + " has an implausible setting count");
    for (std::uint32_t i = 0; i < settings; ++i) {
      std::string name = c.string("a setting name");
      const double value = c.f64("a setting value");
      layer.settings.emplace_back(std::move(name), value);
    }
    const std::uint32_t params = c.u32("a parameter count");
    if (params > 64) c.fail("layer " + std::to_string(k) + " has an implausible parameter count");
    for (std::uint32_t i = 0; i < params; ++i) {
      typename ModelFile<Scalar>::Tensor t;
      t.name = c.string("a parameter name");
      const std::uint64_t rows = c.u64("a parameter's rows"), cols = c.u64("a parameter's columns");
      // rows · cols scalars must fit in what is left (checked without overflow).
      const std::uint64_t fit = c.remaining() / sizeof(Scalar);
      const std::uint64_t side = std::uint64_t(1) << 31;  // each side must fit an Index, too
      if (rows > side || cols > side || rows > fit || (rows > 0 && cols > fit / rows)) {
        c.fail("parameter " + t.name + " of layer " + std::to_string(k) + " claims " +
               std::to_string(rows) + " × " + std::to_string(cols) +
               " values, more than the file holds (truncated or corrupt)");
      }
      t.value.resize(Index(rows), Index(cols));
      for (Index n = 0; n < t.value.size(); ++n)
        t.value.data()[n] = read_scalar<Scalar>(c);
      layer.parameters.push_back(std::move(t));
    }
    file.layers.push_back(std::move(layer));
  }
  if (c.remaining() != 0)
    c.fail(std::to_string(c.remaining()) + " unexpected bytes after the last layer");
  return file;
}

template <typename Scalar>
ModelFile<Scalar> read_model_file(const std::string& path) {
  const std::vector<unsigned char> bytes = read_file(path, max_model_bytes);
  return parse_model_file<Scalar>(bytes.data(), bytes.size(), path);
}

// Throws FileError unless `layer` matches what the file says about it.
template <typename Scalar>
void check_layer_matches(const std::string& path, std::size_t k, Layer<Scalar>& layer,
                         const typename ModelFile<Scalar>::LayerEntry& entry) {
  const std::string where = path + ": layer " + std::to_string(k) + ": ";
  if (layer.type_name() != entry.type) {
    throw FileError(where + "the file has " + entry.type + ", the model has " + layer.describe());
  }
  if (layer.settings() != entry.settings) {
    std::ostringstream s;
    s << where << "settings differ: the file has";
    for (const auto& kv : entry.settings)
      s << ' ' << kv.first << '=' << kv.second;
    s << ", the model has " << layer.describe();
    throw FileError(s.str());
  }
  const auto params = layer.parameters();
  if (params.size() != entry.parameters.size()) {
    throw FileError(where + "the file has " + std::to_string(entry.parameters.size()) +
                    " parameters, the layer " + std::to_string(params.size()));
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& t = entry.parameters[i];
    if (params[i].name() != t.name || params[i].rows() != t.value.rows() ||
        params[i].cols() != t.value.cols()) {
      throw FileError(where + "parameter " + t.name + " " + shape_string(t.value) +
                      " in the file, " + params[i].name() + " " +
                      shape_string(params[i].rows(), params[i].cols()) + " in the model");
    }
  }
}

template <typename Scalar>
void copy_parameters(Layer<Scalar>& layer, const typename ModelFile<Scalar>::LayerEntry& entry) {
  const auto params = layer.parameters();
  for (std::size_t i = 0; i < params.size(); ++i)
    params[i].value() = entry.parameters[i].value;
}

}  // namespace io

// Writes the model's architecture and parameters to `path`, atomically.
template <typename Scalar>
void save_model(Sequential<Scalar>& model, const std::string& path) {
  static_assert(sizeof(Scalar) == 4 || sizeof(Scalar) == 8, "hnn model files hold float or double");
  io::ByteWriter w;
  w.raw(io::model_magic, sizeof(io::model_magic));
  w.u32(io::model_version);
  w.u8(std::uint8_t(sizeof(Scalar)));
  w.u64(std::uint64_t(model.input_size()));
  w.u32(std::uint32_t(model.size()));
  for (std::size_t k = 0; k < model.size(); ++k) {
    Layer<Scalar>& layer = model.layer(k);
    w.string(layer.type_name());
    const Settings settings = layer.settings();
    w.u32(std::uint32_t(settings.size()));
    for (const auto& kv : settings) {
      w.string(kv.first);
      w.f64(kv.second);
    }
    const auto params = layer.parameters();
    w.u32(std::uint32_t(params.size()));
    for (const auto& p : params) {
      w.string(p.name());
      w.u64(std::uint64_t(p.rows()));
      w.u64(std::uint64_t(p.cols()));
      const Scalar* v = p.value_data();
      for (Index n = 0; n < p.size(); ++n)
        io::write_scalar(w, v[n]);
    }
  }
  w.u64(io::fnv1a(w.bytes().data(), w.bytes().size()));
  write_file_atomically(path, w.bytes());
}

namespace io {

// A model from what a file holds, through the registry.
template <typename Scalar>
Sequential<Scalar> build_model(const ModelFile<Scalar>& file, const std::string& path,
                               const LayerRegistry<Scalar>& registry) {
  Sequential<Scalar> model(file.input_size);
  for (std::size_t k = 0; k < file.layers.size(); ++k) {
    const auto& entry = file.layers[k];
    try {
      model.add(registry.make(entry.type, entry.settings));
    } catch (const FileError&) {
      throw;
    } catch (const Error& e) {
      throw FileError(path + ": layer " + std::to_string(k) + " (" + entry.type + "): " + e.what());
    }
    check_layer_matches(path, k, model.layer(k), entry);
    copy_parameters(model.layer(k), entry);
  }
  return model;
}

}  // namespace io

// Rebuilds a model from the file alone. Custom layers need a registry that
// knows them.
template <typename Scalar>
Sequential<Scalar> load_model(const std::string& path, const LayerRegistry<Scalar>& registry =
                                                           LayerRegistry<Scalar>::builtin()) {
  return io::build_model(io::read_model_file<Scalar>(path), path, registry);
}

// The same from bytes in memory (a model received over a network, a fuzzer's
// input); `name` stands for the file name in error messages.
template <typename Scalar>
Sequential<Scalar> parse_model(
    const unsigned char* data, std::size_t size, const std::string& name = "<memory>",
    const LayerRegistry<Scalar>& registry = LayerRegistry<Scalar>::builtin()) {
  return io::build_model(io::parse_model_file<Scalar>(data, size, name), name, registry);
}

// Loads the file's parameters into a model built in code, after checking
// that the architectures match layer by layer. The model is unchanged if
// anything does not match.
template <typename Scalar>
void load_weights(Sequential<Scalar>& model, const std::string& path) {
  const auto file = io::read_model_file<Scalar>(path);
  if (file.input_size != model.input_size() || file.layers.size() != model.size()) {
    std::ostringstream s;
    s << path << ": architecture mismatch: the file has " << file.layers.size() << " layers on "
      << file.input_size << " inputs, the model " << model.size() << " layers on "
      << model.input_size() << " inputs";
    throw FileError(s.str());
  }
  for (std::size_t k = 0; k < model.size(); ++k) {
    io::check_layer_matches(path, k, model.layer(k), file.layers[k]);
  }
  for (std::size_t k = 0; k < model.size(); ++k)
    io::copy_parameters(model.layer(k), file.layers[k]);
}

}  // namespace hnn
