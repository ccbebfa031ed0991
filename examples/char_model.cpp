// SPDX-License-Identifier: MIT
// A character-level language model: at every position of a text it predicts
// the next character, and then writes new text one character at a time.
//
// Text:    the GNU GPL version 3, which every Debian system installs as
//          /usr/share/common-licenses/GPL-3 (35 kB of English), or any text
//          file given with --text (the word list of Debian's wamerican,
//          /usr/share/dict/words, makes it invent English-looking words).
//          Letters are lower-cased and every run of white space is one space;
//          the first 90% trains, the last 10% validates.
// Network: {32} token indices → Embedding(V → 16) → LSTM(16 → 128, every step)
//          → TimeDistributed(Dense(128 → V)): the logits of the next character
//          at each of the 32 positions; softmax cross-entropy at every step
//          (losses/sequence_softmax_cross_entropy.hpp), Adam (η = 0.005),
//          gradient clipping by norm 1, batches of 32 windows.
// Measure: the loss per character in nats on the validation text, against the
//          unigram entropy H₁ = −Σ_c p(c) ln p(c) of the text — the loss of
//          a model that knows how often each character occurs and nothing
//          else. Samples at temperature τ (the logits divided by τ before the
//          softmax: τ < 1 is more conservative, τ > 1 more adventurous) as
//          training goes. Then the model is saved, loaded again and sampled
//          from: the loaded model gives the same validation loss, bit for bit.
// Look for: the loss falls below H₁ in the first epoch (the model has learned
//           which letters follow which) and the validation loss to about 1.8
//           nats (0.6 H₁) by epoch 8; the samples turn from random letters into
//           English-looking words and then words of the licence ("the
//           program", "covered work"). Trained longer, the training loss keeps
//           falling while the validation loss rises again: 35 kB of text is
//           little for 82,000 parameters, which start to memorise it
//           (over-fitting, docs/18-regularization.md).
// Goal:    validation loss per character ≤ 0.8 H₁ (exit 1 otherwise; exit 77
//          when the text cannot be read).
// Writes:  char_model.hnn into the folder given as the first argument (default out/).
// Run:     build/examples/char_model                    (8 epochs)
//          build/examples/char_model out --epochs 6     (the CTest run)
//          build/examples/char_model out --text /usr/share/dict/words --temperature 0.8

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"

namespace {

using S = float;
using hnn::Index;
using hnn::Matrix;

constexpr Index steps = 32, embedding = 16, hidden = 128;

// The text, lower-cased, white space folded to single spaces.
std::string normalise(const std::string& raw) {
  std::string s;
  for (const char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u)) {
      if (!s.empty() && s.back() != ' ') s += ' ';
    } else if (u < 128 && std::isprint(u)) {
      s += char(std::tolower(u));
    }
  }
  return s;
}

// Windows of `steps` characters from `text` every `stride` characters: X
// holds their indices (steps × n), Y the next character of each position,
// one-hot (steps·V × n).
void windows(const std::vector<int>& text, Index V, Index stride, Matrix<S>& X, Matrix<S>& Y) {
  const Index n = (Index(text.size()) - steps - 1) / stride + 1;
  X.resize(steps, n);
  Y.setZero(steps * V, n);
  for (Index j = 0; j < n; ++j) {
    for (Index t = 0; t < steps; ++t) {
      X(t, j) = S(text[std::size_t(j * stride + t)]);
      Y(t * V + text[std::size_t(j * stride + t + 1)], j) = 1;
    }
  }
}

// Writes `length` characters, one at a time, from a copy of the trained
// weights in a model that reads one character per forward and carries its
// state from one to the next (a stateful LSTM).
std::string sample(hnn::Sequential<S>& trained, const std::string& alphabet, double temperature,
                   Index length, std::uint64_t seed) {
  const Index V = Index(alphabet.size());
  hnn::Random rng(seed);
  hnn::Sequential<S> one(hnn::Shape{1});
  hnn::LSTMOptions stateful;
  stateful.stateful = true;
  one.add(hnn::Embedding<S>(V, embedding, rng))
      .add(hnn::LSTM<S>(embedding, hidden, rng, stateful))
      .add(hnn::TimeDistributed<S>(hidden, V, rng));
  auto from = trained.parameters(), to = one.parameters();
  for (std::size_t k = 0; k < to.size(); ++k)
    to[k].value() = from[k].value();
  one.reset_state();
  Matrix<S> x(1, 1);
  x(0, 0) = S(alphabet.find(' '));
  std::string out;
  std::vector<double> p(std::size_t(V), 0.0);
  for (Index i = 0; i < length; ++i) {
    const Matrix<S> z = one.forward(x, hnn::Mode::infer);  // logits of the next character
    const double m = double(z.maxCoeff());
    double sum = 0;
    for (Index c = 0; c < V; ++c)
      sum += p[std::size_t(c)] = std::exp((double(z(c, 0)) - m) / temperature);  // softmax(z / τ)
    double u = rng.uniform() * sum;
    Index next = V - 1;
    for (Index c = 0; c < V; ++c) {
      if ((u -= p[std::size_t(c)]) < 0) {
        next = c;
        break;
      }
    }
    out += alphabet[std::size_t(next)];
    x(0, 0) = S(next);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path folder = "out";
  std::string path = "/usr/share/common-licenses/GPL-3";
  int epochs = 8;
  double temperature = 0.6;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--text" && k + 1 < argc) {
      path = argv[++k];
    } else if (a == "--epochs" && k + 1 < argc) {
      epochs = std::atoi(argv[++k]);
    } else if (a == "--temperature" && k + 1 < argc) {
      temperature = std::atof(argv[++k]);
    } else if (a.rfind("--", 0) == 0) {
      std::cerr << "usage: char_model [folder] [--text FILE] [--epochs 8] [--temperature 0.6]\n";
      return 2;
    } else {
      folder = a;
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "char_model: cannot read " << path << " (give a text file with --text)\n";
    return 77;
  }
  std::stringstream raw;
  raw << in.rdbuf();
  const std::string text = normalise(raw.str());
  if (Index(text.size()) < 20 * steps) {
    std::cerr << "char_model: " << path << " is too short\n";
    return 77;
  }

  // The alphabet, the text as indices, and its unigram entropy H₁.
  std::map<char, Index> count;
  for (const char c : text)
    ++count[c];
  std::string alphabet;
  double H1 = 0;
  for (const auto& [c, k] : count) {
    alphabet += c;
    const double p = double(k) / double(text.size());
    H1 -= p * std::log(p);  // H₁ = −Σ p ln p
  }
  const Index V = Index(alphabet.size());
  std::vector<int> ids;
  for (const char c : text)
    ids.push_back(int(alphabet.find(c)));
  const std::size_t split = ids.size() * 9 / 10;
  const std::vector<int> train(ids.begin(), ids.begin() + std::ptrdiff_t(split));
  const std::vector<int> valid(ids.begin() + std::ptrdiff_t(split), ids.end());
  Matrix<S> X, Y, Xv, Yv;
  windows(train, V, steps / 2, X, Y);
  windows(valid, V, steps, Xv, Yv);
  std::cout << path << ": " << text.size() << " characters, " << V
            << " distinct; unigram entropy H₁ = " << std::fixed << std::setprecision(3) << H1
            << " nats per character (goal: validation loss ≤ 0.8 H₁ = " << 0.8 * H1 << ")\n\n";

  hnn::Random rng(1);
  hnn::Sequential<S> model(hnn::Shape{steps});
  model.add(hnn::Embedding<S>(V, embedding, rng))
      .add(hnn::LSTM<S>(embedding, hidden, rng))
      .add(hnn::TimeDistributed<S>(hidden, V, rng));
  std::cout << model.parameter_count() << " parameters\n";
  const hnn::SequenceSoftmaxCrossEntropy<S> loss(V);
  hnn::Adam<S> adam(0.005);
  hnn::FitOptions<S> o;
  o.batch_size = 32;
  o.clip_grad_norm = 1.0;
  o.verbosity = hnn::Verbosity::quiet;
  std::cout << "epoch  training  validation  (loss per character, nats)   sample at τ = "
            << temperature << '\n';
  double validation = 0;
  const int every = std::max(1, epochs / 5);
  for (int done = 0; done < epochs;) {
    o.epochs = std::min(every, epochs - done);
    o.seed = std::uint64_t(done + 1);
    const auto h = model.fit(X, Y, loss, adam, o);
    done += o.epochs;
    validation = model.evaluate(Xv, Yv, loss).loss;
    std::cout << std::setw(5) << done << std::setw(10) << hnn::last(h, "loss") << std::setw(12)
              << validation << "   \""
              << sample(model, alphabet, temperature, 60, std::uint64_t(done)) << "\"\n";
  }

  // Saved, loaded again, and sampled from.
  std::filesystem::create_directories(folder);
  const std::string file = (folder / "char_model.hnn").string();
  hnn::save_model(model, file);
  auto loaded = hnn::load_model<S>(file);
  const double reloaded = loaded.evaluate(Xv, Yv, loss).loss;
  std::cout << "\nsaved to " << file << " and loaded again: validation loss " << reloaded
            << (reloaded == validation ? " (the same)" : " (DIFFERENT)") << '\n';
  for (const double tau : {0.4, 0.8, 1.2})
    std::cout << "  τ = " << tau << ": \"" << sample(loaded, alphabet, tau, 80, 99) << "\"\n";
  std::cout << "\nvalidation loss " << validation << " nats per character, " << validation / H1
            << " H₁ (goal ≤ 0.8 H₁)\n";
  return validation <= 0.8 * H1 && reloaded == validation ? 0 : 1;
}
