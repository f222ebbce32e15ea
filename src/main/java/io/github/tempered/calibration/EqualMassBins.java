package io.github.tempered.calibration;

import java.io.Serializable;

/**
 * The equal-mass bins behind {@link CalibrationReport#adaptiveEce()}: per bin, the sum of the
 * confidences and the number of correct predictions of the samples whose rank, in the order of the
 * samples by confidence and then by correctness (wrong first), falls in the bin. The {@code N}
 * ranks are cut into {@code B} consecutive bins whose sizes differ by at most one, the first {@code
 * N mod B} bins holding one sample more (NumPy's {@code array_split}).
 *
 * <p><b>An extension point for distributed evaluation.</b> The adaptive ECE depends on the global
 * order of the samples, which no per-partition statistic can merge, so a distributed evaluation (as
 * in {@code io.github.tempered.spark.MulticlassCalibrationEvaluator}) takes two steps: it adds
 * every row to a {@link CalibrationStats} per partition, keeping the <em>order key</em> each {@code
 * add} method returns, and merges the statistics (this gives {@code N}); it then sorts the keys,
 * adds each key with its rank to an {@code EqualMassBins(B, N)} per sorted partition, merges those
 * and passes them to {@link CalibrationStats#report(EqualMassBins)}. Only {@code O(B)} numbers
 * leave a partition. Single-machine reports use the same bins, filled from their sorted keys.
 *
 * <p>Instances are {@link Serializable}, mutable and not thread-safe.
 *
 * @serial exclude
 */
public final class EqualMassBins implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int numBins;
    private final long count;
    private final double[] confidence;
    private final long[] correct;

    /**
     * Creates empty bins for {@code count} samples.
     *
     * @param numBins the number of bins {@code B}, at least 1
     * @param count the number of samples {@code N}, at least 1
     * @throws IllegalArgumentException if an argument is out of range
     */
    public EqualMassBins(int numBins, long count) {
        CalibrationReport.checkBins(numBins);
        if (count < 1) {
            throw new IllegalArgumentException("count: must be at least 1, got " + count);
        }
        this.numBins = numBins;
        this.count = count;
        confidence = new double[numBins];
        correct = new long[numBins];
    }

    /**
     * Returns the order key of a sample: keys compare as the samples' (confidence, correct) pairs,
     * by confidence and then wrong before correct.
     *
     * @param confidence the sample's confidence, at least 0
     * @param isCorrect whether its prediction is right
     * @return the key, at least 0
     */
    static long key(double confidence, boolean isCorrect) {
        // Non-negative doubles order as their bit patterns; the low bit breaks ties.
        return (Double.doubleToLongBits(confidence) << 1) | (isCorrect ? 1 : 0);
    }

    /**
     * Adds the sample of the given rank.
     *
     * @param rank its position, from 0, in the order of the keys of all {@code N} samples
     * @param key its order key, as returned by the {@code add} methods of {@link CalibrationStats}
     * @throws IllegalArgumentException if {@code rank} lies outside {@code [0, N)}
     */
    public void add(long rank, long key) {
        if (rank < 0 || rank >= count) {
            throw new IllegalArgumentException("rank: must be in [0, " + count + "), got " + rank);
        }
        long base = count / numBins;
        long extra = count % numBins;
        long large = extra * (base + 1); // ranks in the first, larger bins
        int bin = (int) (rank < large ? rank / (base + 1) : extra + (rank - large) / base);
        confidence[bin] += Double.longBitsToDouble(key >>> 1);
        correct[bin] += key & 1;
    }

    /**
     * Adds the sums of other samples of the same {@code N} samples into these bins.
     *
     * @param other the other bins, unchanged
     * @return this object
     * @throws IllegalArgumentException if {@code other} is null or has another {@code B} or {@code
     *     N}
     */
    public EqualMassBins merge(EqualMassBins other) {
        if (other == null) {
            throw new IllegalArgumentException("other: must not be null");
        }
        if (other.numBins != numBins || other.count != count) {
            throw new IllegalArgumentException(
                    "other: has "
                            + other.numBins
                            + " bins for "
                            + other.count
                            + " samples, these have "
                            + numBins
                            + " bins for "
                            + count);
        }
        for (int b = 0; b < numBins; b++) {
            confidence[b] += other.confidence[b];
            correct[b] += other.correct[b];
        }
        return this;
    }

    /**
     * Returns the number of bins.
     *
     * @return {@code B}
     */
    int numBins() {
        return numBins;
    }

    /**
     * Returns the number of samples.
     *
     * @return {@code N}
     */
    long count() {
        return count;
    }

    /**
     * Returns the adaptive ECE, {@code sum_b |confidence sum - correct count| / N}.
     *
     * @return the adaptive ECE
     */
    double ece() {
        return CalibrationStats.gapSum(numBins, confidence, correct, 0) / count;
    }
}
