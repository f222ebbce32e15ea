/**
 * Tempered: PyTorch-exact softmax cross-entropy, temperature scaling and calibration for DJL.
 *
 * <p>Packages by capability: {@code loss} (losses), {@code nn} (blocks), {@code calibration}
 * (temperature fitting, metrics, evaluators, plots), {@code grad} (gradient checking), {@code data}
 * (dataset loaders) and {@code cli} (the {@code tempered} command line). {@code internal} holds
 * shared helpers that are not API.
 *
 * <h2>Data types</h2>
 *
 * <ul>
 *   <li>float32 and float64 inputs are computed in their own type and give results of that type.
 *   <li>float16 logits: the losses ({@code CrossEntropyLoss}, {@code DistillationLoss}) and {@code
 *       TemperatureFit.apply} compute in float32, widening inside the autograd graph so gradients
 *       still flow back in float16, and return float32. The blocks ({@code TemperatureSoftmax},
 *       {@code TemperatureScaledBlock}) keep a layer's contract, output type = input type: they
 *       divide in float16 and use PyTorch's float16 softmax, as {@code torch.softmax(x.half() / T)}
 *       does. {@code TemperatureScaler}, {@code CalibrationReport} and the evaluators widen every
 *       value to float64 and compute in float64; evaluator results are float64 for float64
 *       predictions and float32 otherwise.
 *   <li>bfloat16 cannot be used: DJL 0.36's PyTorch engine aborts the JVM when it creates such an
 *       array ({@code docs/djl-notes.md} has the details and the other types it cannot create).
 *   <li>Class-index labels: int64, int32, int8 or uint8, and floating point holding whole numbers
 *       where an entry point accepts it.
 * </ul>
 *
 * <h2>NaN and infinite values</h2>
 *
 * <p>The losses and blocks propagate NaN and infinities as PyTorch does (the losses reject them
 * instead with {@code optRejectNonFinite(true)}); {@code TemperatureFit.apply} propagates them too.
 * {@code TemperatureScaler}, {@code CalibrationReport} and the evaluators reject them with an
 * {@link java.lang.IllegalArgumentException}: a calibration number computed from a NaN is never
 * meaningful.
 *
 * <h2>Threads</h2>
 *
 * <p>Losses, blocks (for inference), {@code TemperatureScaler}, {@code TemperatureFit}, {@code
 * CalibrationReport} and {@code GradCheck} are immutable or stateless and safe to share across
 * threads, each thread using its own {@code NDManager}; the evaluators' accumulators are safe to
 * update from several threads (see {@code CalibrationEvaluator}). DJL allows one open {@code
 * GradientCollector} at a time in the whole JVM, so backward passes from several threads must be
 * serialized by the caller.
 */
package io.github.tempered;
