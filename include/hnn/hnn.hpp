// SPDX-License-Identifier: MIT
#pragma once
// The umbrella header: everything hnn offers, in the order the layers of the
// library build on each other (see docs/ for the tutorial). The deprecated
// forwarding headers of hnn 0.1 (core/ftz.hpp, core/parallel.hpp,
// model/fit.hpp) are not included.

#include "hnn/core/buffer.hpp"
#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/exact_number.hpp"
#include "hnn/core/file.hpp"
#include "hnn/core/parameter.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/sequence_state.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/core/types.hpp"

#include "hnn/perf/blocked_update.hpp"
#include "hnn/perf/elementwise.hpp"
#include "hnn/perf/flush_to_zero.hpp"
#include "hnn/perf/lazy_gradient.hpp"
#include "hnn/perf/products.hpp"
#include "hnn/perf/threads.hpp"

#include "hnn/activations/elu.hpp"
#include "hnn/activations/gelu.hpp"
#include "hnn/activations/identity.hpp"
#include "hnn/activations/leaky_relu.hpp"
#include "hnn/activations/relu.hpp"
#include "hnn/activations/selu.hpp"
#include "hnn/activations/sigmoid.hpp"
#include "hnn/activations/silu.hpp"
#include "hnn/activations/softmax.hpp"
#include "hnn/activations/softplus.hpp"
#include "hnn/activations/tanh.hpp"

#include "hnn/init/initializer.hpp"

#include "hnn/data/csv.hpp"
#include "hnn/data/dataset.hpp"
#include "hnn/data/idx.hpp"
#include "hnn/data/mnist.hpp"

#include "hnn/losses/binary_cross_entropy.hpp"
#include "hnn/losses/binary_cross_entropy_with_logits.hpp"
#include "hnn/losses/cross_entropy.hpp"
#include "hnn/losses/huber.hpp"
#include "hnn/losses/loss.hpp"
#include "hnn/losses/mae.hpp"
#include "hnn/losses/mse.hpp"
#include "hnn/losses/softmax_cross_entropy.hpp"

#include "hnn/layers/activation.hpp"
#include "hnn/layers/dense.hpp"
#include "hnn/layers/flatten.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/layers/reshape.hpp"
#include "hnn/layers/softmax.hpp"

#include "hnn/optimizers/adagrad.hpp"
#include "hnn/optimizers/adam.hpp"
#include "hnn/optimizers/adamw.hpp"
#include "hnn/optimizers/clip.hpp"
#include "hnn/optimizers/optimizer.hpp"
#include "hnn/optimizers/rmsprop.hpp"
#include "hnn/optimizers/schedule.hpp"
#include "hnn/optimizers/sgd.hpp"

#include "hnn/model/callbacks.hpp"
#include "hnn/model/csv_export.hpp"
#include "hnn/model/fit_options.hpp"
#include "hnn/model/history.hpp"
#include "hnn/model/metrics.hpp"
#include "hnn/model/monitor.hpp"
#include "hnn/model/progress.hpp"
#include "hnn/model/sequential.hpp"
#include "hnn/model/train.hpp"
#include "hnn/model/training_state.hpp"

#include "hnn/plot/svg.hpp"

#include "hnn/io/binary.hpp"
#include "hnn/io/checkpoint.hpp"
#include "hnn/io/model_file.hpp"
#include "hnn/io/registry.hpp"

#include "hnn/check/gradient_check.hpp"
#include "hnn/check/model_check.hpp"
