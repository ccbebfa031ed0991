// SPDX-License-Identifier: MIT
#pragma once
// A trained model as one standalone C header: export_c(model, path, options).
//
// The header is valid C99 and C++, needs nothing but <math.h> (and
// <stdint.h> for int8), allocates nothing and prints nothing. It holds, for
// a model exported under the name `digits`:
//
//   DIGITS_INPUT_SIZE, DIGITS_OUTPUT_SIZE       floats per sample in and out
//   DIGITS_SCRATCH_FLOATS                       the arena predict works in
//   void digits_predict(const float *input, float *output);
//   void digits_predict_with(const float *input, float *output, float *scratch);
//   float digits_self_test(void);               with ExportOptions::test_inputs
//
// and, in the one file that defines DIGITS_IMPLEMENTATION before including
// it (the stb style), the weights as static const arrays (a microcontroller
// keeps them in flash), the loops of export/c_kernels.hpp the model uses, and
// predict: the steps of the inference plan (export/inference_plan.hpp) as
// one call or loop each.
//
// The arena. A step reads one tensor and writes the next, so two buffers
// are enough, used in turn (ping-pong): each the size of the largest tensor
// it holds. The last step that is not in place writes straight into
// `output`, and the steps after it work there; a Residual block adds one
// buffer per level of nesting for the input it keeps. So for
// Dense(784 → 256), ReLU, Dense(256 → 128), ReLU, Dense(128 → 10):
//   buffer a: 256 floats (Dense 1, then ReLU in place)
//   buffer b: 128 floats (Dense 2, then ReLU in place)
//   output:   10 floats  (Dense 3)
// 384 floats of scratch: 1.5 KiB of RAM. An int8 export keeps int8 tensors
// in its buffers, one byte a number, and quantizes the input into buffer a
// first: 784 + 256 bytes for this model.
//
// int8 (ExportOptions::int8, with a calibration set): export/quantize.hpp
// has the arithmetic, export/plan_run.hpp the steps in int8. The header then
// holds int8 weights, int32 biases and each unit's requantization multiplier
// and shift; predict still takes and gives floats.
//
// The self-test (ExportOptions::test_inputs): the header stores the inputs
// and the outputs hnn computed for them (Sequential::predict for a float
// export; the int8 run of plan_run.hpp, the exact arithmetic the header
// does, for an int8 one), and NAME_self_test() returns the largest absolute
// difference between them and what the compiled header computes.
//
// The file is written like every file hnn writes: to a temporary file, then
// renamed (core/file.hpp), so a failed export leaves no half-written header.

#include <algorithm>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/file.hpp"
#include "hnn/export/c_text.hpp"
#include "hnn/export/c_writer.hpp"
#include "hnn/export/inference_plan.hpp"
#include "hnn/export/plan_run.hpp"
#include "hnn/model/sequential.hpp"

namespace hnn {

/// How export_c writes a model: its name, float or int8, the self-test.
template <typename Scalar>
struct ExportOptions {
  /// The prefix of every name in the header ("digits": digits_predict, DIGITS_INPUT_SIZE).
  std::string name = "model";
  /// Weights and activations in int8 (needs `calibration`); false: float.
  bool int8 = false;
  /// int8: samples like the model's inputs, one per column, whose ranges set the scales.
  Matrix<Scalar> calibration;
  /// Inputs for the self-test, one per column (none: no self-test).
  Matrix<Scalar> test_inputs;
};

/// The C header of a trained model, as text (export_c writes it to a file).
// Throws ArgumentError for a name that is not a C identifier, a layer with
// no C form, a weight that is not finite, an int8 export without a
// calibration set; ShapeError for calibration or test inputs of the wrong size.
template <typename Scalar>
std::string export_c_source(Sequential<Scalar>& model, const ExportOptions<Scalar>& options) {
  using namespace export_detail;
  const std::string& name = options.name;
  if (!is_c_name(name)) {
    throw ArgumentError("export: the name \"" + name +
                        "\" must be a C identifier: a letter, then letters, digits or _ "
                        "(at most 48)");
  }
  const InferencePlan plan = inference_plan(model);
  const Index in = plan.input.size(), out_size = plan.output.size();
  const Index tests = options.test_inputs.size() == 0 ? 0 : options.test_inputs.cols();
  if (tests > 0 && options.test_inputs.rows() != in) {
    std::ostringstream s;
    s << "export: the self-test inputs must hold samples of " << in
      << " values, one per column, but have shape " << options.test_inputs.rows() << " × "
      << options.test_inputs.cols();
    throw ShapeError(s.str());
  }
  Int8Plan q;
  if (options.int8) {
    if (options.calibration.size() == 0) {
      throw ArgumentError(
          "export: an int8 export needs a calibration set (ExportOptions::calibration): samples "
          "like the model's inputs, whose ranges set the scales");
    }
    q = quantize_plan(plan, options.calibration);
  }
  const bool int8 = options.int8 && q.float_tail > 0;
  const std::string M = c_macro_name(name);

  CWriter writer(plan, int8 ? &q : nullptr, name);
  std::ostringstream data, code;
  writer.write_implementation(data, code);

  std::ostringstream h;
  h << "/* " << name << ": a neural network exported by hnn (export_c), "
    << (int8 ? "int8" : "float") << ".\n *\n";
  h << " * Input: " << in << " floats, one sample of shape " << ascii(plan.input.str())
    << " in hnn's memory order\n * (an image pixel by pixel, row by row, each pixel's "
       "channels together).\n * Output: "
    << out_size << " floats.\n *\n";
  h << " * The model:\n";
  for (const std::string& line : plan.layers)
    h << " *   " << ascii(line) << '\n';
  h << " * What predict does (the inference plan):\n";
  for (std::size_t k = 0; k < plan.steps.size(); ++k) {
    h << " *   " << k << ": " << ascii(plan.steps[k].what)
      << (int8 && k >= q.float_tail ? " (in float, on the output)" : "") << '\n';
  }
  if (int8) {
    h << " * int8: weights with one scale per output unit, activations with one scale\n"
         " * per tensor from the largest |value| of "
      << options.calibration.cols()
      << " calibration samples, int32 sums,\n * integer requantization; input and output stay "
         "float.\n";
  }
  h << " * Weights: " << writer.weight_bytes()
    << " bytes of constants; scratch: " << writer.scratch_floats() * 4 << " bytes.\n *\n";
  h << " * In exactly one C or C++ file:\n"
       " *     #define "
    << M << "_IMPLEMENTATION\n *     #include \"this header\"\n"
    << " * elsewhere only the #include. Then\n"
       " *     float out["
    << M << "_OUTPUT_SIZE];\n *     " << name << "_predict(input, out);\n"
    << " * " << name << "_predict uses a static arena; " << name
    << "_predict_with(input, out, scratch) the caller's\n"
       " * float scratch["
    << M << "_SCRATCH_FLOATS], for threads or interrupts that predict at once.\n */\n";
  h << "#ifndef " << M << "_MODEL_H\n#define " << M << "_MODEL_H\n\n";
  h << "#define " << M << "_INPUT_SIZE " << in << "\n";
  h << "#define " << M << "_OUTPUT_SIZE " << out_size << "\n";
  h << "#define " << M << "_SCRATCH_FLOATS " << writer.scratch_floats() << "\n";
  if (tests > 0) h << "#define " << M << "_TEST_COUNT " << tests << "\n";
  h << "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n";
  h << "void " << name << "_predict(const float *input, float *output);\n";
  h << "void " << name << "_predict_with(const float *input, float *output, float *scratch);\n";
  if (tests > 0) {
    h << "/* The largest |output - expected| over the stored test inputs. */\n";
    h << "float " << name << "_self_test(void);\n";
  }
  h << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << M << "_MODEL_H */\n\n";
  h << "#ifdef " << M << "_IMPLEMENTATION\n\n#include <math.h>\n";
  if (int8) h << "#include <stdint.h>\n";
  h << "\n" << writer.types() << data.str() << "\n" << code.str() << "\n";
  h << "static float " << name << "_arena[" << M << "_SCRATCH_FLOATS];\n\n";
  h << "void " << name << "_predict(const float *input, float *output)\n{\n    " << name
    << "_predict_with(input, output, " << name << "_arena);\n}\n";

  if (tests > 0) {
    std::vector<std::vector<float>> inputs, expected;
    const Matrix<Scalar> predicted = int8 ? Matrix<Scalar>() : model.predict(options.test_inputs);
    for (Index j = 0; j < tests; ++j) {
      std::vector<float> x(static_cast<std::size_t>(in));
      for (Index i = 0; i < in; ++i)
        x[std::size_t(i)] = float(options.test_inputs(i, j));
      std::vector<float> y;
      if (int8) {
        y = run_plan_int8(plan, q, x.data());
      } else {
        for (Index i = 0; i < out_size; ++i)
          y.push_back(float(predicted(i, j)));
      }
      inputs.push_back(std::move(x));
      expected.push_back(std::move(y));
    }
    h << "\n/* The self-test: inputs, and the outputs hnn computed for them"
      << (int8 ? " (its int8 arithmetic)" : "") << ". */\n";
    write_c_table(h, name + "_test_inputs", M + "_TEST_COUNT", M + "_INPUT_SIZE", inputs,
                  "a self-test input");
    write_c_table(h, name + "_test_outputs", M + "_TEST_COUNT", M + "_OUTPUT_SIZE", expected,
                  "a self-test output");
    h << "\nfloat " << name << "_self_test(void)\n{\n"
      << "    float out[" << M << "_OUTPUT_SIZE], worst = 0.0f;\n"
      << "    for (int k = 0; k < " << M << "_TEST_COUNT; ++k) {\n"
      << "        " << name << "_predict(" << name << "_test_inputs[k], out);\n"
      << "        for (int i = 0; i < " << M << "_OUTPUT_SIZE; ++i) {\n"
      << "            const float d = fabsf(out[i] - " << name << "_test_outputs[k][i]);\n"
      << "            if (!(d <= worst)) /* a NaN is the worst of all */\n"
      << "                worst = d;\n"
      << "        }\n    }\n    return worst;\n}\n";
  }
  h << "\n#endif /* " << M << "_IMPLEMENTATION */\n";
  return h.str();
}

/// Writes the C header of a trained model to `path`, atomically (export_c_source has the text).
template <typename Scalar>
void export_c(Sequential<Scalar>& model, const std::string& path,
              const ExportOptions<Scalar>& options = ExportOptions<Scalar>()) {
  write_file_atomically(path, export_c_source(model, options));
}

}  // namespace hnn
