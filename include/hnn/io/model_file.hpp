// SPDX-License-Identifier: MIT
#pragma once
// Saving and loading models. The file (version 2) is little-endian:
//
//   bytes   field
//   8       magic "HNNMODEL"
//   4       u32 format version (2)
//   1       u8 scalar size in bytes: 4 (float) or 8 (double)
//   4       u32 input rank r, then r × u64: the shape of one input sample
//   4       u32 layer count, then for each layer:
//             string type name                 (u32 length, then the bytes)
//             u32 setting count, then for each: string name, then
//               u8 0 and f64 value (a number), or u8 1 and string (a word)
//             u32 parameter count, then for each a tensor:
//               string name, u64 rows, u64 cols,
//               rows × cols scalars, column by column
//             u32 buffer count, then for each a tensor
//   1       u8 1 if a training state follows (a checkpoint: io/checkpoint.hpp), else 0
//   8       u64 FNV-1a checksum of every byte before it
//
// Version 1 (hnn 0.1) is read too: a u64 input size instead of the shape,
// settings as f64 only, no buffers, no training state.
//
// Version 3 is version 2 with one more field in each layer's record, after
// its buffers: f64 λ₁ and f64 λ₂, the penalty on the layer's weights
// (core/penalty.hpp; 0 and 0 for none). save_model writes version 3 only
// for a model with a penalty; any other model is written as version 2, byte
// for byte what hnn wrote before penalties existed, which earlier releases
// read too. A version-1 or -2 file loads with no penalties.
//
// A layer that holds other layers (layers/residual.hpp) is one record like
// any other: its inner layers' type names and settings are among its settings,
// their tensors among its own, so the format needs no field for them.
//
// save_model writes a temporary file and renames it over the target, so a
// crash mid-save leaves the old file (or none), never half of one.
// load_model rebuilds a model from the file alone; load_weights fills a model
// built in code after checking that its architecture is the file's. Both
// check everything (magic, version, checksum, scalar type, sizes, names,
// values that must be finite) and throw FileError naming the file and what is
// wrong. Nothing is sized from a number the bytes present cannot back: counts
// and tensor sizes are checked against the bytes left, and a layer's settings
// against the tensors read before the layer is built (LayerRegistry's
// Values); running out of memory is a FileError too.

#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/exact_number.hpp"
#include "hnn/core/penalty.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/io/binary.hpp"
#include "hnn/io/registry.hpp"
#include "hnn/model/history.hpp"
#include "hnn/model/sequential.hpp"
#include "hnn/model/training_state.hpp"
#include "hnn/optimizers/optimizer.hpp"

namespace hnn {

namespace io {

/// The 8 bytes a model file starts with, "HNNMODEL".
constexpr char model_magic[8] = {'H', 'N', 'N', 'M', 'O', 'D', 'E', 'L'};
constexpr std::uint32_t model_version = 3;  ///< the newest read; 2 is written without penalties
constexpr std::size_t max_model_bytes = std::size_t(1) << 32;  ///< the largest file read: 4 GiB
/// The longest generator state read: Random::state() is about 6 KB of text.
// Nothing else stored is longer than 256 bytes.
constexpr std::size_t max_random_state_bytes = 1 << 16;
/// The most settings one layer may have: a Residual holds its inner layers' too.
constexpr std::uint32_t max_layer_settings = 1024;
/// The most tensors one layer may have, counting a Residual's inner layers'.
constexpr std::uint32_t max_layer_tensors = 1024;

/// Writes a value as the model's scalar: f32 for float, f64 for double.
template <typename Scalar>
void write_scalar(ByteWriter& w, Scalar v) {
  if constexpr (sizeof(Scalar) == 4) {
    w.f32(float(v));
  } else {
    w.f64(double(v));
  }
}
/// Reads a value written by write_scalar.
template <typename Scalar>
Scalar read_scalar(ByteReader& r) {
  if constexpr (sizeof(Scalar) == 4) {
    return Scalar(r.f32("a tensor value"));
  } else {
    return Scalar(r.f64("a tensor value"));
  }
}

/// A tensor: string name, u64 rows, u64 cols, the values column by column.
template <typename Scalar, typename Derived>
void write_tensor(ByteWriter& w, const std::string& name, const Eigen::MatrixBase<Derived>& m) {
  w.string(name);
  w.u64(std::uint64_t(m.rows()));
  w.u64(std::uint64_t(m.cols()));
  for (Index j = 0; j < m.cols(); ++j)
    for (Index i = 0; i < m.rows(); ++i)
      write_scalar<Scalar>(w, Scalar(m(i, j)));
}

/// A count of items of at least `min_bytes` each: no more than the bytes left can hold.
// So a corrupt count fails here, before anything is allocated.
inline std::uint32_t read_count(ByteReader& r, const char* what, std::size_t min_bytes,
                                std::uint32_t limit) {
  const std::uint32_t n = r.u32(what);
  if (n > limit || std::uint64_t(n) * min_bytes > r.remaining()) {
    r.fail(std::string(what) + " " + std::to_string(n) + " is more than the file can hold");
  }
  return n;
}

/// A tensor's u64 rows, u64 cols and values (after its name), every value finite.
template <typename Scalar>
Matrix<Scalar> read_tensor_values(ByteReader& r, const std::string& name) {
  const std::uint64_t rows = r.u64("a tensor's rows"), cols = r.u64("a tensor's columns");
  // rows · cols scalars must fit in what is left (checked without overflow).
  const std::uint64_t fit = r.remaining() / sizeof(Scalar);
  const std::uint64_t side = std::uint64_t(1) << 31;  // each side must fit an Index, too
  if (rows > side || cols > side || rows > fit || (rows > 0 && cols > fit / rows)) {
    r.fail("tensor " + name + " claims " + std::to_string(rows) + " × " + std::to_string(cols) +
           " values, more than the file holds (truncated or corrupt)");
  }
  Matrix<Scalar> m(static_cast<Index>(rows), static_cast<Index>(cols));
  for (Index n = 0; n < m.size(); ++n)
    m.data()[n] = read_scalar<Scalar>(r);
  return m;
}

/// What a model file holds, read and checked but not yet turned into layers.
template <typename Scalar>
struct ModelFile {
  /// A named tensor, as stored.
  struct Tensor {
    std::string name;      ///< its name ("W")
    Matrix<Scalar> value;  ///< its values
  };
  /// One layer as stored: its type name, settings, parameters, buffers and penalty.
  struct LayerEntry {
    std::string type;                ///< the registered type name
    Settings settings;               ///< its settings
    std::vector<Tensor> parameters;  ///< its parameters, in the layer's order
    std::vector<Tensor> buffers;     ///< its buffers, in the layer's order
    Penalty penalty;                 ///< on the weights (version 3; none before)
  };
  /// A checkpoint's training state (io/checkpoint.hpp).
  struct Training {
    OptimizerState<Scalar> optimizer;   ///< the optimizer's state
    TrainingPosition<Scalar> position;  ///< where the run stands
  };
  std::uint32_t version = model_version;  ///< the format version the file was written in
  Shape input_shape;                      ///< the shape of one input sample
  std::vector<LayerEntry> layers;         ///< the layers, in order
  std::optional<Training> training;       ///< a checkpoint's training state, if the file holds one
};

/// Throws FileError unless every value of the tensor is finite.
// A checksum proves the bytes are the ones written, not that training had not
// gone bad before they were.
template <typename Scalar>
void check_finite_tensor(const ByteReader& r, const Matrix<Scalar>& m, const std::string& name) {
  if (m.allFinite()) return;
  for (Index n = 0; n < m.size(); ++n) {  // where the first bad value is
    if (!std::isfinite(double(m.data()[n]))) {
      std::ostringstream s;
      s << "tensor " << name << " holds " << m.data()[n] << " at row " << n % m.rows()
        << ", column " << n / m.rows() << ": a model's numbers must be finite";
      r.fail(s.str());
    }
  }
}

/// A layer's parameters or buffers: named tensors, every value finite.
template <typename Scalar>
std::vector<typename ModelFile<Scalar>::Tensor> read_tensors(ByteReader& r, const char* what,
                                                             std::size_t k) {
  std::vector<typename ModelFile<Scalar>::Tensor> tensors;
  const std::uint32_t n = read_count(r, what, 4 + 16, max_layer_tensors);
  for (std::uint32_t i = 0; i < n; ++i) {
    typename ModelFile<Scalar>::Tensor t;
    t.name = r.string("a tensor name");
    const std::string where = t.name + " of layer " + std::to_string(k);
    t.value = read_tensor_values<Scalar>(r, where);
    check_finite_tensor(r, t.value, where);
    tensors.push_back(std::move(t));
  }
  return tensors;
}

template <typename Scalar>
void write_training(ByteWriter& w, const typename ModelFile<Scalar>::Training& t);
template <typename Scalar>
typename ModelFile<Scalar>::Training read_training(ByteReader& r);

/// Parses a model file's bytes; `path` names them in error messages.
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
  if (version < 1 || version > model_version) {
    r.fail("format version " + std::to_string(version) + "; this hnn reads versions 1 to " +
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
  file.version = version;
  if (version == 1) {
    const std::uint64_t input_size = c.u64("the input size");
    if (input_size == 0 || input_size > 100000000)
      c.fail("invalid input size " + std::to_string(input_size));
    file.input_shape = Shape(Index(input_size));
  } else {
    const std::uint32_t rank = c.u32("the input rank");
    if (rank < 1 || rank > std::uint32_t(Shape::max_rank))
      c.fail("invalid input rank " + std::to_string(rank));
    Index dims[Shape::max_rank];
    double values = 1;
    for (std::uint32_t k = 0; k < rank; ++k) {
      const std::uint64_t d = c.u64("an input dimension");
      values *= double(d);
      if (d == 0 || values > 1e8) c.fail("invalid input dimension " + std::to_string(d));
      dims[k] = Index(d);
    }
    file.input_shape = Shape(dims, int(rank));
  }
  const std::uint32_t layers = read_count(c, "the layer count", 4 + 12, 100000);
  for (std::uint32_t k = 0; k < layers; ++k) {
    typename ModelFile<Scalar>::LayerEntry layer;
    layer.type = c.string("a layer type name");
    const std::uint32_t settings = c.u32("a setting count");
    if (settings > max_layer_settings)
      c.fail("layer " + std::to_string(k) + " has an implausible setting count");
    for (std::uint32_t i = 0; i < settings; ++i) {
      std::string name = c.string("a setting name");
      const std::uint8_t kind = version == 1 ? 0 : c.u8("a setting's kind");
      if (kind == 0) {
        layer.settings.emplace_back(std::move(name), Setting(c.f64("a setting value")));
      } else if (kind == 1) {
        layer.settings.emplace_back(std::move(name), Setting(c.string("a setting word")));
      } else {
        c.fail("setting " + name + " of layer " + std::to_string(k) + " has an unknown kind " +
               std::to_string(kind));
      }
    }
    layer.parameters = read_tensors<Scalar>(c, "a parameter count", k);
    if (version >= 2) layer.buffers = read_tensors<Scalar>(c, "a buffer count", k);
    if (version >= 3) {
      layer.penalty.l1 = c.f64("a penalty's l1");
      layer.penalty.l2 = c.f64("a penalty's l2");
      try {
        layer.penalty.check("layer " + std::to_string(k));
      } catch (const ArgumentError& e) {
        c.fail(e.what());
      }
    }
    file.layers.push_back(std::move(layer));
  }
  if (version >= 2) {
    const std::uint8_t more = c.u8("the training-state flag");
    if (more > 1) c.fail("invalid training-state flag " + std::to_string(more));
    if (more == 1) file.training = read_training<Scalar>(c);
  }
  if (c.remaining() != 0)
    c.fail(std::to_string(c.remaining()) + " unexpected bytes after the last layer");
  return file;
}

/// Reads and checks the model file at `path`.
template <typename Scalar>
ModelFile<Scalar> read_model_file(const std::string& path) {
  const std::vector<unsigned char> bytes = read_file(path, max_model_bytes);
  return parse_model_file<Scalar>(bytes.data(), bytes.size(), path);
}

/// The file's bytes for a model, with a training state if given.
template <typename Scalar>
std::vector<unsigned char> model_file_bytes(
    Sequential<Scalar>& model, const typename ModelFile<Scalar>::Training* training = nullptr) {
  static_assert(sizeof(Scalar) == 4 || sizeof(Scalar) == 8, "hnn model files hold float or double");
  ByteWriter w;
  w.raw(model_magic, sizeof(model_magic));
  const std::uint32_t version = model.has_penalty() ? 3 : 2;  // the oldest that holds the model
  w.u32(version);
  w.u8(std::uint8_t(sizeof(Scalar)));
  const Shape& in = model.input_shape();
  w.u32(std::uint32_t(in.rank()));
  for (int k = 0; k < in.rank(); ++k)
    w.u64(std::uint64_t(in[k]));
  w.u32(std::uint32_t(model.size()));
  for (std::size_t k = 0; k < model.size(); ++k) {
    Layer<Scalar>& layer = model.layer(k);
    w.string(layer.type_name());
    const Settings settings = layer.settings();
    w.u32(std::uint32_t(settings.size()));
    for (const auto& kv : settings) {
      w.string(kv.first);
      if (kv.second.is_number()) {
        w.u8(0);
        w.f64(kv.second.number());
      } else {
        w.u8(1);
        w.string(kv.second.word());
      }
    }
    const auto params = layer.parameters();
    w.u32(std::uint32_t(params.size()));
    for (const auto& p : params)
      write_tensor<Scalar>(w, p.name(), p.value());
    const auto buffers = layer.buffers();
    w.u32(std::uint32_t(buffers.size()));
    for (const auto& b : buffers)
      write_tensor<Scalar>(w, b.name(), b.value());
    if (version >= 3) {
      w.f64(model.penalty(k).l1);
      w.f64(model.penalty(k).l2);
    }
  }
  w.u8(training ? 1 : 0);
  if (training) write_training<Scalar>(w, *training);
  w.u64(fnv1a(w.bytes().data(), w.bytes().size()));
  return w.bytes();
}

/// Throws FileError unless `layer` matches what the file says about it.
template <typename Scalar>
void check_layer_matches(const std::string& path, std::size_t k, Layer<Scalar>& layer,
                         const typename ModelFile<Scalar>::LayerEntry& entry) {
  const std::string where = path + ": layer " + std::to_string(k) + ": ";
  if (layer.type_name() != entry.type) {
    throw FileError(where + "the file has " + entry.type + ", the model has " + layer.describe());
  }
  if (layer.settings() != entry.settings) {
    throw FileError(where + "settings differ: the file has " + settings_string(entry.settings) +
                    ", the model has " + layer.describe());
  }
  const auto check = [&](const auto& mine, const auto& theirs, const char* what) {
    if (mine.size() != theirs.size()) {
      throw FileError(where + "the file has " + std::to_string(theirs.size()) + " " + what +
                      "s, the layer " + std::to_string(mine.size()));
    }
    for (std::size_t i = 0; i < mine.size(); ++i) {
      const auto& t = theirs[i];
      if (mine[i].name() != t.name || mine[i].rows() != t.value.rows() ||
          mine[i].cols() != t.value.cols()) {
        throw FileError(where + what + " " + t.name + " " + shape_string(t.value) +
                        " in the file, " + mine[i].name() + " " +
                        shape_string(mine[i].rows(), mine[i].cols()) + " in the model");
      }
    }
  };
  check(layer.parameters(), entry.parameters, "parameter");
  check(layer.buffers(), entry.buffers, "buffer");
}

/// Copies the file's parameter and buffer values into `layer` (checked before).
template <typename Scalar>
void copy_tensors(Layer<Scalar>& layer, const typename ModelFile<Scalar>::LayerEntry& entry) {
  const auto params = layer.parameters();
  for (std::size_t i = 0; i < params.size(); ++i)
    params[i].value() = entry.parameters[i].value;
  const auto buffers = layer.buffers();
  for (std::size_t i = 0; i < buffers.size(); ++i)
    buffers[i].value() = entry.buffers[i].value;
}

/// Throws FileError unless the model has the file's architecture.
// The input shape, the layers, their settings and tensor shapes.
template <typename Scalar>
void check_architecture(const std::string& path, Sequential<Scalar>& model,
                        const ModelFile<Scalar>& file) {
  if (file.input_shape != model.input_shape() || file.layers.size() != model.size()) {
    std::ostringstream s;
    s << path << ": architecture mismatch: the file has " << file.layers.size()
      << " layers on inputs of " << file.input_shape << ", the model " << model.size()
      << " layers on inputs of " << model.input_shape();
    throw FileError(s.str());
  }
  for (std::size_t k = 0; k < model.size(); ++k)
    check_layer_matches(path, k, model.layer(k), file.layers[k]);
}

/// Runs a load, turning running out of memory into a FileError.
// Whatever a file claims, a load ends in an hnn error, never in std::bad_alloc.
template <typename F>
auto guard_memory(const std::string& path, F&& load) -> decltype(load()) {
  try {
    return load();
  } catch (const std::bad_alloc&) {
    throw FileError(path +
                    ": not enough memory to load it (the sizes it gives are larger than "
                    "this process can hold)");
  }
}

}  // namespace io

/// Writes the model's architecture, parameters and buffers to `path`, atomically.
template <typename Scalar>
void save_model(Sequential<Scalar>& model, const std::string& path) {
  write_file_atomically(path, io::model_file_bytes(model));
}

namespace io {

/// A model from what a file holds, through the registry.
template <typename Scalar>
Sequential<Scalar> build_model(const ModelFile<Scalar>& file, const std::string& path,
                               const LayerRegistry<Scalar>& registry) {
  Sequential<Scalar> model(file.input_shape);
  for (std::size_t k = 0; k < file.layers.size(); ++k) {
    const auto& entry = file.layers[k];
    const std::string where = path + ": layer " + std::to_string(k) + " (" + entry.type + "): ";
    try {
      // Before the layer is built (and sizes its tensors from its settings):
      // its settings must describe the tensors the file holds, which the
      // bytes present bound. So settings that claim gigabytes fail here.
      const std::optional<double> claimed = registry.values(entry.type, entry.settings);
      double held = 0;
      for (const auto* tensors : {&entry.parameters, &entry.buffers})
        for (const auto& t : *tensors)
          held += double(t.value.size());
      if (claimed && *claimed != held) {
        std::ostringstream s;
        s << where << "its settings (" << settings_string(entry.settings) << ") make "
          << exact_number(*claimed) << " parameter and buffer values, but the file holds "
          << exact_number(held) << " (corrupt file)";
        throw FileError(s.str());
      }
      model.add(registry.make(entry.type, entry.settings), entry.penalty);
    } catch (const FileError&) {
      throw;
    } catch (const Error& e) {
      throw FileError(where + e.what());
    }
    check_layer_matches(path, k, model.layer(k), entry);
    copy_tensors(model.layer(k), entry);
  }
  return model;
}

}  // namespace io

/// Rebuilds a model from the file alone; custom layers need a registry that knows them.
// A checkpoint's training state, if any, is not needed for that and is ignored.
template <typename Scalar>
Sequential<Scalar> load_model(const std::string& path, const LayerRegistry<Scalar>& registry =
                                                           LayerRegistry<Scalar>::builtin()) {
  return io::guard_memory(
      path, [&] { return io::build_model(io::read_model_file<Scalar>(path), path, registry); });
}

/// The same from bytes in memory (a model received over a network, a fuzzer's input).
// `name` stands for the file name in error messages.
template <typename Scalar>
Sequential<Scalar> parse_model(
    const unsigned char* data, std::size_t size, const std::string& name = "<memory>",
    const LayerRegistry<Scalar>& registry = LayerRegistry<Scalar>::builtin()) {
  return io::guard_memory(name, [&] {
    return io::build_model(io::parse_model_file<Scalar>(data, size, name), name, registry);
  });
}

/// Loads the file's parameters and buffers into a model built in code.
// The architectures are checked first, layer by layer; the model is
// unchanged if anything does not match.
template <typename Scalar>
void load_weights(Sequential<Scalar>& model, const std::string& path) {
  const auto file = io::guard_memory(path, [&] { return io::read_model_file<Scalar>(path); });
  io::check_architecture(path, model, file);
  for (std::size_t k = 0; k < model.size(); ++k)
    io::copy_tensors(model.layer(k), file.layers[k]);
}

namespace io {

/// Writes a checkpoint's training state (the layout below).
// The training state of a checkpoint, after the layers:
//   string optimizer name, u64 steps, f64 learning rate,
//   u32 kinds, then for each: string kind, u32 tensors, then for each: u64 rows, u64 cols, values
//   u32 epochs done, string order generator state, string layer generator state,
//   u32 sample-order length n (0: not shuffled), then n × u32: the sample order
//   u32 history series, then for each: string name, u32 count, count × f64
//   u32 callback values, then for each: string name, f64
//   u32 callback tensors, then for each a tensor
template <typename Scalar>
void write_training(ByteWriter& w, const typename ModelFile<Scalar>::Training& t) {
  const OptimizerState<Scalar>& o = t.optimizer;
  w.string(o.optimizer);
  w.u64(std::uint64_t(o.steps));
  w.f64(o.learning_rate);
  w.u32(std::uint32_t(o.tensors.size()));
  for (const auto& kind : o.tensors) {
    w.string(kind.first);
    w.u32(std::uint32_t(kind.second.size()));
    for (const auto& m : kind.second) {
      w.u64(std::uint64_t(m.rows()));
      w.u64(std::uint64_t(m.cols()));
      for (Index n = 0; n < m.size(); ++n)
        write_scalar<Scalar>(w, m.data()[n]);
    }
  }
  const TrainingPosition<Scalar>& p = t.position;
  w.u32(std::uint32_t(p.epochs_done));
  w.string(p.order_random);
  w.string(p.layer_random);
  w.u32(std::uint32_t(p.order.size()));
  for (const Index i : p.order)
    w.u32(std::uint32_t(i));
  const auto names = p.history.names();
  w.u32(std::uint32_t(names.size()));
  for (const auto& name : names) {
    w.string(name);
    const auto& series = p.history[name];
    w.u32(std::uint32_t(series.size()));
    for (double v : series)
      w.f64(v);
  }
  w.u32(std::uint32_t(p.values.size()));
  for (const auto& v : p.values) {
    w.string(v.first);
    w.f64(v.second);
  }
  w.u32(std::uint32_t(p.tensors.size()));
  for (const auto& tensor : p.tensors)
    write_tensor<Scalar>(w, tensor.first, tensor.second);
}

/// Reads a checkpoint's training state written by write_training.
template <typename Scalar>
typename ModelFile<Scalar>::Training read_training(ByteReader& r) {
  typename ModelFile<Scalar>::Training t;
  OptimizerState<Scalar>& o = t.optimizer;
  o.optimizer = r.string("the optimizer's name");
  const std::uint64_t steps = r.u64("the optimizer's step count");
  if (steps > std::uint64_t(1) << 53) r.fail("implausible step count " + std::to_string(steps));
  o.steps = long(steps);
  o.learning_rate = r.f64("the learning rate");
  const std::uint32_t kinds = read_count(r, "the optimizer's state count", 8, 16);
  for (std::uint32_t i = 0; i < kinds; ++i) {
    std::string kind = r.string("an optimizer state's name");
    const std::uint32_t n = read_count(r, "an optimizer state's tensor count", 16, 1 << 20);
    std::vector<Matrix<Scalar>> tensors;
    for (std::uint32_t k = 0; k < n; ++k) {
      const std::string where = "optimizer state " + kind + " " + std::to_string(k);
      tensors.push_back(read_tensor_values<Scalar>(r, where));
      check_finite_tensor(r, tensors.back(), where);
    }
    o.tensors.emplace_back(std::move(kind), std::move(tensors));
  }
  TrainingPosition<Scalar>& p = t.position;
  const std::uint32_t epochs = r.u32("the epochs done");
  if (epochs > 100000000) r.fail("implausible count of epochs done " + std::to_string(epochs));
  p.epochs_done = int(epochs);
  p.order_random = r.string("a generator's state", max_random_state_bytes);
  p.layer_random = r.string("a generator's state", max_random_state_bytes);
  for (const std::string* s : {&p.order_random, &p.layer_random}) {
    try {
      Random().set_state(*s);
    } catch (const ArgumentError&) {
      r.fail("a generator's state is not one that Random::state() writes");
    }
  }
  const std::uint32_t order = read_count(r, "the sample order's length", 4, 1u << 31);
  p.order.resize(order);
  for (std::uint32_t k = 0; k < order; ++k) {
    const std::uint32_t i = r.u32("a sample index");
    if (i >= order)
      r.fail("the sample order names sample " + std::to_string(i) + " of " + std::to_string(order));
    p.order[k] = Index(i);
  }
  const std::uint32_t series = read_count(r, "the history's series count", 8, 1024);
  for (std::uint32_t i = 0; i < series; ++i) {
    const std::string name = r.string("a history series' name");
    if (p.history.has(name)) r.fail("the history has two series named " + name);
    const std::uint32_t n = read_count(r, "a history series' length", 8, 100000000);
    for (std::uint32_t k = 0; k < n; ++k)
      p.history.record(name, r.f64("a history value"));
  }
  const std::uint32_t values = read_count(r, "the callback value count", 12, 1 << 16);
  for (std::uint32_t i = 0; i < values; ++i) {
    std::string name = r.string("a callback value's name");
    p.values.emplace_back(std::move(name), r.f64("a callback value"));
  }
  const std::uint32_t tensors = read_count(r, "the callback tensor count", 20, 1 << 16);
  for (std::uint32_t i = 0; i < tensors; ++i) {
    std::string name = r.string("a callback tensor's name");
    Matrix<Scalar> m = read_tensor_values<Scalar>(r, name);
    check_finite_tensor(r, m, name);
    p.tensors.emplace_back(std::move(name), std::move(m));
  }
  return t;
}

}  // namespace io

}  // namespace hnn
