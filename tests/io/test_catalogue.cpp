// SPDX-License-Identifier: MIT
// The catalogue (tests/catalogue.hpp) against the registry: every layer type
// hnn ships is registered in LayerRegistry::builtin() and in the catalogue,
// and every one goes through a model file and comes back the same — its
// settings, parameters, buffers, shapes and predictions — and shows in the
// summary.

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Matrix;

namespace {

template <typename... Entries>
std::set<std::string> catalogue_types() {
  return {std::string(Entries::type)...};
}

}  // namespace

TEST_CASE("registry coverage: the catalogue and LayerRegistry::builtin() list the same layers") {
  const auto registered_f = hnn::LayerRegistry<float>::builtin().type_names();
  const auto registered_d = hnn::LayerRegistry<double>::builtin().type_names();
  CHECK(registered_f == registered_d);
  const std::set<std::string> registered(registered_f.begin(), registered_f.end());
  const std::set<std::string> catalogued = catalogue_types<HNN_CATALOGUE_LAYERS>();
  for (const auto& t : registered) {
    INFO("registered but not in tests/catalogue.hpp: " << t);
    CHECK(catalogued.count(t) == 1);
  }
  for (const auto& t : catalogued) {
    INFO("in tests/catalogue.hpp but not registered in LayerRegistry::builtin(): " << t);
    CHECK(registered.count(t) == 1);
  }
}

TEST_CASE_TEMPLATE("every layer type round-trips through a model file", T, HNN_CATALOGUE_LAYERS) {
  hnn_test::TempDir dir;
  for (const bool as_double : {false, true}) {
    CAPTURE(as_double);
    const auto round_trip = [&](auto scalar) {
      using S = decltype(scalar);
      hnn::Random rng(7);
      auto model = hnn_test::catalogue::model_of<T, S>(rng);
      const std::string path = dir.file(std::string(T::type) + ".hnn");
      hnn::save_model(model, path);
      auto loaded = hnn::load_model<S>(path);
      CHECK(loaded.input_shape() == model.input_shape());
      CHECK(loaded.output_shape() == model.output_shape());
      CHECK(loaded.summary() == model.summary());
      REQUIRE(loaded.size() == model.size());
      for (std::size_t k = 0; k < model.size(); ++k) {
        CHECK(loaded.layer(k).type_name() == model.layer(k).type_name());
        CHECK(loaded.layer(k).settings() == model.layer(k).settings());
        CHECK(loaded.layer(k).describe() == model.layer(k).describe());
      }
      auto a = model.parameters(), b = loaded.parameters();
      REQUIRE(a.size() == b.size());
      for (std::size_t k = 0; k < a.size(); ++k) {
        CHECK(a[k].name() == b[k].name());
        CHECK(Matrix<S>(a[k].value()) == Matrix<S>(b[k].value()));
      }
      const Matrix<S> X = T::sample(3, 8).template cast<S>();
      CHECK(loaded.predict(X) == model.predict(X));  // bit for bit
      // And the file's weights load into a model built in code the same way.
      hnn::Random other(99);
      auto built = hnn_test::catalogue::model_of<T, S>(other);
      hnn::load_weights(built, path);
      CHECK(built.predict(X) == model.predict(X));
    };
    if (as_double) {
      round_trip(double());
    } else {
      round_trip(float());
    }
  }
}

TEST_CASE_TEMPLATE("every layer type shows in the summary with its output shape", T,
                   HNN_CATALOGUE_LAYERS) {
  hnn::Random rng(8);
  auto model = hnn_test::catalogue::model_of<T, float>(rng);
  const std::string s = model.summary();
  INFO(s);
  CHECK(s.find(model.layer(0).describe()) != std::string::npos);
  CHECK(s.find(model.input_shape().str()) != std::string::npos);
  CHECK(s.find(model.layer(0).output_shape().str()) != std::string::npos);
  CHECK(s.find(std::to_string(model.parameter_count())) != std::string::npos);
}
