package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;

/**
 * Fits histogram binning (Zadrozny and Elkan 2001): the probability axis is cut into {@code B}
 * equal-width bins, and every probability is replaced by the fraction of positives among the fit
 * rows whose probability fell into the same bin.
 *
 * <h2>Definition</h2>
 *
 * <p>Bin {@code b} (0-based) holds the probabilities {@code b / B < p <= (b + 1) / B}, and a
 * probability of exactly 0 falls into the first bin: the same bins as {@link CalibrationReport}'s
 * ECE. Its calibrated value {@code theta_b} is the fraction of positive rows among the fit rows in
 * the bin, or the bin's midpoint {@code (b + 0.5) / B} when no fit row fell into it (netcal's
 * choice).
 *
 * <h2>Binary and multiclass input</h2>
 *
 * <ul>
 *   <li>Binary: scores {@code (N)} or {@code (N, 1)}, one logit per row, and labels 0/1; the bins
 *       are on {@code p = sigmoid(score)}, and {@code apply} returns {@code P(y = 1)} of shape
 *       {@code (N)}.
 *   <li>Multiclass: logits {@code (N, C)} and class indices. One-vs-rest: one histogram per class
 *       {@code k} on the softmax probability {@code p_k} against the indicator {@code y == k};
 *       {@code apply} maps each class's probability and divides each row by its sum (a row whose
 *       values are all 0 becomes uniform). This is the one-vs-all extension of Zadrozny and Elkan
 *       (2002) and Guo et al. (2017), and netcal's {@code HistogramBinning} convention ({@code
 *       independent_probabilities=False}: per-class bins of the probabilities, then normalised);
 *       scikit-learn has no histogram binning, but normalises its one-vs-rest calibrators the same
 *       way, with the same uniform rows.
 * </ul>
 *
 * <h2>Options and inputs</h2>
 *
 * <ul>
 *   <li>{@link Builder#optBins(int)}: the number of bins {@code B >= 1}, default 10 (netcal's and
 *       Zadrozny and Elkan's choice).
 *   <li>Logits / scores: float32, float64 or float16, finite, at least one row; multiclass input
 *       needs {@code C >= 2}. Labels: {@code (N)} of an integer type, 0/1 or class indices.
 *   <li>Invalid input or options give an {@link IllegalArgumentException} naming the argument and
 *       what was seen: {@code optBins(0)}, null arrays, wrong shapes, empty input, labels not 0/1
 *       (binary) or out of range, NaN or infinite values.
 * </ul>
 *
 * <pre>{@code
 * HistogramFit fit = HistogramBinning.builder().optBins(15).build().fit(logits, labels);
 * NDArray probabilities = fit.apply(testLogits);
 * HistogramFit same = HistogramFit.fromJson(fit.toJson());
 * }</pre>
 *
 * <p>Instances are immutable and safe to share across threads.
 */
public final class HistogramBinning implements Calibrator {

    /** The default number of bins. */
    public static final int DEFAULT_BINS = 10;

    private final int bins;

    /** Creates a histogram binning calibrator with {@value #DEFAULT_BINS} bins. */
    public HistogramBinning() {
        this(DEFAULT_BINS);
    }

    private HistogramBinning(int bins) {
        this.bins = bins;
    }

    /**
     * Creates a builder for a {@code HistogramBinning}.
     *
     * @return a new builder holding the default options
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the number of bins.
     *
     * @return {@code B}
     */
    public int getBins() {
        return bins;
    }

    /**
     * Fits the bin values.
     *
     * @param logits binary scores {@code (N)} / {@code (N, 1)}, or logits {@code (N, C)}
     * @param labels 0/1 labels for binary scores, class indices for logits
     * @return the fit
     * @throws IllegalArgumentException if the inputs are invalid (see the class documentation)
     */
    @Override
    public HistogramFit fit(NDArray logits, NDArray labels) {
        OneVsRestFit.Fitted fitted =
                OneVsRestFit.fit(
                        logits,
                        labels,
                        HistogramFit.BINARY_INPUT,
                        (p, positive) -> HistogramMap.fit(p, positive, bins));
        return new HistogramFit(fitted, bins);
    }

    /** Builds a {@link HistogramBinning}. */
    public static final class Builder {

        private int bins = DEFAULT_BINS;

        private Builder() {}

        /**
         * Sets the number of equal-width bins.
         *
         * @param bins at least 1; default {@value HistogramBinning#DEFAULT_BINS}
         * @return this builder
         */
        public Builder optBins(int bins) {
            this.bins = bins;
            return this;
        }

        /**
         * Validates the options and builds the calibrator.
         *
         * @return a new calibrator
         * @throws IllegalArgumentException if {@code bins < 1}
         */
        public HistogramBinning build() {
            if (bins < 1) {
                throw new IllegalArgumentException("bins: must be at least 1, got " + bins);
            }
            return new HistogramBinning(bins);
        }
    }
}
