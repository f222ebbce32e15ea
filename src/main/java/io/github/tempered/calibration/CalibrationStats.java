package io.github.tempered.calibration;

import io.github.tempered.internal.ScoreRows;
import java.io.Serializable;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Sufficient statistics of the calibration metrics of {@link CalibrationReport}, accumulated row by
 * row in float64 and mergeable: the statistics of two parts of a data set merge into those of their
 * union.
 *
 * <p>Always kept: the number of samples and of correct top-label predictions, the NLL and Brier
 * sums, and per equal-width bin the count, the confidence sum and the number correct. Optionally
 * kept: per class and bin the count, probability sum and positives (for classwise ECE), and every
 * sample's order key (confidence, then correctness; for adaptive ECE).
 *
 * <p><b>An extension point for distributed evaluation.</b> The public constructor keeps the
 * classwise bins but no per-sample key, so the statistics hold {@code O(C * B)} numbers whatever
 * the number of rows: create one per partition, add the partition's rows with {@link
 * #addProbabilities(double[], int)} or {@link #addLogits(double[], int)} (the same per-row
 * computation as {@link CalibrationReport#of}), {@link #merge} the partitions' statistics and call
 * {@link #report(EqualMassBins)}, whose {@link EqualMassBins} describes how to get the adaptive ECE
 * from the order keys the {@code add} methods return.
 *
 * <p>Instances are {@link Serializable}, mutable and not thread-safe: use one per partition or
 * thread. {@link CalibrationReport} never mutates one after construction, and {@link
 * CalibrationEvaluator} replaces an accumulator by {@link #plus} instead of changing it.
 *
 * @serial exclude
 */
public final class CalibrationStats implements Serializable {

    private static final long serialVersionUID = 1L;

    final int numBins;
    final int numClasses;
    long count;
    long correct;

    /**
     * For binary statistics, the number of rows whose thresholded prediction ({@code p > 0.5}) is
     * the label; {@link #correct} then counts the positive rows, which the reliability of {@code
     * P(y = 1)} compares with the predicted probabilities.
     */
    long accurate;

    double nllSum;
    double brierSum;
    final long[] binCount;
    final double[] binConfidence;
    final long[] binCorrect;

    /** Per class {@code k} and bin {@code b} at {@code k * numBins + b}; null when not kept. */
    final long[] classCount;

    final double[] classProbability;
    final long[] classPositive;

    /** The order keys of the samples ({@link EqualMassBins#key}); null when not kept. */
    long[] keys;

    int keyCount;

    /** A row of probabilities, reused across rows. */
    private transient double[] row;

    /** The optional statistics, each costing memory. */
    enum Detail {
        /** Per class and bin counts, probability sums and positives, for classwise ECE. */
        CLASSWISE,
        /** Every (confidence, correct) pair, for adaptive (equal-mass) ECE. */
        CONFIDENCES
    }

    private final Set<Detail> details;

    /**
     * Creates empty statistics that keep the classwise bins but no per-sample key: {@code O(C * B)}
     * numbers, for distributed evaluation (see the class documentation).
     *
     * @param numBins the number of bins {@code B}, at least 1
     * @param numClasses the number of classes {@code C}, at least 1
     * @throws IllegalArgumentException if an argument is out of range
     */
    public CalibrationStats(int numBins, int numClasses) {
        this(checkedBins(numBins), checkedClasses(numClasses), EnumSet.of(Detail.CLASSWISE));
    }

    private static int checkedBins(int numBins) {
        CalibrationReport.checkBins(numBins);
        return numBins;
    }

    private static int checkedClasses(int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses: must be at least 1, got " + numClasses);
        }
        return numClasses;
    }

    /**
     * Creates empty statistics.
     *
     * @param numBins the number of equal-width bins
     * @param numClasses the number of classes (used only with {@link Detail#CLASSWISE})
     * @param details the optional statistics to keep
     */
    CalibrationStats(int numBins, int numClasses, Set<Detail> details) {
        this.details = details.isEmpty() ? EnumSet.noneOf(Detail.class) : EnumSet.copyOf(details);
        boolean classwise = details.contains(Detail.CLASSWISE);
        boolean pairs = details.contains(Detail.CONFIDENCES);
        this.numBins = numBins;
        this.numClasses = numClasses;
        binCount = new long[numBins];
        binConfidence = new double[numBins];
        binCorrect = new long[numBins];
        int cells = classwise ? Math.multiplyExact(numBins, numClasses) : 0;
        classCount = classwise ? new long[cells] : null;
        classProbability = classwise ? new double[cells] : null;
        classPositive = classwise ? new long[cells] : null;
        keys = pairs ? new long[16] : null;
    }

    /**
     * Returns the equal-width bin of a value: bin {@code b} holds {@code b / B < p <= (b + 1) / B},
     * with the edges computed as doubles; 0 (and below) goes to the first bin, 1 (and above) to the
     * last.
     *
     * @param p the value
     * @param numBins the number of bins {@code B}
     * @return the bin index in {@code [0, B)}
     */
    static int binOf(double p, int numBins) {
        if (!(p > 0)) {
            return 0;
        }
        if (p >= 1) {
            return numBins - 1;
        }
        int b = (int) Math.ceil(p * numBins) - 1;
        b = Math.max(0, Math.min(numBins - 1, b));
        // p * numBins may round across an integer: settle against the exact edges.
        while (b > 0 && p <= (double) b / numBins) {
            b--;
        }
        while (b < numBins - 1 && p > (double) (b + 1) / numBins) {
            b++;
        }
        return b;
    }

    /**
     * Adds one sample.
     *
     * @param probabilities the row's probabilities, {@code numClasses} values from {@code offset}
     * @param offset where the row starts
     * @param label the true class
     * @param confidence the largest probability
     * @param isCorrect whether the first class attaining it is the label
     * @param nll the sample's negative log-likelihood
     * @param brier the sample's Brier score
     */
    void addRow(
            double[] probabilities,
            int offset,
            int label,
            double confidence,
            boolean isCorrect,
            double nll,
            double brier) {
        count++;
        nllSum += nll;
        brierSum += brier;
        int bin = binOf(confidence, numBins);
        binCount[bin]++;
        binConfidence[bin] += confidence;
        if (isCorrect) {
            correct++;
            binCorrect[bin]++;
        }
        if (classCount != null) {
            for (int k = 0; k < numClasses; k++) {
                double p = probabilities[offset + k];
                int cell = k * numBins + binOf(p, numBins);
                classCount[cell]++;
                classProbability[cell] += p;
                if (k == label) {
                    classPositive[cell]++;
                }
            }
        }
        if (keys != null) {
            keys = grow(keys, keyCount + 1);
            keys[keyCount++] = EqualMassBins.key(confidence, isCorrect);
        }
    }

    /**
     * Adds one row of probabilities: checks it, then scores it. The per-row computation of every
     * report built from probabilities.
     *
     * @param values the array holding the row
     * @param offset where the row starts
     * @param classes the row's length
     * @param label the true class, in {@code [0, classes)}
     * @param tiny the smallest probability the NLL uses ({@code -log(max(p[label], tiny))})
     * @param argument the argument name for messages
     * @param rowIndex the row's index for messages, or a negative number when unknown
     * @return the sample's order key
     * @throws IllegalArgumentException for a non-finite or negative value or a row not summing to 1
     *     within {@link CalibrationReport#ROW_SUM_TOLERANCE}
     */
    long addProbabilities(
            double[] values,
            int offset,
            int classes,
            int label,
            double tiny,
            String argument,
            long rowIndex) {
        ScoreRows.checkProbabilities(
                values, offset, classes, CalibrationReport.ROW_SUM_TOLERANCE, argument, rowIndex);
        double nll = -Math.log(Math.max(values[offset + label], tiny));
        return score(values, offset, classes, label, nll);
    }

    /**
     * Adds one row of logits: checks that they are finite, takes the float64 log-softmax {@code z -
     * max(z) - log(sum(exp(z - max(z))))} and scores its exponential. The per-row computation of
     * every report built from logits.
     *
     * @param values the array holding the row
     * @param offset where the row starts
     * @param classes the row's length
     * @param label the true class, in {@code [0, classes)}
     * @param argument the argument name for messages
     * @param rowIndex the row's index for messages, or a negative number when unknown
     * @return the sample's order key
     * @throws IllegalArgumentException for a NaN or infinite logit
     */
    long addLogits(
            double[] values, int offset, int classes, int label, String argument, long rowIndex) {
        ScoreRows.finiteMax(values, offset, classes, argument, rowIndex, null);
        double[] probabilities = rowBuffer(classes);
        ScoreRows.logSoftmax(values, offset, classes, 1, probabilities);
        double nll = -probabilities[label];
        for (int k = 0; k < classes; k++) {
            probabilities[k] = Math.exp(probabilities[k]);
        }
        return score(probabilities, 0, classes, label, nll);
    }

    /** Computes the prediction, confidence and Brier score of a checked row and adds it. */
    private long score(double[] probabilities, int offset, int classes, int label, double nll) {
        int predicted = 0;
        double brier = 0;
        for (int k = 0; k < classes; k++) {
            double p = probabilities[offset + k];
            if (p > probabilities[offset + predicted]) {
                predicted = k;
            }
            double d = k == label ? p - 1 : p;
            brier += d * d;
        }
        double confidence = probabilities[offset + predicted];
        boolean isCorrect = predicted == label;
        addRow(probabilities, offset, label, confidence, isCorrect, nll, brier);
        return EqualMassBins.key(confidence, isCorrect);
    }

    private double[] rowBuffer(int classes) {
        if (row == null || row.length < classes) {
            row = new double[classes];
        }
        return row;
    }

    /**
     * Adds one sample given by its class probabilities, as {@link CalibrationReport#of} does for
     * float64 input.
     *
     * @param probabilities the row, {@code C} finite non-negative values summing to 1 within {@link
     *     CalibrationReport#ROW_SUM_TOLERANCE}; a probability of 0 for the label counts as {@code
     *     2^-1022} in the NLL
     * @param label the true class, in {@code [0, C)}
     * @return the sample's order key, for {@link EqualMassBins#add}
     * @throws IllegalArgumentException if the row is null, not of length {@code C} or not a row of
     *     probabilities, or the label is out of range; nothing is added then
     */
    public long addProbabilities(double[] probabilities, int label) {
        checkRow(probabilities == null ? -1 : probabilities.length, label, "probabilities");
        return addProbabilities(
                probabilities, 0, numClasses, label, Double.MIN_NORMAL, "probabilities", -1);
    }

    /**
     * Adds one sample given by float32 class probabilities, as {@link CalibrationReport#of} does
     * for float32 input: they widen exactly to float64, and a probability of 0 for the label counts
     * as {@code 2^-126} in the NLL.
     *
     * @param probabilities the row, as for {@link #addProbabilities(double[], int)}
     * @param label the true class, in {@code [0, C)}
     * @return the sample's order key, for {@link EqualMassBins#add}
     * @throws IllegalArgumentException as {@link #addProbabilities(double[], int)}
     */
    public long addProbabilities(float[] probabilities, int label) {
        checkRow(probabilities == null ? -1 : probabilities.length, label, "probabilities");
        double[] wide = rowBuffer(numClasses);
        for (int k = 0; k < numClasses; k++) {
            wide[k] = probabilities[k];
        }
        return addProbabilities(wide, 0, numClasses, label, Float.MIN_NORMAL, "probabilities", -1);
    }

    /**
     * Adds one sample given by its logits, as {@link CalibrationReport#ofLogits} does: the
     * probabilities are the float64 softmax and the NLL is the negated log-softmax of the label.
     *
     * @param logits the row, {@code C} finite values
     * @param label the true class, in {@code [0, C)}
     * @return the sample's order key, for {@link EqualMassBins#add}
     * @throws IllegalArgumentException if the row is null, not of length {@code C} or holds a NaN
     *     or infinite value, or the label is out of range; nothing is added then
     */
    public long addLogits(double[] logits, int label) {
        checkRow(logits == null ? -1 : logits.length, label, "logits");
        return addLogits(logits, 0, numClasses, label, "logits", -1);
    }

    private void checkRow(int length, int label, String argument) {
        if (length < 0) {
            throw new IllegalArgumentException(argument + ": must not be null");
        }
        if (length != numClasses) {
            throw new IllegalArgumentException(
                    argument + ": the row has " + length + " classes, expected " + numClasses);
        }
        if (label < 0 || label >= numClasses) {
            throw new IllegalArgumentException(
                    "label: must be a class index in [0, " + numClasses + "), got " + label);
        }
    }

    /**
     * Adds the statistics of other samples to these, e.g. those of another partition.
     *
     * @param other statistics with the same number of bins and classes, kept the same way
     * @return this object, holding the statistics of both
     * @throws IllegalArgumentException if {@code other} is null or differs in bins, classes or what
     *     it keeps
     */
    public CalibrationStats merge(CalibrationStats other) {
        if (other == null) {
            throw new IllegalArgumentException("other: must not be null");
        }
        if (other.numBins != numBins
                || other.numClasses != numClasses
                || !other.details.equals(details)) {
            throw new IllegalArgumentException(
                    "other: has "
                            + other.numBins
                            + " bins, "
                            + other.numClasses
                            + " classes and keeps "
                            + other.details
                            + ", these have "
                            + numBins
                            + " bins, "
                            + numClasses
                            + " classes and keep "
                            + details);
        }
        addAll(other);
        return this;
    }

    /**
     * Returns the number of samples added.
     *
     * @return {@code N}
     */
    public long count() {
        return count;
    }

    /**
     * Returns the report of the samples added, with the adaptive ECE taken from {@code equalMass}.
     * The report is a snapshot: adding rows later does not change it. Unlike the reports of {@link
     * CalibrationReport#of}, it keeps no per-sample key, so it cannot be {@link
     * CalibrationReport#merge merged}; merge the statistics instead.
     *
     * @param equalMass the equal-mass bins of the same samples, complete
     * @return the report
     * @throws IllegalArgumentException if no sample was added, or {@code equalMass} is null or has
     *     another number of bins or samples
     */
    public CalibrationReport report(EqualMassBins equalMass) {
        if (count == 0) {
            throw new IllegalArgumentException("no samples: a report needs at least one");
        }
        if (equalMass == null || equalMass.numBins() != numBins || equalMass.count() != count) {
            throw new IllegalArgumentException(
                    "equalMass: must hold "
                            + numBins
                            + " bins for "
                            + count
                            + " samples, got "
                            + (equalMass == null
                                    ? "null"
                                    : equalMass.numBins()
                                            + " bins for "
                                            + equalMass.count()
                                            + " samples"));
        }
        return new CalibrationReport(copy(), equalMass);
    }

    /**
     * Adds one binary sample: its predicted {@code P(y = 1)} takes the place of the confidence, and
     * its label the place of correctness, so that the bins hold the reliability of {@code P(y =
     * 1)}; the classwise statistics see the two classes {@code (1 - p, p)}.
     *
     * @param p the predicted probability of class 1
     * @param label 0 or 1
     * @param nll the sample's negative log-likelihood
     */
    void addBinaryRow(double p, int label, double nll) {
        double miss = p - label;
        double[] classes = rowBuffer(2);
        classes[0] = 1 - p;
        classes[1] = p;
        addRow(classes, 0, label, p, label == 1, nll, miss * miss);
        if ((p > 0.5) == (label == 1)) {
            accurate++;
        }
    }

    /**
     * Returns new statistics holding the same samples (same bins, classes and options).
     *
     * @return the copy, independent of this object
     */
    CalibrationStats copy() {
        CalibrationStats copy = new CalibrationStats(numBins, numClasses, details);
        copy.addAll(this);
        return copy;
    }

    /**
     * Returns new statistics holding this and {@code other} (same bins, classes and options).
     *
     * @param other the statistics to add
     * @return the statistics of the union
     */
    CalibrationStats plus(CalibrationStats other) {
        CalibrationStats sum = new CalibrationStats(numBins, numClasses, details);
        sum.addAll(this);
        sum.addAll(other);
        return sum;
    }

    private void addAll(CalibrationStats other) {
        count += other.count;
        correct += other.correct;
        accurate += other.accurate;
        nllSum += other.nllSum;
        brierSum += other.brierSum;
        addInto(binCount, other.binCount);
        addInto(binConfidence, other.binConfidence);
        addInto(binCorrect, other.binCorrect);
        if (classCount != null) {
            addInto(classCount, other.classCount);
            addInto(classProbability, other.classProbability);
            addInto(classPositive, other.classPositive);
        }
        if (keys != null) {
            keys = grow(keys, keyCount + other.keyCount);
            System.arraycopy(other.keys, 0, keys, keyCount, other.keyCount);
            keyCount += other.keyCount;
        }
    }

    /**
     * Returns the equal-mass bins of the kept order keys, sorting the keys (in place) on the way.
     *
     * @return the bins, or null when the keys are not kept or there is no sample
     */
    EqualMassBins equalMassBins() {
        if (keys == null || count == 0) {
            return null;
        }
        keys = Arrays.copyOf(keys, keyCount);
        Arrays.sort(keys);
        EqualMassBins bins = new EqualMassBins(numBins, count);
        for (int rank = 0; rank < keyCount; rank++) {
            bins.add(rank, keys[rank]);
        }
        return bins;
    }

    /**
     * Returns the equal-width ECE, {@code sum_b |confidence sum - correct count| / N}.
     *
     * @return the ECE, NaN when empty
     */
    double ece() {
        return count == 0
                ? Double.NaN
                : gapSum(binCount.length, binConfidence, binCorrect, 0) / count;
    }

    /**
     * Returns the mean NLL.
     *
     * @return the NLL, NaN when empty
     */
    double nll() {
        return count == 0 ? Double.NaN : nllSum / count;
    }

    /**
     * Returns the mean Brier score.
     *
     * @return the Brier score, NaN when empty
     */
    double brier() {
        return count == 0 ? Double.NaN : brierSum / count;
    }

    /**
     * Returns {@code sum |probability sum - positive count|} over {@code length} bins from {@code
     * from}.
     */
    static double gapSum(int length, double[] probability, long[] positive, int from) {
        double sum = 0;
        for (int b = from; b < from + length; b++) {
            sum += Math.abs(probability[b] - positive[b]);
        }
        return sum;
    }

    private static long[] grow(long[] array, int needed) {
        if (needed <= array.length) {
            return array;
        }
        return Arrays.copyOf(array, Math.max(needed, array.length + (array.length >> 1)));
    }

    private static void addInto(long[] target, long[] source) {
        for (int i = 0; i < target.length; i++) {
            target[i] += source[i];
        }
    }

    private static void addInto(double[] target, double[] source) {
        for (int i = 0; i < target.length; i++) {
            target[i] += source[i];
        }
    }
}
