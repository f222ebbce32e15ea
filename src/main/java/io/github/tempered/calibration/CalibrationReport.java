package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.ClassIndices.LabelTypes;
import io.github.tempered.internal.Inputs;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Calibration metrics of a classifier's predictions: ECE, adaptive ECE, MCE, classwise ECE, Brier
 * score, NLL, accuracy and the reliability bin table, for multiclass predictions or, in the binary
 * form, for the probability of the positive class.
 *
 * <p>A report is an immutable value built from sufficient statistics (sums in double), so reports
 * of disjoint parts of a data set {@link #merge merge} into the report of their union. Distributed
 * jobs merge the statistics themselves, {@link CalibrationStats}, which stay {@code O(C * B)} in
 * size (as {@code io.github.tempered.spark.MulticlassCalibrationEvaluator} does).
 *
 * <h2>Definitions</h2>
 *
 * <p>For {@code N} samples with probabilities {@code p_ik} over {@code C} classes and true classes
 * {@code y_i}, the <em>confidence</em> is {@code conf_i = max_k p_ik}, the <em>prediction</em> is
 * the first class attaining it (as NumPy's {@code argmax}) and {@code correct_i} says whether it
 * equals {@code y_i}.
 *
 * <ul>
 *   <li><b>Equal-width bins</b> ({@code B = numBins}): bin {@code b} (0-based) holds the values
 *       {@code b / B < p <= (b + 1) / B}, half-open on the left as in Guo et al. (2017). A value of
 *       exactly 0 falls in the first bin and a value of exactly 1 (or, after rounding, slightly
 *       above) in the last. The edges {@code k / B} are computed in double and every input is
 *       widened exactly to double before the comparison, so a float32 {@code 0.2f} (which is
 *       0.2000000030) lies above the edge {@code 3 / 15} while a float64 {@code 0.2} lies on it and
 *       belongs to the bin below.
 *   <li><b>ECE</b> {@code = sum_b (n_b / N) |acc_b - conf_b|} over the equal-width bins of the
 *       confidences, where {@code acc_b} and {@code conf_b} are the bin's accuracy and mean
 *       confidence; <b>MCE</b> is the largest {@code |acc_b - conf_b|} over non-empty bins.
 *   <li><b>Adaptive (equal-mass) ECE</b>: the {@code N} pairs {@code (conf_i, correct_i)}, sorted
 *       by confidence and then by correctness (wrong first), are cut into {@code B} consecutive
 *       bins whose sizes differ by at most one, the first {@code N mod B} bins holding one sample
 *       more (NumPy's {@code array_split}); the ECE formula is then applied to these bins, and bins
 *       left empty when {@code N < B} contribute nothing. See Nixon et al. (2019), "Measuring
 *       Calibration in Deep Learning".
 *   <li><b>Classwise ECE</b>: the mean over the {@code C} classes of the equal-width ECE of {@code
 *       p_ik} against the indicator {@code y_i == k}, taken over all {@code N} samples, i.e. {@code
 *       (1 / C) sum_k sum_b (n_kb / N) |mean_{i in kb} [y_i == k] - mean_{i in kb} p_ik|}. This is
 *       Kull et al. (2019)'s classwise-ECE and Nixon et al.'s static calibration error (SCE).
 *   <li><b>Brier score</b>: {@code (1 / N) sum_i sum_k (p_ik - [y_i == k])^2}, which lies in {@code
 *       [0, 2]}.
 *   <li><b>NLL</b>: the mean of {@code -log p_iy}. From probabilities it is {@code -log(max(p_iy,
 *       tiny))} with {@code tiny} the smallest normal number of float32 for float32 and float16
 *       input ({@code 2^-126}, so at most about 87.34); {@code 2^-1022} for float64, at most about
 *       708.40). From logits it is the exact float64 log-softmax, never {@code log(softmax)}, so it
 *       stays finite and accurate for logits of any finite magnitude.
 *   <li><b>Accuracy</b>: the mean of {@code correct_i}.
 * </ul>
 *
 * <h2>Binary form</h2>
 *
 * <p>{@link #ofBinary} (probabilities {@code P(y = 1)}, shape {@code (N)} or {@code (N, 1)}) and
 * {@link #ofBinaryLogits} (one logit per row, {@code P(y = 1) = sigmoid(score)}) with labels 0/1
 * report the reliability of {@code P(y = 1)}, as scikit-learn's {@code calibration_curve} does: the
 * bins are of {@code p_i = P(y_i = 1)} rather than of the top-label confidence; a bin's
 * "confidence" is its mean {@code p} and its "accuracy" its fraction of positives, so ECE {@code =
 * sum_b (n_b / N) |mean_b p - mean_b y|} and MCE is the largest such gap. Adaptive ECE uses
 * equal-mass bins of {@code (p_i, y_i)}; classwise ECE is that of the two classes {@code (1 - p,
 * p)}; Brier is {@code mean (p - y)^2} (scikit-learn's {@code brier_score_loss}, half the two-class
 * sum); NLL is {@code mean -log P(y_i)} (clamped as below; exact from logits); accuracy is that of
 * predicting 1 when {@code p > 0.5}. {@link #isBinary()} tells the forms apart, and only reports of
 * the same form merge.
 *
 * <h2>Inputs</h2>
 *
 * <ul>
 *   <li>Probabilities: an {@code (N, C)} floating-point array (float32, float64 or float16), every
 *       entry finite and non-negative and every row summing to 1 within {@link #ROW_SUM_TOLERANCE}.
 *       They are widened to float64 exactly, and every metric is computed in float64.
 *   <li>Logits: an {@code (N, C)} floating-point array of finite values; the engine widens them to
 *       float64 and takes the log-softmax, and the probabilities are its exponential.
 *   <li>Labels: an {@code (N)} array of class indices in {@code [0, C)}, of an integer type (int64,
 *       int32, int8 or uint8; floating-point labels are rejected).
 *   <li>NaN and infinite values are always rejected (a calibration report is a final number, not a
 *       training signal); the metrics are plain Java {@code double}s.
 * </ul>
 *
 * <p>Bad input throws an {@link IllegalArgumentException} naming the argument and what was seen.
 * The arrays may live on any device; chunks of rows are copied to Java and every array created on
 * the way is closed before a factory method returns.
 *
 * <p>A report from {@link #of} or {@link #ofLogits} keeps every sample's confidence (for the
 * adaptive ECE and an exact merge), so its size grows with {@code N}: about 8 bytes a sample, plus
 * {@code O(C * B)} for the classwise bins.
 */
public final class CalibrationReport {

    /**
     * How far the sum of a row of probabilities may be from 1: rows with {@code |sum_k p_k - 1| >
     * 1e-3} are rejected. Generous enough for float16 probabilities and for rows that were
     * normalised in float32 over many classes.
     */
    public static final double ROW_SUM_TOLERANCE = Inputs.PROBABILITY_ROW_SUM_TOLERANCE;

    private static final Set<CalibrationStats.Detail> DETAILS =
            EnumSet.allOf(CalibrationStats.Detail.class);

    private final CalibrationStats stats;
    private final double ece;
    private final double mce;
    private final double adaptiveEce;
    private final double classwiseEce;
    private final List<Bin> bins;
    private final boolean binary;

    /**
     * Creates the (multiclass) report of statistics that are not changed afterwards.
     *
     * @param stats the statistics, at least one sample, with the classwise bins
     * @param equalMass their equal-mass bins
     */
    CalibrationReport(CalibrationStats stats, EqualMassBins equalMass) {
        this(stats, equalMass, false);
    }

    private CalibrationReport(CalibrationStats stats, EqualMassBins equalMass, boolean binary) {
        this.binary = binary;
        this.stats = stats;
        long n = stats.count;
        ece = stats.ece();
        List<Bin> table = new ArrayList<>(stats.numBins);
        double worst = 0;
        for (int b = 0; b < stats.numBins; b++) {
            long count = stats.binCount[b];
            double meanConfidence = count == 0 ? Double.NaN : stats.binConfidence[b] / count;
            double accuracy = count == 0 ? Double.NaN : (double) stats.binCorrect[b] / count;
            if (count > 0) {
                worst = Math.max(worst, Math.abs(meanConfidence - accuracy));
            }
            table.add(
                    new Bin(
                            (double) b / stats.numBins,
                            (double) (b + 1) / stats.numBins,
                            count,
                            meanConfidence,
                            accuracy));
        }
        bins = Collections.unmodifiableList(table);
        mce = worst;
        double classwise = 0;
        for (int k = 0; k < stats.numClasses; k++) {
            classwise +=
                    CalibrationStats.gapSum(
                                    stats.numBins,
                                    stats.classProbability,
                                    stats.classPositive,
                                    k * stats.numBins)
                            / n;
        }
        classwiseEce = classwise / stats.numClasses;
        adaptiveEce = equalMass.ece();
    }

    /**
     * Computes the report of class probabilities.
     *
     * @param probabilities the predicted probabilities, shape {@code (N, C)}, rows summing to 1
     * @param labels the true classes, shape {@code (N)}, integer type, values in {@code [0, C)}
     * @param numBins the number of equal-width (and of equal-mass) bins, at least 1; 15 is usual
     * @return the report
     * @throws IllegalArgumentException if an argument is empty, has the wrong type or shape, holds
     *     a non-finite or negative probability, a row not summing to 1 within {@link
     *     #ROW_SUM_TOLERANCE}, or a label outside {@code [0, C)}; or if {@code numBins < 1}
     */
    public static CalibrationReport of(NDArray probabilities, NDArray labels, int numBins) {
        return compute(probabilities, labels, numBins, Scores.PROBABILITIES);
    }

    /**
     * Computes the report of logits, with probabilities {@code softmax(logits)} and the NLL from
     * the float64 log-softmax. To score a temperature {@code T}, pass {@code logits / T}.
     *
     * @param logits the logits, shape {@code (N, C)}, finite
     * @param labels the true classes, shape {@code (N)}, integer type, values in {@code [0, C)}
     * @param numBins the number of equal-width (and of equal-mass) bins, at least 1; 15 is usual
     * @return the report
     * @throws IllegalArgumentException if an argument is empty, has the wrong type or shape, holds
     *     a NaN or infinite logit or a label outside {@code [0, C)}; or if {@code numBins < 1}
     */
    public static CalibrationReport ofLogits(NDArray logits, NDArray labels, int numBins) {
        return compute(logits, labels, numBins, Scores.LOGITS);
    }

    private static CalibrationReport compute(
            NDArray input, NDArray labels, int numBins, Scores scores) {
        checkBins(numBins);
        Accumulator accumulator = new Accumulator(numBins);
        accumulator.add(input, labels, scores);
        return accumulator.finish();
    }

    /**
     * Creates an accumulator that builds a report from batches of rows, such as chunks of model
     * outputs read from a file.
     *
     * @param numBins the number of equal-width (and of equal-mass) bins, at least 1; 15 is usual
     * @return an empty accumulator
     * @throws IllegalArgumentException if {@code numBins < 1}
     */
    public static Accumulator accumulator(int numBins) {
        checkBins(numBins);
        return new Accumulator(numBins);
    }

    /**
     * Computes the binary report of predicted probabilities of the positive class: the reliability
     * of {@code P(y = 1)} (see the class documentation).
     *
     * @param probabilities {@code P(y = 1)} per row, shape {@code (N)} or {@code (N, 1)}, each in
     *     {@code [0, 1]}
     * @param labels the true labels, shape {@code (N)}, integer type, each 0 or 1
     * @param numBins the number of equal-width (and of equal-mass) bins, at least 1; 15 is usual
     * @return the binary report
     * @throws IllegalArgumentException if an argument is empty, has the wrong type or shape, holds
     *     a NaN, infinite or out-of-range probability, or a label other than 0 and 1; or if {@code
     *     numBins < 1}
     */
    public static CalibrationReport ofBinary(NDArray probabilities, NDArray labels, int numBins) {
        return computeBinary(probabilities, labels, numBins, Scores.PROBABILITIES);
    }

    /**
     * Computes the binary report of scores (logits) of the positive class, with {@code P(y = 1) =
     * sigmoid(score)} and the NLL from the float64 log-sigmoid.
     *
     * @param scores one logit per row, shape {@code (N)} or {@code (N, 1)}, finite
     * @param labels the true labels, shape {@code (N)}, integer type, each 0 or 1
     * @param numBins the number of equal-width (and of equal-mass) bins, at least 1; 15 is usual
     * @return the binary report
     * @throws IllegalArgumentException if an argument is empty, has the wrong type or shape, holds
     *     a NaN or infinite score or a label other than 0 and 1; or if {@code numBins < 1}
     */
    public static CalibrationReport ofBinaryLogits(NDArray scores, NDArray labels, int numBins) {
        return computeBinary(scores, labels, numBins, Scores.LOGITS);
    }

    private static CalibrationReport computeBinary(
            NDArray input, NDArray labels, int numBins, Scores scores) {
        checkBins(numBins);
        Accumulator accumulator = new Accumulator(numBins);
        accumulator.addBinary(input, labels, scores);
        return accumulator.finish();
    }

    static void checkBins(int numBins) {
        if (numBins < 1) {
            throw new IllegalArgumentException("numBins: must be at least 1, got " + numBins);
        }
    }

    /**
     * Returns the report of the union of the samples of this report and of {@code other}.
     *
     * <p>Counts, accuracy, the bin counts, the adaptive ECE and the MCE's bin membership are exact;
     * the sums behind ECE, NLL, Brier score and classwise ECE agree with a report computed on all
     * samples at once up to the rounding of double additions in another order (about {@code 1e-15}
     * relative).
     *
     * @param other the report of other samples, with the same number of bins and classes
     * @return a new report; neither input changes
     * @throws IllegalArgumentException if {@code other} is null or has another number of bins or
     *     classes
     * @throws IllegalStateException if either report was built by {@link
     *     CalibrationStats#report(EqualMassBins)}
     */
    public CalibrationReport merge(CalibrationReport other) {
        if (other == null) {
            throw new IllegalArgumentException("other: must not be null");
        }
        if (other.binary != binary) {
            throw new IllegalArgumentException(
                    "other: is a "
                            + (other.binary ? "binary" : "multiclass")
                            + " report, but this report is "
                            + (binary ? "binary" : "multiclass"));
        }
        if (other.stats.numBins != stats.numBins || other.stats.numClasses != stats.numClasses) {
            throw new IllegalArgumentException(
                    "other: has "
                            + other.stats.numBins
                            + " bins and "
                            + other.stats.numClasses
                            + " classes, but this report has "
                            + stats.numBins
                            + " bins and "
                            + stats.numClasses
                            + " classes");
        }
        if (stats.keys == null || other.stats.keys == null) {
            throw new IllegalStateException(
                    "merge: a report built by CalibrationStats.report keeps no per-sample"
                            + " confidences, so it cannot be merged; merge the CalibrationStats"
                            + " instead");
        }
        CalibrationStats union = stats.plus(other.stats);
        return new CalibrationReport(union, union.equalMassBins(), binary);
    }

    /**
     * Returns the expected calibration error over equal-width bins (Guo et al. 2017).
     *
     * @return the ECE, in {@code [0, 1]}
     */
    public double ece() {
        return ece;
    }

    /**
     * Returns the maximum calibration error: the largest gap between accuracy and mean confidence
     * over the non-empty equal-width bins.
     *
     * @return the MCE, in {@code [0, 1]}
     */
    public double mce() {
        return mce;
    }

    /**
     * Returns the adaptive (equal-mass) expected calibration error, as defined in the class
     * documentation.
     *
     * @return the adaptive ECE, in {@code [0, 1]}
     */
    public double adaptiveEce() {
        return adaptiveEce;
    }

    /**
     * Returns the classwise expected calibration error: the mean over classes of the equal-width
     * ECE of that class's probability against the indicator of that class.
     *
     * @return the classwise ECE, in {@code [0, 1]}
     */
    public double classwiseEce() {
        return classwiseEce;
    }

    /**
     * Returns the Brier score: the mean over samples of the sum over classes of {@code (p_k - [y ==
     * k])^2}.
     *
     * @return the Brier score, in {@code [0, 2]}
     */
    public double brier() {
        return stats.brier();
    }

    /**
     * Returns the mean negative log-likelihood of the true classes (see the class documentation for
     * the clamping of zero probabilities).
     *
     * @return the NLL, at least 0
     */
    public double nll() {
        return stats.nll();
    }

    /**
     * Returns the top-1 accuracy; for a binary report, the accuracy of predicting class 1 when
     * {@code P(y = 1) > 0.5}.
     *
     * @return the fraction of samples whose prediction is the true class
     */
    public double accuracy() {
        return (double) (binary ? stats.accurate : stats.correct) / stats.count;
    }

    /**
     * Returns whether this is a binary report, of the reliability of {@code P(y = 1)}.
     *
     * @return {@code true} for a report made by {@link #ofBinary} or {@link #ofBinaryLogits}
     */
    public boolean isBinary() {
        return binary;
    }

    /**
     * Returns the mean confidence (the mean of the largest probability of each sample); for a
     * binary report, the mean predicted {@code P(y = 1)}.
     *
     * @return the mean confidence, in {@code [0, 1]}
     */
    public double meanConfidence() {
        double sum = 0;
        for (double v : stats.binConfidence) {
            sum += v;
        }
        return sum / stats.count;
    }

    /**
     * Returns the number of samples.
     *
     * @return {@code N}, at least 1
     */
    public long count() {
        return stats.count;
    }

    /**
     * Returns the number of bins.
     *
     * @return {@code B}, at least 1
     */
    public int numBins() {
        return stats.numBins;
    }

    /**
     * Returns the number of classes.
     *
     * @return {@code C}, at least 1; 2 for a binary report
     */
    public int numClasses() {
        return stats.numClasses;
    }

    /**
     * Returns the equal-width bin table of the confidences, from the lowest bin to the highest.
     *
     * @return an unmodifiable list of {@link #numBins()} bins
     */
    public List<Bin> bins() {
        return bins;
    }

    /**
     * Returns a multi-line summary: the metrics, then one line per non-empty bin.
     *
     * @return the summary
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "CalibrationReport (N = %d, %s, %d bins)%n"
                                + "  accuracy %.4f  ECE %.4f  MCE %.4f  adaptive ECE %.4f"
                                + "  classwise ECE %.4f  NLL %.4f  Brier %.4f%n"
                                + "  %-16s %8s %11s %9s%n",
                        count(),
                        binary ? "binary, bins of P(y = 1)" : "C = " + numClasses(),
                        numBins(),
                        accuracy(),
                        ece,
                        mce,
                        adaptiveEce,
                        classwiseEce,
                        nll(),
                        brier(),
                        "bin",
                        "count",
                        binary ? "mean P(y=1)" : "confidence",
                        binary ? "positives" : "accuracy"));
        for (Bin bin : bins) {
            if (bin.count() > 0) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "  (%.3f, %.3f]   %8d %11.4f %9.4f%n",
                                bin.lower(),
                                bin.upper(),
                                bin.count(),
                                bin.meanConfidence(),
                                bin.accuracy()));
            }
        }
        return sb.toString();
    }

    /**
     * Builds a {@link CalibrationReport} from batches of rows, keeping the report's sufficient
     * statistics rather than the rows.
     *
     * <p>The rows of every batch are added in order to one set of statistics, so the report of a
     * sequence of batches equals {@link CalibrationReport#of} or {@link CalibrationReport#ofLogits}
     * on their concatenation bit for bit (reports of the batches joined with {@link
     * CalibrationReport#merge} agree up to the rounding of the sums). Each batch is checked as
     * those methods check their input; messages number rows from the first row of the first batch.
     * All batches must have the same number of classes; logits and probabilities may be mixed.
     *
     * <p>The binary form takes batches of one value per row with labels 0 or 1 ({@link
     * #addBinaryLogits}, {@link #addBinaryProbabilities}) and builds the binary report, equal bit
     * for bit to {@link CalibrationReport#ofBinary} / {@link CalibrationReport#ofBinaryLogits} on
     * the concatenated batches. The first batch decides the form: binary and multiclass batches do
     * not mix.
     *
     * <p>Memory: {@code O(C * B)} plus 8 bytes per row (each row's confidence, for the adaptive
     * ECE); the batches themselves are not kept. An accumulator is not thread-safe; after an
     * exception it holds the rows before the offending one and should be discarded.
     *
     * <pre>{@code
     * CalibrationReport.Accumulator accumulator = CalibrationReport.accumulator(15);
     * for (NDList chunk : modelOutputs) {       // e.g. io.github.tempered.data.ModelOutputs
     *     try (chunk) {
     *         accumulator.addLogits(chunk.get(0), chunk.get(1));
     *     }
     * }
     * CalibrationReport report = accumulator.report();
     * }</pre>
     */
    public static final class Accumulator {

        private final int numBins;
        private CalibrationStats stats;
        private boolean binary;

        private Accumulator(int numBins) {
            this.numBins = numBins;
        }

        /**
         * Adds a batch of logits; the probabilities are {@code softmax(logits)}, as in {@link
         * CalibrationReport#ofLogits}.
         *
         * @param logits the logits, shape {@code (n, C)}, {@code n >= 1}, finite
         * @param labels the true classes, shape {@code (n)}, integer type, values in {@code [0, C)}
         * @return this accumulator
         * @throws IllegalArgumentException as {@link CalibrationReport#ofLogits}, or if {@code C}
         *     differs from the earlier batches'
         */
        public Accumulator addLogits(NDArray logits, NDArray labels) {
            add(logits, labels, Scores.LOGITS);
            return this;
        }

        /**
         * Adds a batch of probabilities, as in {@link CalibrationReport#of}.
         *
         * @param probabilities the probabilities, shape {@code (n, C)}, {@code n >= 1}, rows
         *     summing to 1
         * @param labels the true classes, shape {@code (n)}, integer type, values in {@code [0, C)}
         * @return this accumulator
         * @throws IllegalArgumentException as {@link CalibrationReport#of}, or if {@code C} differs
         *     from the earlier batches'
         */
        public Accumulator addProbabilities(NDArray probabilities, NDArray labels) {
            add(probabilities, labels, Scores.PROBABILITIES);
            return this;
        }

        /**
         * Adds a batch of binary scores (logits of the positive class), as in {@link
         * CalibrationReport#ofBinaryLogits}.
         *
         * @param scores one logit per row, shape {@code (n)} or {@code (n, 1)}, {@code n >= 1},
         *     finite
         * @param labels the true labels, shape {@code (n)}, integer type, each 0 or 1
         * @return this accumulator
         * @throws IllegalArgumentException as {@link CalibrationReport#ofBinaryLogits}, or if the
         *     earlier batches were multiclass
         */
        public Accumulator addBinaryLogits(NDArray scores, NDArray labels) {
            addBinary(scores, labels, Scores.LOGITS);
            return this;
        }

        /**
         * Adds a batch of probabilities of the positive class, as in {@link
         * CalibrationReport#ofBinary}.
         *
         * @param probabilities {@code P(y = 1)} per row, shape {@code (n)} or {@code (n, 1)},
         *     {@code n >= 1}, each in {@code [0, 1]}
         * @param labels the true labels, shape {@code (n)}, integer type, each 0 or 1
         * @return this accumulator
         * @throws IllegalArgumentException as {@link CalibrationReport#ofBinary}, or if the earlier
         *     batches were multiclass
         */
        public Accumulator addBinaryProbabilities(NDArray probabilities, NDArray labels) {
            addBinary(probabilities, labels, Scores.PROBABILITIES);
            return this;
        }

        /**
         * Returns the number of rows added so far.
         *
         * @return the rows
         */
        public long count() {
            return stats == null ? 0 : stats.count;
        }

        /**
         * Returns the report of every row added so far; the accumulator can go on adding rows.
         *
         * @return the report
         * @throws IllegalStateException if no row was added
         */
        public CalibrationReport report() {
            if (stats == null) {
                throw new IllegalStateException("no rows were added; a report needs at least one");
            }
            CalibrationStats copy = stats.copy();
            return new CalibrationReport(copy, copy.equalMassBins(), binary);
        }

        /** The report of the statistics themselves, for an accumulator that is done. */
        private CalibrationReport finish() {
            return new CalibrationReport(stats, stats.equalMassBins(), binary);
        }

        private void requireForm(boolean binaryBatch, String argument) {
            if (stats != null && binary != binaryBatch) {
                throw new IllegalArgumentException(
                        argument
                                + ": a "
                                + (binaryBatch ? "binary" : "multiclass")
                                + " batch, but the earlier batches were "
                                + (binary ? "binary" : "multiclass")
                                + "; binary and multiclass batches do not mix");
            }
        }

        /** Adds one value per row; the per-row code of the binary report. */
        private void addBinary(NDArray input, NDArray labels, Scores scores) {
            String argument = scores == Scores.LOGITS ? "scores" : "probabilities";
            requireForm(true, argument);
            CalibrationInputs.Binary data = CalibrationInputs.binary(input, labels, argument);
            double tiny =
                    input.getDataType() == DataType.FLOAT64 ? Double.MIN_NORMAL : Float.MIN_NORMAL;
            if (stats == null) {
                stats = new CalibrationStats(numBins, 2, DETAILS);
                binary = true;
            }
            long firstRow = stats.count;
            double[] values = data.scores();
            int[] y = data.labels();
            for (int i = 0; i < values.length; i++) {
                double v = values[i];
                double p;
                double nll;
                if (scores == Scores.LOGITS) {
                    double e = Math.exp(-Math.abs(v));
                    p = v >= 0 ? 1 / (1 + e) : e / (1 + e);
                    nll = Math.max(v, 0) + Math.log1p(e) - y[i] * v;
                } else {
                    if (!(v >= 0 && v <= 1)) {
                        throw new IllegalArgumentException(
                                "probabilities: must be in [0, 1], got "
                                        + v
                                        + " at position "
                                        + (firstRow + i));
                    }
                    p = v;
                    nll = -Math.log(Math.max(y[i] == 1 ? p : 1 - p, tiny));
                }
                stats.addBinaryRow(p, y[i], nll);
            }
        }

        private void add(NDArray input, NDArray labels, Scores scores) {
            String argument = scores.argument();
            requireForm(false, argument);
            Shape shape = RowScanner.checkMatrix(input, argument);
            int numClasses = (int) shape.get(1);
            if (stats != null && numClasses != stats.numClasses) {
                throw new IllegalArgumentException(
                        argument
                                + ": has "
                                + numClasses
                                + " classes (shape "
                                + shape
                                + ") but the earlier batches have "
                                + stats.numClasses);
            }
            int[] classes = RowScanner.labels(labels, argument, shape, LabelTypes.INTEGERS);
            if (stats == null) {
                stats = new CalibrationStats(numBins, numClasses, DETAILS);
            }
            RowScanner.scan(input, classes, scores, argument, stats.count, stats);
        }
    }

    /**
     * One equal-width bin of a reliability diagram: the samples whose confidence lies in {@code
     * (lower, upper]} (the first bin also holds 0). In a binary report the bins are of {@code P(y =
     * 1)}: {@code meanConfidence} is the bin's mean {@code P(y = 1)} and {@code accuracy} its
     * fraction of positive samples.
     *
     * @param lower the lower edge {@code b / B}
     * @param upper the upper edge {@code (b + 1) / B}
     * @param count the number of samples in the bin
     * @param meanConfidence their mean confidence (binary: mean {@code P(y = 1)}), NaN for an empty
     *     bin
     * @param accuracy the fraction of them predicted correctly (binary: the fraction with label 1),
     *     NaN for an empty bin
     */
    public record Bin(
            double lower, double upper, long count, double meanConfidence, double accuracy) {

        /**
         * Returns the calibration gap {@code meanConfidence - accuracy}: positive where the model
         * is overconfident.
         *
         * @return the gap, NaN for an empty bin
         */
        public double gap() {
            return meanConfidence - accuracy;
        }
    }
}
