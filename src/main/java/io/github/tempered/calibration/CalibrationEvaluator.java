package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.evaluator.Evaluator;
import io.github.tempered.internal.ClassIndices.LabelTypes;
import io.github.tempered.internal.Inputs;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The common part of the calibration evaluators {@link ExpectedCalibrationError}, {@link
 * NegativeLogLikelihood} and {@link BrierScore}, for use with {@code
 * DefaultTrainingConfig.addEvaluator}.
 *
 * <h2>Inputs</h2>
 *
 * <ul>
 *   <li>Predictions: {@code predictions.head()}, shape {@code (N, C)}, floating point: logits by
 *       default (the raw model outputs that DJL's {@code Accuracy} also takes), or probabilities
 *       with {@code optFromLogits(false)}.
 *   <li>Labels: {@code labels.head()}, shape {@code (N)}, class indices in {@code [0, C)} of an
 *       integer type or of a floating type holding whole numbers (DJL's datasets give float32
 *       labels).
 * </ul>
 *
 * <p>The metrics are those of {@link CalibrationReport}, with the same definitions and the same
 * checks of the input. {@link #evaluate} returns the metric of one batch as a scalar; the
 * accumulators keep sufficient statistics (counts and double sums, per bin for the ECE), so an
 * accumulated value is the metric over every sample seen since the accumulator was reset, exactly
 * as {@link CalibrationReport} computes it on those samples, up to the rounding of double sums and
 * the final conversion to {@code float}.
 *
 * <p>Thread safety: accumulators live in a concurrent map and each update replaces a key's
 * statistics atomically ({@code ConcurrentHashMap.compute}) by new, never-mutated statistics, so
 * updates from the threads of a multi-device trainer are safe and {@link #getAccumulator} always
 * sees a consistent state. Every NDArray created while updating is closed before the update
 * returns.
 */
public abstract class CalibrationEvaluator extends Evaluator {

    private final boolean fromLogits;
    private final int numBins;
    private final ToDoubleFunction<CalibrationStats> metric;
    private final Map<String, CalibrationStats> accumulators = new ConcurrentHashMap<>();

    /**
     * Creates an evaluator from its builder's options.
     *
     * @param builder the builder (name, logits or probabilities)
     * @param numBins the number of equal-width bins the metric uses
     * @param metric the metric of some statistics, NaN when they hold no sample
     * @throws IllegalArgumentException if the name is empty or {@code numBins < 1}
     */
    CalibrationEvaluator(
            BaseBuilder<?, ?> builder, int numBins, ToDoubleFunction<CalibrationStats> metric) {
        super(builder.checkedName());
        CalibrationReport.checkBins(numBins);
        this.fromLogits = builder.fromLogits;
        this.numBins = numBins;
        this.metric = metric;
    }

    /**
     * Returns whether predictions are read as logits (otherwise as probabilities).
     *
     * @return {@code true} for logits
     */
    public boolean isFromLogits() {
        return fromLogits;
    }

    int numBins() {
        return numBins;
    }

    private double metric(CalibrationStats stats) {
        return metric.applyAsDouble(stats);
    }

    /**
     * Computes the metric of one batch.
     *
     * @param labels the class indices, {@code labels.head()} of shape {@code (N)}
     * @param predictions the logits or probabilities, {@code predictions.head()} of shape {@code
     *     (N, C)}
     * @return the metric as a scalar, float64 for float64 predictions and float32 otherwise,
     *     attached to the manager of the predictions
     * @throws IllegalArgumentException for bad input (see {@link CalibrationReport})
     */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray head = Inputs.head(predictions, "predictions");
        double value = metric(batch(labels, predictions));
        return head.getDataType() == DataType.FLOAT64
                ? head.getManager().create(value)
                : head.getManager().create((float) value);
    }

    /** {@inheritDoc} */
    @Override
    public void addAccumulator(String key) {
        accumulators.put(key, empty());
    }

    /** {@inheritDoc} */
    @Override
    public void updateAccumulator(String key, NDList labels, NDList predictions) {
        updateAccumulators(new String[] {key}, labels, predictions);
    }

    /**
     * Adds one batch to the accumulators of the given keys; the batch is read once.
     *
     * @param keys the accumulator keys, each added before with {@link #addAccumulator}
     * @param labels the class indices
     * @param predictions the logits or probabilities
     * @throws IllegalArgumentException for bad input or a key without accumulator
     */
    @Override
    public void updateAccumulators(String[] keys, NDList labels, NDList predictions) {
        for (String key : keys) {
            requireKey(key);
        }
        CalibrationStats batch = batch(labels, predictions);
        for (String key : keys) {
            accumulators.compute(key, (k, current) -> requireKey(k, current).plus(batch));
        }
    }

    /** {@inheritDoc} */
    @Override
    public void resetAccumulator(String key) {
        accumulators.put(key, empty());
    }

    /**
     * Returns the metric over every sample added to the accumulator since it was added or reset.
     *
     * @param key the accumulator key
     * @return the metric, NaN if no sample was added
     * @throws IllegalArgumentException if no accumulator was added with the given key
     */
    @Override
    public float getAccumulator(String key) {
        return (float) metric(requireKey(key));
    }

    /**
     * Returns the number of samples in an accumulator.
     *
     * @param key the accumulator key
     * @return the number of samples added since the accumulator was added or reset
     * @throws IllegalArgumentException if no accumulator was added with the given key
     */
    public long getAccumulatedCount(String key) {
        return requireKey(key).count;
    }

    private CalibrationStats requireKey(String key) {
        return requireKey(key, accumulators.get(key));
    }

    private CalibrationStats requireKey(String key, CalibrationStats stats) {
        if (stats == null) {
            throw new IllegalArgumentException(
                    "key: no accumulator named '" + key + "' was added to " + getName());
        }
        return stats;
    }

    private CalibrationStats empty() {
        return new CalibrationStats(numBins, 0, Set.of());
    }

    private CalibrationStats batch(NDList labels, NDList predictions) {
        String argument = fromLogits ? "predictions (logits)" : "predictions (probabilities)";
        NDArray input = Inputs.head(predictions, "predictions");
        Shape shape = RowScanner.checkMatrix(input, argument);
        int numClasses = (int) shape.get(1);
        int[] classes =
                RowScanner.labels(
                        Inputs.head(labels, "labels"),
                        argument,
                        shape,
                        LabelTypes.INTEGERS_OR_WHOLE_FLOATS);
        CalibrationStats stats = empty();
        RowScanner.scan(
                input,
                classes,
                fromLogits ? Scores.LOGITS : Scores.PROBABILITIES,
                argument,
                0,
                stats);
        return stats;
    }

    /**
     * The options shared by the calibration evaluators' builders.
     *
     * @param <T> the concrete builder
     * @param <E> the evaluator it builds
     */
    public abstract static class BaseBuilder<T extends BaseBuilder<T, E>, E extends Evaluator> {

        private final Function<T, E> factory;
        private String name;
        private boolean fromLogits = true;

        BaseBuilder(String name, Function<T, E> factory) {
            this.name = name;
            this.factory = factory;
        }

        /**
         * Sets the evaluator's name, which DJL uses in training logs and results.
         *
         * @param name the name, not empty
         * @return this builder
         */
        public T optName(String name) {
            this.name = name;
            return self();
        }

        /**
         * Sets whether predictions are logits (the default) or probabilities.
         *
         * @param fromLogits {@code true} for logits, {@code false} for probabilities whose rows sum
         *     to 1
         * @return this builder
         */
        public T optFromLogits(boolean fromLogits) {
            this.fromLogits = fromLogits;
            return self();
        }

        /**
         * Returns this builder.
         *
         * @return this builder
         */
        protected abstract T self();

        /**
         * Builds the evaluator.
         *
         * @return the evaluator
         * @throws IllegalArgumentException if the name is empty or an option is invalid
         */
        public E build() {
            return factory.apply(self());
        }

        String checkedName() {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException(
                        "name: must not be null or empty, got " + (name == null ? "null" : "\"\""));
            }
            return name;
        }
    }
}
