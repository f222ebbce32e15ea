package io.github.tempered.calibration;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Sufficient statistics of calibration metrics, accumulated row by row (sums in double).
 *
 * <p>Always kept: the number of samples and of correct top-label predictions, the NLL and Brier
 * sums, and per equal-width bin the count, the confidence sum and the number correct. Optionally
 * kept: per class and bin the count, probability sum and positives (for classwise ECE), and every
 * (confidence, correct) pair (for adaptive ECE), split by correctness so that sorting each part
 * gives the lexicographic order of the pairs.
 *
 * <p>Mutable and not thread-safe: {@link CalibrationReport} never mutates one after construction,
 * and {@link CalibrationEvaluator} replaces an accumulator by {@link #plus} instead of changing it.
 */
final class CalibrationStats {

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

    /** Confidences of the correct and of the wrong predictions; null when not kept. */
    double[] correctConfidences;

    double[] wrongConfidences;
    int correctSize;
    int wrongSize;

    /** The optional statistics, each costing memory. */
    enum Detail {
        /** Per class and bin counts, probability sums and positives, for classwise ECE. */
        CLASSWISE,
        /** Every (confidence, correct) pair, for adaptive (equal-mass) ECE. */
        CONFIDENCES
    }

    private final Set<Detail> details;

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
        correctConfidences = pairs ? new double[16] : null;
        wrongConfidences = pairs ? new double[16] : null;
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
        if (correctConfidences != null) {
            if (isCorrect) {
                correctConfidences = grow(correctConfidences, correctSize + 1);
                correctConfidences[correctSize++] = confidence;
            } else {
                wrongConfidences = grow(wrongConfidences, wrongSize + 1);
                wrongConfidences[wrongSize++] = confidence;
            }
        }
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
        addRow(new double[] {1 - p, p}, 0, label, p, label == 1, nll, miss * miss);
        if ((p > 0.5) == (label == 1)) {
            accurate++;
        }
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
        if (correctConfidences != null) {
            correctConfidences = grow(correctConfidences, correctSize + other.correctSize);
            System.arraycopy(
                    other.correctConfidences,
                    0,
                    correctConfidences,
                    correctSize,
                    other.correctSize);
            correctSize += other.correctSize;
            wrongConfidences = grow(wrongConfidences, wrongSize + other.wrongSize);
            System.arraycopy(
                    other.wrongConfidences, 0, wrongConfidences, wrongSize, other.wrongSize);
            wrongSize += other.wrongSize;
        }
    }

    /** Trims the pair arrays to size and sorts them ascending; call once before reading them. */
    void sortPairs() {
        if (correctConfidences != null) {
            correctConfidences = Arrays.copyOf(correctConfidences, correctSize);
            wrongConfidences = Arrays.copyOf(wrongConfidences, wrongSize);
            Arrays.sort(correctConfidences);
            Arrays.sort(wrongConfidences);
        }
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

    private static double[] grow(double[] array, int needed) {
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
