// SPDX-License-Identifier: MIT
// hnn-export: a saved model (save_model's .hnn file) as one standalone C
// header, through hnn::export_c (include/hnn/export/export_c.hpp).
//
//   hnn-export model.hnn --name digits -o digits_model.h
//   hnn-export model.hnn --name digits --int8 --calibrate train-images-idx3-ubyte
//       --calibrate-limit 1000 --with-test 5 -o digits_model.h       (one line)
//   hnn-export moons.hnn --name moons --with-test 4 --test-inputs points.csv
//
// The model file may hold floats or doubles: the tool reads the scalar type
// from the file's header and loads the model as it was saved.
//
// A data file (--calibrate, --test-inputs) is told apart by its first bytes:
//   IDX images (MNIST's format, plain or gzip-compressed): one sample per
//     image, its pixels row by row divided by 255 into [0, 1], the way
//     load_mnist reads them by default (PixelScale::unit);
//   anything else is read as CSV (data/csv.hpp): one sample per line, every
//     column an input in the order of the file, unless --label-column names
//     one column (by its header name, or by index: 0 the first, -1 the last)
//     to leave out, as a CSV of training data with its target would need.
//     --no-header for a file whose first line is already data.
// The samples must have as many values as the model's input.
//
// --calibrate-limit N keeps the first N samples of the calibration set;
// --with-test K stores the first K samples of --test-inputs, or without it
// of --calibrate, and the outputs hnn computes for them, as the header's
// NAME_self_test().
//
// Exit codes: 0 written; 1 anything wrong, with one line on stderr naming
// the file or option: a missing, corrupt or unreadable model file, a layer
// type the exporter does not know or a custom layer (which only a program
// that registers it can load), --int8 without --calibrate, a --name that
// is not a C identifier, samples of the wrong size, an unwritable output.
#include <cxxopts.hpp>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"

namespace {

// A mistake on the command line (an option missing, a bad value).
struct UsageError : hnn::Error {
  using hnn::Error::Error;
};

// The size of the scalars a model file holds (4: float, 8: double), from its
// header: 8 bytes of magic, a u32 version, then one byte. 0 when the file is
// too short or not a model file; load_model then says what is wrong.
unsigned model_scalar_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw hnn::FileError(path + ": cannot open the model file");
  char head[13] = {};
  in.read(head, sizeof head);
  if (in.gcount() != std::streamsize(sizeof head)) return 0;
  if (std::string(head, 8) != "HNNMODEL") return 0;
  return static_cast<unsigned char>(head[12]);
}

// Whether the file starts like an IDX file (0x00 0x00 type dims) or a gzip one.
bool looks_like_idx(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw hnn::FileError(path + ": cannot open the data file");
  unsigned char head[3] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  if (in.gcount() < 2) return false;
  if (head[0] == 0x1f && head[1] == 0x8b) return true;  // gzip
  return in.gcount() == 3 && head[0] == 0 && head[1] == 0 && head[2] == 0x08;
}

// The row --label-column names in a CSV file's features: a header name or an index.
hnn::Index csv_row_to_drop(const hnn::CsvData<double>& csv, const std::string& column,
                           const std::string& path) {
  const hnn::Index n = hnn::Index(csv.feature_names.size());
  std::size_t used = 0;
  long index = 0;
  bool numeric = false;
  try {
    index = std::stol(column, &used);
    numeric = used == column.size();
  } catch (const std::exception&) {
    numeric = false;
  }
  if (numeric) {
    const long k = index < 0 ? index + long(n) : index;
    if (k < 0 || k >= long(n)) {
      throw UsageError(path + ": --label-column " + column + " is not a column: the file has " +
                       std::to_string(n) + " (0 … " + std::to_string(n - 1) + ", or -1 the last)");
    }
    return hnn::Index(k);
  }
  for (hnn::Index k = 0; k < n; ++k) {
    if (csv.feature_names[std::size_t(k)] == column) return k;
  }
  throw UsageError(path + ": --label-column \"" + column + "\" names no column of the header");
}

// The samples of an IDX images file or a CSV file, one per column.
template <typename Scalar>
hnn::Matrix<Scalar> read_samples(const std::string& path, const std::string& option,
                                 const cxxopts::ParseResult& args, hnn::Index input_size) {
  hnn::Matrix<Scalar> X;
  std::string kind;
  if (looks_like_idx(path)) {
    X = hnn::read_idx_images<Scalar>(path, hnn::PixelScale::unit);
    kind = "IDX images of " + std::to_string(X.rows()) + " pixels";
  } else {
    hnn::CsvOptions csv_options;
    csv_options.header = !args.count("no-header");
    // Read as double, every column a feature, then drop the label column if
    // one is named: it may hold any numbers, not only class indices.
    const auto csv = hnn::read_csv<double>(path, csv_options);
    hnn::Matrix<double> all = csv.X;
    if (args.count("label-column")) {
      const hnn::Index drop = csv_row_to_drop(csv, args["label-column"].as<std::string>(), path);
      hnn::Matrix<double> kept(all.rows() - 1, all.cols());
      kept.topRows(drop) = all.topRows(drop);
      kept.bottomRows(all.rows() - 1 - drop) = all.bottomRows(all.rows() - 1 - drop);
      all = kept;
    }
    X = all.cast<Scalar>();
    kind = "CSV rows of " + std::to_string(X.rows()) + " columns";
  }
  if (X.rows() != input_size) {
    std::ostringstream s;
    s << path << " (" << option << "): " << kind << ", but the model's input has " << input_size
      << " values per sample";
    if (kind[0] == 'C' && !args.count("label-column")) {
      s << " (--label-column COLUMN leaves a target column out)";
    }
    throw hnn::ShapeError(s.str());
  }
  return X;
}

long positive(const cxxopts::ParseResult& args, const char* option) {
  const long v = args[option].as<long>();
  if (v < 1)
    throw UsageError(std::string("--") + option + " must be at least 1, got " + std::to_string(v));
  return v;
}

template <typename Scalar>
int run(const cxxopts::ParseResult& args, const std::string& model_path, const std::string& out) {
  hnn::Sequential<Scalar> model = hnn::load_model<Scalar>(model_path);
  const hnn::Index in = model.input_shape().size();

  hnn::ExportOptions<Scalar> options;
  options.name = args["name"].as<std::string>();
  options.int8 = args.count("int8") > 0;

  hnn::Matrix<Scalar> calibration;
  if (args.count("calibrate")) {
    calibration =
        read_samples<Scalar>(args["calibrate"].as<std::string>(), "--calibrate", args, in);
    if (args.count("calibrate-limit")) {
      const long limit = positive(args, "calibrate-limit");
      if (calibration.cols() > limit) calibration = calibration.leftCols(limit).eval();
    }
  }
  if (options.int8) options.calibration = calibration;

  if (args.count("with-test")) {
    const long k = positive(args, "with-test");
    const bool own = args.count("test-inputs") > 0;
    const std::string source =
        own ? args["test-inputs"].as<std::string>() : args["calibrate"].as<std::string>();
    const hnn::Matrix<Scalar> samples =
        own ? read_samples<Scalar>(source, "--test-inputs", args, in) : calibration;
    if (samples.cols() < k) {
      throw UsageError("--with-test " + std::to_string(k) + ": " + source + " holds only " +
                       std::to_string(samples.cols()) + " samples" +
                       (own ? "" : " (after --calibrate-limit)"));
    }
    options.test_inputs = samples.leftCols(k);
  }

  const std::string text = hnn::export_c_source(model, options);
  hnn::write_file_atomically(out, text.data(), text.size());
  const bool int8 = text.find("#include <stdint.h>") != std::string::npos;
  std::cout << "hnn-export: wrote " << out << " (" << text.size() << " bytes): " << options.name
            << ", " << (int8 ? "int8" : "float") << ", " << in << " inputs, "
            << model.output_shape().size() << " outputs";
  if (options.int8) std::cout << ", calibrated on " << calibration.cols() << " samples";
  if (options.int8 && !int8) std::cout << " (no layer has int8 weights: written in float)";
  if (options.test_inputs.cols() > 0) {
    std::cout << ", self-test of " << options.test_inputs.cols() << " samples";
  }
  std::cout << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options cli("hnn-export",
                       "Write a saved hnn model (.hnn) as one standalone C99/C++ header.");
  cli.positional_help("MODEL.hnn");
  cli.add_options()("model", "the model file (save_model)", cxxopts::value<std::string>())(
      "name", "the C prefix of every name in the header (digits: digits_predict)",
      cxxopts::value<std::string>())("o,output", "the header to write (default: NAME_model.h)",
                                     cxxopts::value<std::string>())(
      "int8", "int8 weights and activations (needs --calibrate)")(
      "calibrate", "samples like the model's inputs: IDX images or CSV",
      cxxopts::value<std::string>())("calibrate-limit", "use the first N calibration samples",
                                     cxxopts::value<long>())(
      "with-test", "store the first K samples and hnn's outputs as NAME_self_test()",
      cxxopts::value<long>())("test-inputs",
                              "the self-test's samples (default: those of --calibrate)",
                              cxxopts::value<std::string>())(
      "label-column", "CSV: the column to leave out (a header name, or 0 … -1)",
      cxxopts::value<std::string>())("no-header", "CSV: the first line is data, not names")(
      "h,help", "this help");
  cli.parse_positional({"model"});
  try {
    auto args = cli.parse(argc, argv);
    if (args.count("help")) {
      std::cout << cli.help() << '\n';
      return 0;
    }
    if (!args.unmatched().empty()) {
      throw UsageError("one model file only; also given: " + args.unmatched().front());
    }
    if (!args.count("model")) throw UsageError("no model file given");
    if (!args.count("name")) throw UsageError("--name is required (the C prefix, e.g. digits)");
    const std::string name = args["name"].as<std::string>();
    if (!hnn::is_c_name(name)) {
      throw UsageError("--name \"" + name +
                       "\" must be a C identifier: a letter, then letters, digits or _ "
                       "(at most 48)");
    }
    if (args.count("int8") && !args.count("calibrate")) {
      throw UsageError(
          "--int8 needs --calibrate FILE: samples like the model's inputs (IDX images or CSV), "
          "whose ranges set the int8 scales");
    }
    if (args.count("calibrate-limit") && !args.count("calibrate")) {
      throw UsageError("--calibrate-limit needs --calibrate FILE");
    }
    if (args.count("test-inputs") && !args.count("with-test")) {
      throw UsageError("--test-inputs needs --with-test K: how many of its samples to store");
    }
    if (args.count("with-test") && !args.count("test-inputs") && !args.count("calibrate")) {
      throw UsageError("--with-test needs --test-inputs FILE or --calibrate FILE for its samples");
    }
    if (args.count("calibrate") && !args.count("int8") && !args.count("with-test")) {
      throw UsageError("--calibrate is read only with --int8 or --with-test");
    }
    const std::string model_path = args["model"].as<std::string>();
    const std::string out =
        args.count("output") ? args["output"].as<std::string>() : name + "_model.h";
    try {
      const unsigned scalar = model_scalar_size(model_path);
      return scalar == 8 ? run<double>(args, model_path, out) : run<float>(args, model_path, out);
    } catch (const hnn::ArgumentError& e) {
      // The exporter's refusals (a layer with no C form, a value not finite)
      // name the layer; the file they are in is the model's.
      std::cerr << "hnn-export: " << model_path << ": " << e.what() << '\n';
      return 1;
    }
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "hnn-export: " << e.what() << " (hnn-export --help lists the options)\n";
    return 1;
  } catch (const UsageError& e) {
    std::cerr << "hnn-export: " << e.what() << " (hnn-export --help lists the options)\n";
    return 1;
  } catch (const hnn::Error& e) {
    const std::string what = e.what();
    std::cerr << "hnn-export: " << what;
    if (what.find("unknown layer type") != std::string::npos) {
      // A custom layer: only the program that defines it can rebuild the model.
      std::cerr << "; hnn-export reads hnn's own layers only: export a model with custom layers "
                   "from a program that registers them, with hnn::export_c";
    }
    std::cerr << '\n';
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "hnn-export: out of memory\n";
    return 1;
  }
}
