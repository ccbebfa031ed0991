// SPDX-License-Identifier: MIT
#pragma once
// The writer of an exported header's implementation: the arrays, the loops
// (export/c_kernels.hpp) a model uses, and the body of predict_with, one call
// or loop per step of the inference plan (export/inference_plan.hpp), in
// float or int8 (export/plan_run.hpp's Int8Plan). export/export_c.hpp puts
// the pieces together.
//
// Where each tensor is: the input is read where the caller keeps it; the
// steps that are not in place write into buffer a, then b, then a again
// (ping-pong), except the last one, which writes into the caller's output;
// a step in place works where its input is (copied into a buffer first if
// that is the caller's input). A Residual block keeps its input in
// skip0, skip1, … (one per level of nesting), and the recurrent steps have
// a working area. Each buffer is sized for the largest tensor it holds.

#include <algorithm>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/export/c_kernels.hpp"
#include "hnn/export/c_text.hpp"
#include "hnn/export/inference_plan.hpp"
#include "hnn/export/plan_run.hpp"

namespace hnn {

namespace export_detail {

// The comment text of a description: → as ->, × as x, any other non-ASCII as ?.
inline std::string ascii(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += (text.compare(i, 2, "*/") == 0) ? '*' : char(c);
      continue;
    }
    std::size_t len = (c >= 0xF0) ? 4 : (c >= 0xE0) ? 3 : 2;
    const std::string ch = text.substr(i, len);
    out += ch == "→" ? "->" : ch == "×" ? "x" : ch == "·" ? "." : "?";
    i += len - 1;
  }
  return out;
}

// The C name of an activation's function (relu, leaky_relu, gelu_tanh, …) and its argument list.
inline std::string activation_call(const InferenceStep& s, const std::string& prefix,
                                   const std::string& value) {
  std::string f = s.function;
  if (f == "GELU" && s.tanh_approximation) f = "GELU_tanh";
  static const std::pair<const char*, const char*> names[] = {
      {"ReLU", "relu"}, {"LeakyReLU", "leaky_relu"}, {"ELU", "elu"},   {"SELU", "selu"},
      {"GELU", "gelu"}, {"GELU_tanh", "gelu_tanh"},  {"SiLU", "silu"}, {"Sigmoid", "sigmoid"},
      {"Tanh", "tanh"}, {"Softplus", "softplus"}};
  for (const auto& n : names) {
    if (f == n.first) {
      std::string call = prefix + "_" + n.second + "(" + value;
      if (f == "LeakyReLU" || f == "ELU") call += ", " + c_float(s.alpha, s.what + "'s alpha");
      return call + ")";
    }
  }
  throw ArgumentError("export: no C form for the activation " + s.function);
}

inline std::string activation_kernel_key(const InferenceStep& s) {
  return (s.function == "GELU" && s.tanh_approximation) ? "GELU_tanh" : s.function;
}

/// Writes one model as C: the state of one export (arrays, kernels, the buffers used).
class CWriter {
 public:
  /// A writer of `plan` in float, or in int8 with the scales and weights of `q`.
  CWriter(const InferencePlan& plan, const Int8Plan* q, std::string name)
      : plan_(plan), q_(q), name_(std::move(name)), macro_(c_macro_name(name_)) {}

  /// Everything after the header's declarations: the arrays into `data`, kernels and predict into
  /// `code`.
  void write_implementation(std::ostringstream& data, std::ostringstream& code) {
    body_ << "    /* the steps of the inference plan, one after the other */\n";
    if (q_) {
      write_int8_body(data);
    } else {
      write_float_body(data);
    }
    code << kernels();
    code << "void " << name_
         << "_predict_with(const float *input, float *output, float *scratch)\n{\n";
    code << declarations() << body_.str() << "}\n";
  }

  /// The types the arrays need: the window struct, when a step has a window.
  std::string types() const {
    return needed_.count("window") ? c_prefixed(c_window_type, name_) + "\n" : std::string();
  }

  /// The floats of scratch predict_with needs (at least 1: C has no empty arrays).
  Index scratch_floats() const {
    const Index numbers = size_a_ + size_b_ + skip_total() + work_size_;  // floats, or int8 values
    const Index bytes = q_ ? numbers : numbers * 4;
    return std::max<Index>(1, (bytes + 3) / 4);
  }
  /// The bytes of the constant arrays written.
  Index weight_bytes() const { return weight_bytes_; }

 private:
  // --- where a tensor is ---------------------------------------------------
  enum class Where { input, a, b, output };

  std::string place(Where w) const {
    switch (w) {
      case Where::input:
        return "input";
      case Where::a:
        return "a";
      case Where::b:
        return "b";
      case Where::output:
        return "output";
    }
    return "";
  }
  Where other(Where w) { return w == Where::a ? Where::b : Where::a; }
  void use(Where w, Index size) {
    if (w == Where::a) size_a_ = std::max(size_a_, size);
    if (w == Where::b) size_b_ = std::max(size_b_, size);
  }
  std::string skip_name(int depth) { return "skip" + std::to_string(depth); }
  void use_skip(int depth, Index size) {
    if (skip_sizes_.size() <= std::size_t(depth)) skip_sizes_.resize(std::size_t(depth) + 1, 0);
    skip_sizes_[std::size_t(depth)] = std::max(skip_sizes_[std::size_t(depth)], size);
  }
  Index skip_total() const {
    Index total = 0;
    for (Index s : skip_sizes_)
      total += s;
    return total;
  }

  std::string declarations() const {
    std::ostringstream d;
    const std::string type = q_ ? "int8_t" : "float";
    const std::string base = q_ ? "(int8_t *)scratch" : "scratch";
    // Buffer a at the start of the scratch, b after it, then one per level of nesting.
    d << "    " << type << " *const a = " << base << ";\n";
    d << "    " << type << " *const b = a + " << size_a_ << ";\n";
    Index offset = size_a_ + size_b_;
    for (std::size_t k = 0; k < skip_sizes_.size(); ++k) {
      d << "    " << type << " *const skip" << k << " = a + " << offset << ";\n";
      offset += skip_sizes_[k];
    }
    if (work_size_ > 0) d << "    float *const work = a + " << offset << ";\n";
    d << "    (void)a;\n    (void)b;\n";
    if (!q_) d << "    (void)scratch;\n";
    return d.str();
  }

  // --- the arrays --------------------------------------------------------------
  std::string array_name(std::size_t k, const char* what) const {
    return name_ + "_s" + std::to_string(k) + "_" + what;
  }
  template <typename T>
  std::string array(std::ostringstream& data, std::size_t k, const char* what,
                    const std::string& type, const std::vector<T>& values) {
    const std::string n = array_name(k, what);
    write_c_array(data, type, n, values,
                  "step " + std::to_string(k) + " (" + plan_.steps[k].what + ")");
    weight_bytes_ += Index(values.size() * sizeof(T));
    return n;
  }
  std::string window(std::ostringstream& data, std::size_t k) {
    const WindowGeometry& g = plan_.steps[k].g;
    need("window");
    const std::string n = array_name(k, "window");
    data << "static const " << name_ << "_window " << n << " = {" << g.channels << ", " << g.in_h
         << ", " << g.in_w << ", " << g.k_h << ", " << g.k_w << ", " << g.stride << ", "
         << g.pad_top << ", " << g.pad_left << ", " << g.out_h << ", " << g.out_w << "};\n";
    return "&" + n;
  }
  std::string f(float v, std::size_t k) {
    return c_float(v, "step " + std::to_string(k) + " (" + plan_.steps[k].what + ")");
  }

  // --- the float steps -----------------------------------------------------------
  void write_float_body(std::ostringstream& data) {
    const auto& steps = plan_.steps;
    std::size_t last_out_of_place = steps.size();  // none
    for (std::size_t k = 0; k < steps.size(); ++k) {
      if (!steps[k].in_place()) last_out_of_place = k;
    }
    Where cur = Where::input;
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const InferenceStep& s = steps[k];
      const bool after_last = last_out_of_place == steps.size() || k > last_out_of_place;
      body_ << "    /* " << k << ": " << ascii(s.what) << " */\n";
      if (s.kind == StepKind::skip_begin) {  // kept as it is, wherever it is
        use_skip(s.depth, s.in_size);
        copy(place(cur), skip_name(s.depth), s.in_size);
        continue;
      }
      if (!s.in_place()) {
        const Where dst = k == last_out_of_place ? Where::output : other(cur);
        use(dst, s.out_size);
        float_step(data, k, place(cur), place(dst));
        cur = dst;
        continue;
      }
      if (cur == Where::input) {  // an in-place step needs the input in a buffer of its own
        const Where dst = after_last ? Where::output : Where::a;
        use(dst, s.in_size);
        copy(place(Where::input), place(dst), s.in_size);
        cur = dst;
      }
      float_step(data, k, place(cur), place(cur));
    }
    if (cur != Where::output) {
      body_ << "    /* the result */\n";
      copy(place(cur), "output", plan_.output.size());
    }
  }

  void copy(const std::string& from, const std::string& to, Index n) {
    body_ << "    for (int i = 0; i < " << n << "; ++i)\n        " << to << "[i] = " << from
          << "[i];\n";
  }

  void float_step(std::ostringstream& data, std::size_t k, const std::string& x,
                  const std::string& y) {
    const InferenceStep& s = plan_.steps[k];
    const std::string& p = name_;
    switch (s.kind) {
      case StepKind::dense: {
        need("dense");
        const std::string W = array(data, k, "W", "float", s.W),
                          b = array(data, k, "b", "float", s.b);
        if (s.time_steps == 1) {
          body_ << "    " << p << "_dense(" << W << ", " << b << ", " << s.cols << ", " << s.rows
                << ", " << x << ", " << y << ");\n";
        } else {  // TimeDistributed: the same Dense at every step
          body_ << "    for (int t = 0; t < " << s.time_steps << "; ++t)\n        " << p
                << "_dense(" << W << ", " << b << ", " << s.cols << ", " << s.rows << ", " << x
                << " + t * " << s.cols << ", " << y << " + t * " << s.rows << ");\n";
        }
        break;
      }
      case StepKind::recurrent: {
        const bool lstm = s.function == "LSTM", gru = s.function == "GRU";
        const char* kernel = lstm ? "lstm" : gru ? "gru" : "rnn";
        need(kernel);
        work_size_ = std::max(work_size_, s.work_size());
        const std::string W = array(data, k, "W_ih", "float", s.W);
        const std::string b = array(data, k, "b_ih", "float", s.b);
        const std::string V = array(data, k, "W_hh", "float", s.W_hh);
        const std::string c = array(data, k, "b_hh", "float", s.b_hh);
        body_ << "    " << p << "_" << kernel << "(" << W << ", " << b << ", " << V << ", " << c
              << ", " << s.time_steps << ", " << s.cols << ", " << s.hidden << ", ";
        if (!lstm && !gru) body_ << (s.function == "RNN_relu" ? 1 : 0) << ", ";
        body_ << (s.last_only ? 1 : 0) << ", " << x << ", " << y << ", work);\n";
        break;
      }
      case StepKind::embedding: {
        need("embedding");
        const std::string W = array(data, k, "W", "float", s.W);
        body_ << "    " << p << "_embedding(" << W << ", " << s.rows << ", " << s.cols << ", "
              << s.time_steps << ", " << x << ", " << y << ");\n";
        break;
      }
      case StepKind::conv2d: {
        need("conv2d");
        const std::string g = window(data, k);
        const std::string W = array(data, k, "W", "float", s.W),
                          b = array(data, k, "b", "float", s.b);
        body_ << "    " << p << "_conv2d(" << g << ", " << W << ", " << b << ", " << s.rows << ", "
              << x << ", " << y << ");\n";
        break;
      }
      case StepKind::max_pool:
      case StepKind::avg_pool:
      case StepKind::global_avg_pool:
        pool_step(data, k, x, y, "");
        break;
      case StepKind::activation:
        need(activation_kernel_key(s));
        body_ << "    for (int i = 0; i < " << s.in_size << "; ++i)\n        " << y
              << "[i] = " << activation_call(s, p, x + "[i]") << ";\n";
        break;
      case StepKind::softmax:
        need("softmax");
        body_ << "    " << p << "_softmax(" << y << ", " << s.in_size << ");\n";
        break;
      case StepKind::layer_norm: {
        need("layer_norm");
        const std::string g = array(data, k, "gamma", "float", s.scale);
        const std::string b = array(data, k, "beta", "float", s.shift);
        body_ << "    " << p << "_layer_norm(" << g << ", " << b << ", " << f(s.epsilon, k) << ", "
              << s.in_size << ", " << y << ");\n";
        break;
      }
      case StepKind::channel_affine: {
        need("channel_affine");
        const std::string a = array(data, k, "a", "float", s.scale);
        const std::string d = array(data, k, "d", "float", s.shift);
        body_ << "    " << p << "_channel_affine(" << a << ", " << d << ", " << s.channels << ", "
              << s.in_size << ", " << y << ");\n";
        break;
      }
      case StepKind::skip_begin:
        use_skip(s.depth, s.in_size);
        copy(x, skip_name(s.depth), s.in_size);
        break;
      case StepKind::skip_end:
        if (!s.projected) {
          body_ << "    for (int i = 0; i < " << s.out_size << "; ++i)\n        " << y
                << "[i] += " << skip_name(s.depth) << "[i];\n";
        } else {
          need("project");
          const std::string g = window(data, k);
          const std::string P = array(data, k, "P", "float", s.W);
          body_ << "    " << p << "_project(" << g << ", " << P << ", " << s.rows << ", "
                << skip_name(s.depth) << ", " << y << ");\n";
        }
        break;
    }
  }

  // A pooling step: the same call in float and in int8 (`suffix` "_q").
  void pool_step(std::ostringstream& data, std::size_t k, const std::string& x,
                 const std::string& y, const std::string& suffix) {
    const InferenceStep& s = plan_.steps[k];
    if (s.kind == StepKind::global_avg_pool) {
      need("global_avg_pool" + suffix);
      body_ << "    " << name_ << "_global_avg_pool" << suffix << "(" << s.g.channels << ", "
            << s.g.in_pixels() << ", " << x << ", " << y << ");\n";
      return;
    }
    const std::string kernel = (s.kind == StepKind::max_pool ? "max_pool" : "avg_pool") + suffix;
    need(kernel);
    const std::string g = window(data, k);
    body_ << "    " << name_ << "_" << kernel << "(" << g << ", " << x << ", " << y << ");\n";
  }

  // --- the int8 steps ----------------------------------------------------------
  void write_int8_body(std::ostringstream& data) {
    const Int8Plan& q = *q_;
    const std::string& p = name_;
    need("quantize");
    const Index in = plan_.input.size();
    body_ << "    /* the input, quantized: q = round(x / " << ascii_scale(q.input_scale)
          << ") */\n";
    use(Where::a, in);
    body_ << "    for (int i = 0; i < " << in << "; ++i)\n        a[i] = " << p
          << "_quantize(input[i], " << f(1 / q.input_scale, 0) << ");\n";
    Where cur = Where::a;
    for (std::size_t k = 0; k < q.float_tail; ++k) {
      const InferenceStep& s = plan_.steps[k];
      body_ << "    /* " << k << ": " << ascii(s.what) << " */\n";
      if (!s.in_place()) {
        const Where dst = other(cur);
        use(dst, s.out_size);
        int8_step(data, k, place(cur), place(dst));
        cur = dst;
      } else {
        int8_step(data, k, place(cur), place(cur));
      }
    }
    const float scale = q.steps.empty() ? q.input_scale : q.steps.back().out_scale;
    body_ << "    /* the result, dequantized: v = " << ascii_scale(scale) << " q */\n";
    body_ << "    for (int i = 0; i < " << plan_.output.size()
          << "; ++i)\n        output[i] = " << f(scale, 0) << " * " << place(cur) << "[i];\n";
    for (std::size_t k = q.float_tail; k < plan_.steps.size(); ++k) {
      body_ << "    /* " << k << ": " << ascii(plan_.steps[k].what) << ", in float */\n";
      float_step(data, k, "output", "output");
    }
  }

  static std::string ascii_scale(float s) { return c_float(s, "a scale"); }

  void int8_step(std::ostringstream& data, std::size_t k, const std::string& x,
                 const std::string& y) {
    const InferenceStep& s = plan_.steps[k];
    const Int8Step& t = q_->steps[k];
    const std::string& p = name_;
    const std::string s_in = f(t.in_scale, k), inv_out = f(1 / t.out_scale, k);
    auto weights = [&](const char* kernel) {
      need(kernel);
      const std::string W = array(data, k, "W", "int8_t", t.weights.W);
      const std::string b = array(data, k, "b", "int32_t", t.weights.b);
      const std::string m = array(data, k, "m", "int32_t", t.weights.multiplier);
      std::vector<std::int8_t> shift;
      for (std::int32_t e : t.weights.shift)
        shift.push_back(std::int8_t(e));
      const std::string e = array(data, k, "shift", "int8_t", shift);
      return W + ", " + b + ", " + m + ", " + e;
    };
    switch (s.kind) {
      case StepKind::dense: {
        const std::string w = weights("dense_q");
        if (s.time_steps == 1) {
          body_ << "    " << p << "_dense_q(" << w << ", " << s.cols << ", " << s.rows << ", " << x
                << ", " << y << ");\n";
        } else {  // TimeDistributed: the same Dense at every step
          body_ << "    for (int t = 0; t < " << s.time_steps << "; ++t)\n        " << p
                << "_dense_q(" << w << ", " << s.cols << ", " << s.rows << ", " << x << " + t * "
                << s.cols << ", " << y << " + t * " << s.rows << ");\n";
        }
        break;
      }
      case StepKind::recurrent:
      case StepKind::embedding:
        throw ArgumentError("export: " + s.what + " has no int8 form");
      case StepKind::conv2d: {
        const std::string g = window(data, k);
        const std::string w = weights("conv2d_q");
        body_ << "    " << p << "_conv2d_q(" << g << ", " << w << ", " << s.rows << ", " << x
              << ", " << y << ");\n";
        break;
      }
      case StepKind::max_pool:
      case StepKind::avg_pool:
      case StepKind::global_avg_pool:
        pool_step(data, k, x, y, "_q");  // on the integers themselves
        break;
      case StepKind::activation:
        if (s.function == "ReLU") {  // exact on the integers
          body_ << "    for (int i = 0; i < " << s.in_size << "; ++i)\n        " << y
                << "[i] = " << x << "[i] > 0 ? " << x << "[i] : 0;\n";
        } else {  // dequantized around it
          need(activation_kernel_key(s));
          body_ << "    for (int i = 0; i < " << s.in_size << "; ++i)\n        " << y
                << "[i] = " << p << "_quantize(" << activation_call(s, p, s_in + " * " + x + "[i]")
                << ", " << inv_out << ");\n";
        }
        break;
      case StepKind::softmax:
        need("softmax_q");
        body_ << "    " << p << "_softmax_q(" << s_in << ", " << inv_out << ", " << s.in_size
              << ", " << y << ");\n";
        break;
      case StepKind::layer_norm: {
        need("layer_norm_q");
        const std::string g = array(data, k, "gamma", "float", s.scale);
        const std::string b = array(data, k, "beta", "float", s.shift);
        body_ << "    " << p << "_layer_norm_q(" << g << ", " << b << ", " << f(s.epsilon, k)
              << ", " << s_in << ", " << inv_out << ", " << s.in_size << ", " << y << ");\n";
        break;
      }
      case StepKind::channel_affine: {
        need("channel_affine_q");
        const std::string a = array(data, k, "a", "float", s.scale);
        const std::string d = array(data, k, "d", "float", s.shift);
        body_ << "    " << p << "_channel_affine_q(" << a << ", " << d << ", " << s.channels << ", "
              << s_in << ", " << inv_out << ", " << s.in_size << ", " << y << ");\n";
        break;
      }
      case StepKind::skip_begin:
        use_skip(s.depth, s.in_size);
        copy(x, skip_name(s.depth), s.in_size);
        break;
      case StepKind::skip_end:
        if (!s.projected) {
          need("add_q");
          body_ << "    " << p << "_add_q(" << s_in << ", " << f(t.skip_scale, k) << ", " << inv_out
                << ", " << s.out_size << ", " << skip_name(s.depth) << ", " << y << ");\n";
        } else {
          need("project_q");
          const std::string g = window(data, k);
          const std::string P = array(data, k, "P", "int8_t", t.weights.W);
          const std::string sP = array(data, k, "P_scale", "float", t.weights.scale);
          body_ << "    " << p << "_project_q(" << g << ", " << P << ", " << sP << ", " << s.rows
                << ", " << s_in << ", " << f(t.skip_scale, k) << ", " << inv_out << ", "
                << skip_name(s.depth) << ", " << y << ");\n";
        }
        break;
    }
  }

  // --- the kernels ---------------------------------------------------------------
  void need(const std::string& kernel) {
    needed_.insert(kernel);
    if (kernel == "rnn" || kernel == "lstm" || kernel == "gru") needed_.insert("dense");
    if (kernel == "lstm" || kernel == "gru") needed_.insert("Sigmoid");
    if (kernel == "dense_q" || kernel == "conv2d_q") needed_.insert("requantize");
    if (kernel == "avg_pool_q" || kernel == "global_avg_pool_q") needed_.insert("divide_rounded");
    if (kernel == "softmax_q" || kernel == "layer_norm_q" || kernel == "channel_affine_q" ||
        kernel == "add_q" || kernel == "project_q") {
      needed_.insert("quantize");
    }
    if (kernel == "conv2d" || kernel == "max_pool" || kernel == "avg_pool" || kernel == "project" ||
        kernel == "conv2d_q" || kernel == "max_pool_q" || kernel == "avg_pool_q" ||
        kernel == "project_q") {
      needed_.insert("window");
    }
  }

  std::string kernels() const {
    static const std::pair<const char*, const char*> in_order[] = {
        {"quantize", c_quantize},
        {"requantize", c_requantize},
        {"divide_rounded", c_divide_rounded},
        {"dense", c_dense},
        {"conv2d", c_conv2d},
        {"max_pool", c_max_pool},
        {"avg_pool", c_avg_pool},
        {"global_avg_pool", c_global_avg_pool},
        {"softmax", c_softmax},
        {"layer_norm", c_layer_norm},
        {"channel_affine", c_channel_affine},
        {"project", c_project},
        {"rnn", c_rnn},
        {"lstm", c_lstm},
        {"gru", c_gru},
        {"embedding", c_embedding},
        {"dense_q", c_dense_q},
        {"conv2d_q", c_conv2d_q},
        {"max_pool_q", c_max_pool_q},
        {"avg_pool_q", c_avg_pool_q},
        {"global_avg_pool_q", c_global_avg_pool_q},
        {"softmax_q", c_softmax_q},
        {"layer_norm_q", c_layer_norm_q},
        {"channel_affine_q", c_channel_affine_q},
        {"add_q", c_add_q},
        {"project_q", c_project_q}};
    std::string text;  // the activations first: the LSTM and GRU loops call the sigmoid
    for (const char* a : {"ReLU", "LeakyReLU", "ELU", "SELU", "GELU", "GELU_tanh", "SiLU",
                          "Sigmoid", "Tanh", "Softplus"}) {
      if (needed_.count(a)) text += c_prefixed(c_activation(a), name_) + "\n";
    }
    for (const auto& k : in_order) {
      if (needed_.count(k.first)) text += c_prefixed(k.second, name_) + "\n";
    }
    return text;
  }

  const InferencePlan& plan_;
  const Int8Plan* q_;
  std::string name_, macro_;
  std::ostringstream body_;
  std::set<std::string> needed_;
  Index size_a_ = 0, size_b_ = 0;  // the largest tensor each buffer holds
  Index work_size_ = 0;            // the working memory of the recurrent steps (float only)
  std::vector<Index> skip_sizes_;
  Index weight_bytes_ = 0;
};

// A matrix's columns as rows of a 2-D C array.
inline void write_c_table(std::ostringstream& out, const std::string& name, const std::string& rows,
                          const std::string& cols, const std::vector<std::vector<float>>& values,
                          const std::string& what) {
  out << "static const float " << name << '[' << rows << "][" << cols << "] = {\n";
  for (std::size_t r = 0; r < values.size(); ++r) {
    out << "    {";
    for (std::size_t i = 0; i < values[r].size(); ++i) {
      if (i % 6 == 0) out << "\n       ";
      out << ' ' << c_float(values[r][i], what) << (i + 1 < values[r].size() ? "," : "");
    }
    out << "\n    }" << (r + 1 < values.size() ? "," : "") << '\n';
  }
  out << "};\n";
}

}  // namespace export_detail

}  // namespace hnn
