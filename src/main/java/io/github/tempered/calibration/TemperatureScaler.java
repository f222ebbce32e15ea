package io.github.tempered.calibration;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.TranslateException;
import ai.djl.util.Progress;
import io.github.tempered.internal.ClassIndices.LabelTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * Fits the temperature {@code T} of temperature scaling (Guo et al. 2017, "On Calibration of Modern
 * Neural Networks"): the {@code T > 0} that minimises the mean negative log-likelihood
 *
 * <pre>
 *   NLL(T) = mean_i [ logsumexp_c(z_ic / T) - z_i,y_i / T ]
 * </pre>
 *
 * of logits {@code z} (N, C) against class indices {@code y} (N), computed in float64 whatever the
 * logits' type.
 *
 * <h2>Method</h2>
 *
 * <p>With {@code beta = 1 / T} the NLL is convex. The fit is a safeguarded Halley / Newton
 * iteration on {@code beta} for the root of the NLL's derivative: each iteration is one pass over
 * the data computing the NLL and its first three derivatives in float64; steps are bracketed and
 * fall back to bisection, so it always converges. It starts at {@code T = 1} and stops when the
 * last step changes {@code T} by at most the tolerance (relative, {@code 1e-6} by default); real
 * model outputs take 3 or 4 passes. There is no learning rate and no iteration budget that stops
 * short ({@code docs/design.md} explains the method and the failures of the reference
 * implementations it avoids).
 *
 * <h2>Edge cases</h2>
 *
 * <ul>
 *   <li>Separable data (every label is its row's arg-max, ties included): the NLL decreases as
 *       {@code T -> 0}. The fit stops at the minimum temperature ({@code 1e-3} by default), logs a
 *       warning and reports {@link TemperatureFit.Outcome#AT_MIN_TEMPERATURE}; so does a fit whose
 *       optimum lies below the bound.
 *   <li>Logits that rank the labels no better than average ({@code mean_i (mean_c z_ic - z_i,y_i)
 *       >= 0}): the optimum is {@code T -> infinity}; the fit stops at the maximum temperature
 *       ({@code 1e3} by default) with {@link TemperatureFit.Outcome#AT_MAX_TEMPERATURE} and a
 *       warning, as does a fit whose optimum lies above the bound.
 *   <li>Every row constant (including {@code C = 1}): the NLL is {@code log C} for every {@code T};
 *       the fit returns {@code T = 1} with {@link TemperatureFit.Outcome#UNDETERMINED} and a
 *       warning. Constant rows among others do not change the optimum.
 *   <li>The returned temperature is always finite and inside [minTemperature, maxTemperature];
 *       never 0, negative or NaN.
 * </ul>
 *
 * <h2>Inputs</h2>
 *
 * <ul>
 *   <li>Logits: {@code (N, C)}, float32, float64 or float16, finite, {@code N >= 1}, {@code C >=
 *       1}. Adding a constant to a row changes nothing, so {@code log(probabilities)} works as
 *       logits.
 *   <li>Labels: {@code (N)} class indices in {@code [0, C)} of an integer type (int64, int32, int8,
 *       uint8). Unlike {@code CrossEntropyLoss}, {@link #fit(NDArray, NDArray)} and {@link
 *       #fit(Iterable)} reject floating-point labels: a fit silently run on probabilities or
 *       one-hot rows would be wrong, so the caller converts explicitly. The {@link #fit(Dataset,
 *       Predictor)} entry point does accept floating labels holding whole numbers, since DJL's
 *       datasets produce float32 labels.
 *   <li>Invalid input gives an {@link IllegalArgumentException} naming the argument and what was
 *       seen: null arrays, logits that are not (N, C) floating point, empty input, labels of
 *       another length, type or range, NaN or infinite logits.
 * </ul>
 *
 * <h2>Memory and speed</h2>
 *
 * <p>{@link #fit(NDArray, NDArray)} copies the logits once from the engine (from any device) into
 * the JVM as float64: 8 bytes per logit of Java heap. Each pass is then a Java loop, parallel over
 * rows for large inputs. Every NDArray the fit creates is closed before it returns. The streaming
 * entry points keep one batch at a time.
 *
 * <p>Progress: every pass is logged through SLF4J (logger {@code
 * io.github.tempered.calibration.TemperatureSolver}) at DEBUG, and at INFO once the fit has run for
 * a second, so long fits show their progress; the streaming entry points also report each batch to
 * an optional {@link Progress} such as DJL's {@code ProgressBar}. Warnings are logged when a fit
 * stops at a bound, is undetermined or reaches the iteration limit.
 *
 * <p>Instances are immutable and safe to share across threads.
 */
public final class TemperatureScaler implements Calibrator {

    /** Logits per block of the in-memory fit: 8 MB of float64 each. */
    private static final long BLOCK_ELEMENTS = 1L << 20;

    private final double tolerance;
    private final int maxIterations;
    private final double minTemperature;
    private final double maxTemperature;
    private final TemperatureSolver solver;

    /**
     * Creates a scaler with the default options: tolerance {@code 1e-6}, at most 100 iterations,
     * temperatures in {@code [1e-3, 1e3]}.
     */
    public TemperatureScaler() {
        this(builder());
    }

    private TemperatureScaler(Builder builder) {
        tolerance = builder.tolerance;
        maxIterations = builder.maxIterations;
        minTemperature = builder.minTemperature;
        maxTemperature = builder.maxTemperature;
        solver = new TemperatureSolver(tolerance, maxIterations, minTemperature, maxTemperature);
    }

    /**
     * Creates a builder for a {@code TemperatureScaler}.
     *
     * @return a new builder holding the default options
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the relative tolerance on the temperature.
     *
     * @return the tolerance
     */
    public double getTolerance() {
        return tolerance;
    }

    /**
     * Returns the largest number of passes over the data a fit may make.
     *
     * @return the iteration limit
     */
    public int getMaxIterations() {
        return maxIterations;
    }

    /**
     * Returns the smallest temperature a fit may return.
     *
     * @return the minimum temperature
     */
    public double getMinTemperature() {
        return minTemperature;
    }

    /**
     * Returns the largest temperature a fit may return.
     *
     * @return the maximum temperature
     */
    public double getMaxTemperature() {
        return maxTemperature;
    }

    /**
     * Fits the temperature to logits and labels held in memory.
     *
     * @param logits raw logits of shape {@code (N, C)}, any floating type, finite
     * @param labels class indices of shape {@code (N)}, an integer type, each in {@code [0, C)}
     * @return the fit; see {@link TemperatureFit#outcome()} for how it ended
     * @throws IllegalArgumentException if the inputs are invalid (see the class documentation)
     */
    @Override
    public TemperatureFit fit(NDArray logits, NDArray labels) {
        long[] classIndices =
                LogitBlock.readLabels(logits, labels, "logits", "labels", LabelTypes.INTEGERS);
        CalibrationInputs.requireRows(classIndices.length, "logits", logits.getShape());
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            List<LogitBlock> blocks = prepareBlocks(logits, classIndices);
            return solver.solve(
                    beta -> {
                        PassTotals totals = new PassTotals(beta);
                        for (LogitBlock block : blocks) {
                            totals.add(block);
                        }
                        return totals;
                    });
        }
    }

    /**
     * Fits the temperature to batches of (logits, labels), one pass over the batches per iteration,
     * keeping one batch in memory at a time.
     *
     * <p>Each pass calls {@code batches.iterator()} once and must yield the same rows (in any
     * order). Every NDArray created while a batch is produced (inside the iterator's {@code
     * hasNext} and {@code next}) or processed is closed once the batch has been processed, so
     * batches produced lazily, e.g. slices of a larger array or outputs of a model, keep memory to
     * one batch; arrays that existed before (batches held in a list) are left open.
     *
     * @param batches each element an {@link NDList} holding logits {@code (n, C)} then labels
     *     {@code (n)}; {@code C} the same for all, {@code n} may differ and be 0
     * @return the fit; it equals {@link #fit(NDArray, NDArray)} on the concatenated batches up to
     *     summation order
     * @throws IllegalArgumentException if a batch is invalid (see the class documentation), there
     *     are no rows, or a pass yields a different number of rows than the first
     */
    public TemperatureFit fit(Iterable<NDList> batches) {
        return fit(batches, null);
    }

    /**
     * Fits the temperature to batches of (logits, labels), reporting per-batch progress.
     *
     * @param batches as in {@link #fit(Iterable)}
     * @param progress receives one {@code reset} per pass and one increment per batch (DJL's {@code
     *     ai.djl.training.util.ProgressBar} draws a bar), or {@code null}
     * @return the fit
     * @throws IllegalArgumentException as {@link #fit(Iterable)}
     */
    public TemperatureFit fit(Iterable<NDList> batches, Progress progress) {
        if (batches == null) {
            throw new IllegalArgumentException("batches: must not be null");
        }
        long known = batches instanceof Collection ? ((Collection<?>) batches).size() : 0;
        StreamingPasses passes =
                new StreamingPasses("batches", LabelTypes.INTEGERS, progress, known);
        StreamingPasses.Source<RuntimeException> source = sink -> forEachBatch(batches, sink);
        return solver.solve(beta -> passes.run(source, beta));
    }

    /**
     * Fits the temperature to the outputs of a model on a dataset: each pass runs the predictor on
     * every batch of {@code dataset.getData(manager)}, with memory bounded by one batch.
     *
     * <p>The predictor maps a batch's data to an {@link NDList} whose first array holds the logits
     * {@code (n, C)}, e.g. {@code model.newPredictor(new NoopTranslator())}; the batch's first
     * label array holds the class indices, of an integer type or floating point holding whole
     * numbers (as DJL's datasets produce). The batches are read with a base manager created and
     * closed by this method; each batch and every array created while processing it is closed
     * before the next one.
     *
     * @param dataset the dataset, prepared
     * @param predictor computes the logits of a batch
     * @return the fit
     * @throws IOException if the dataset fails to read a batch
     * @throws TranslateException if the dataset or the predictor fails
     * @throws IllegalArgumentException if an argument is null or a batch is invalid
     */
    public TemperatureFit fit(Dataset dataset, Predictor<NDList, NDList> predictor)
            throws IOException, TranslateException {
        return fit(dataset, predictor, null);
    }

    /**
     * Fits the temperature to the outputs of a model on a dataset, reporting per-batch progress.
     *
     * @param dataset the dataset, prepared
     * @param predictor computes the logits of a batch
     * @param progress receives one {@code reset} per pass and one increment per batch, or {@code
     *     null}
     * @return the fit
     * @throws IOException if the dataset fails to read a batch
     * @throws TranslateException if the dataset or the predictor fails
     * @throws IllegalArgumentException if an argument is null or a batch is invalid
     */
    public TemperatureFit fit(
            Dataset dataset, Predictor<NDList, NDList> predictor, Progress progress)
            throws IOException, TranslateException {
        if (dataset == null) {
            throw new IllegalArgumentException("dataset: must not be null");
        }
        if (predictor == null) {
            throw new IllegalArgumentException("predictor: must not be null");
        }
        StreamingPasses passes =
                new StreamingPasses("dataset", LabelTypes.INTEGERS_OR_WHOLE_FLOATS, progress, 0);
        try (NDManager manager = NDManager.newBaseManager()) {
            StreamingPasses.Source<Exception> source =
                    sink -> forEachBatch(dataset, predictor, manager, sink);
            return solver.solve(beta -> passes.run(source, beta));
        } catch (IOException | TranslateException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // forEachBatch throws nothing else; keep the compiler satisfied.
            throw new IllegalStateException(e);
        }
    }

    /**
     * Fits the temperature from passes computed by the caller: an extension point for distributed
     * fits, where each pass is one aggregation over data held elsewhere.
     *
     * <p>The fit calls {@code passes.apply(beta)} once per iteration, the first time with {@code
     * beta = 1}; the function returns the {@link PassTotals} of every row at that {@code beta}
     * (created with {@code new PassTotals(beta)}, filled with {@link PassTotals#addRow} and merged
     * with {@link PassTotals#merge}). Everything else, the iteration, the bounds and the outcome,
     * is the same as for {@link #fit(NDArray, NDArray)}, so the fit equals that of the same rows
     * held in memory up to the order of the float64 sums. {@code io.github.tempered.spark} builds
     * its {@code TemperatureScaling} stage on this method.
     *
     * @param passes computes one pass; it must see the same rows on every call
     * @return the fit
     * @throws IllegalArgumentException if {@code passes} is null, returns null or totals at another
     *     {@code beta}, the first pass sees no rows, or a later pass sees a different number of
     *     rows than the first; an exception thrown by {@code passes} propagates
     */
    public TemperatureFit fitPasses(DoubleFunction<PassTotals> passes) {
        if (passes == null) {
            throw new IllegalArgumentException("passes: must not be null");
        }
        long[] firstRows = {-1};
        return solver.solve(
                beta -> {
                    PassTotals totals = passes.apply(beta);
                    if (totals == null || Double.compare(totals.beta(), beta) != 0) {
                        throw new IllegalArgumentException(
                                "passes: must return the totals at beta = "
                                        + beta
                                        + ", got "
                                        + (totals == null ? "null" : "beta = " + totals.beta()));
                    }
                    if (firstRows[0] < 0) {
                        if (totals.rows() == 0) {
                            throw new IllegalArgumentException(
                                    "passes: empty input, the first pass saw no rows; a fit needs"
                                            + " at least one row");
                        }
                        firstRows[0] = totals.rows();
                    } else if (totals.rows() != firstRows[0]) {
                        throw new IllegalArgumentException(
                                "passes: the pass at beta = "
                                        + beta
                                        + " saw "
                                        + totals.rows()
                                        + " rows but the first pass saw "
                                        + firstRows[0]
                                        + "; every pass must see the same rows");
                    }
                    return totals;
                });
    }

    private static void forEachBatch(Iterable<NDList> batches, StreamingPasses.Sink sink) {
        Iterator<NDList> iterator = batches.iterator();
        for (long index = 0; ; index++) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                if (!iterator.hasNext()) {
                    return;
                }
                NDList batch = iterator.next();
                if (batch == null || batch.size() < 2) {
                    throw new IllegalArgumentException(
                            "batches["
                                    + index
                                    + "]: must be an NDList of (logits, labels), got "
                                    + (batch == null ? "null" : batch.size() + " array(s)"));
                }
                sink.accept(batch.get(0), batch.get(1));
            }
        }
    }

    private static void forEachBatch(
            Dataset dataset,
            Predictor<NDList, NDList> predictor,
            NDManager manager,
            StreamingPasses.Sink sink)
            throws IOException, TranslateException {
        long index = 0;
        for (Batch batch : dataset.getData(manager)) {
            try (batch;
                    NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDList output = predictor.predict(batch.getData());
                NDList labels = batch.getLabels();
                if (output == null || output.isEmpty() || labels == null || labels.isEmpty()) {
                    throw new IllegalArgumentException(
                            "dataset["
                                    + index
                                    + "]: the predictor's output and the batch's labels must each"
                                    + " hold at least one array, got "
                                    + (output == null ? 0 : output.size())
                                    + " and "
                                    + (labels == null ? 0 : labels.size()));
                }
                sink.accept(output.head(), labels.head());
            }
            index++;
        }
    }

    private static List<LogitBlock> prepareBlocks(NDArray logits, long[] labels) {
        int rows = labels.length;
        long classes = logits.getShape().get(1);
        int blockRows = (int) Math.max(1, Math.min(rows, BLOCK_ELEMENTS / classes));
        List<LogitBlock> blocks = new ArrayList<>();
        for (int from = 0; from < rows; from += blockRows) {
            int to = Math.min(rows, from + blockRows);
            long[] blockLabels =
                    from == 0 && to == rows ? labels : Arrays.copyOfRange(labels, from, to);
            NDArray part =
                    from == 0 && to == rows ? logits : logits.get(new NDIndex("{}:{}", from, to));
            blocks.add(LogitBlock.prepare(part, blockLabels, from, "logits", logits.getShape()));
        }
        return blocks;
    }

    /** Builds a {@link TemperatureScaler}. */
    public static final class Builder {

        private double tolerance = 1e-6;
        private int maxIterations = 100;
        private double minTemperature = 1e-3;
        private double maxTemperature = 1e3;

        private Builder() {}

        /**
         * Sets the relative tolerance on the temperature: the fit stops once a step changes {@code
         * T} by at most this fraction.
         *
         * @param tolerance in {@code (0, 0.1]}; default {@code 1e-6}
         * @return this builder
         */
        public Builder optTolerance(double tolerance) {
            this.tolerance = tolerance;
            return this;
        }

        /**
         * Sets the largest number of passes over the data (iterations) a fit may make.
         *
         * @param maxIterations at least 1; default 100
         * @return this builder
         */
        public Builder optMaxIterations(int maxIterations) {
            this.maxIterations = maxIterations;
            return this;
        }

        /**
         * Sets the smallest temperature a fit may return, where it stops on separable data.
         *
         * @param minTemperature in {@code (0, 1]}; default {@code 1e-3}
         * @return this builder
         */
        public Builder optMinTemperature(double minTemperature) {
            this.minTemperature = minTemperature;
            return this;
        }

        /**
         * Sets the largest temperature a fit may return.
         *
         * @param maxTemperature at least 1 and finite; default {@code 1e3}
         * @return this builder
         */
        public Builder optMaxTemperature(double maxTemperature) {
            this.maxTemperature = maxTemperature;
            return this;
        }

        /**
         * Validates the options and builds the scaler.
         *
         * @return a new scaler
         * @throws IllegalArgumentException if an option is out of range; the message names it and
         *     the value seen
         */
        public TemperatureScaler build() {
            if (!(tolerance > 0 && tolerance <= 0.1)) {
                throw new IllegalArgumentException(
                        "tolerance: must be in (0, 0.1], got " + tolerance);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException(
                        "maxIterations: must be at least 1, got " + maxIterations);
            }
            if (!(minTemperature > 0 && minTemperature <= 1)) {
                throw new IllegalArgumentException(
                        "minTemperature: must be in (0, 1] (the fit starts at T = 1), got "
                                + minTemperature);
            }
            if (!(maxTemperature >= 1) || Double.isInfinite(maxTemperature)) {
                throw new IllegalArgumentException(
                        "maxTemperature: must be finite and at least 1 (the fit starts at T = 1),"
                                + " got "
                                + maxTemperature);
            }
            return new TemperatureScaler(this);
        }
    }
}
