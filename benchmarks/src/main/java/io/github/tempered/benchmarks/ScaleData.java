package io.github.tempered.benchmarks;

import java.util.SplittableRandom;

/**
 * The synthetic classifier outputs of the Spark scale run, one row at a time from its index alone,
 * so that Spark executors and a single-machine loop generate the same rows without sharing them:
 * scores {@code s_c ~ N(0, 2^2)}, the label drawn from {@code softmax(s)} (inverse CDF), float32
 * logits {@code tTrue * s}. The optimal temperature is then close to {@code tTrue}.
 */
final class ScaleData {

    /** The seed of the generator of row 0; row {@code i} uses {@code SEED + i}. */
    static final long SEED = 20_251_206L;

    /** How much too confident the logits are. */
    static final double T_TRUE = 2.5;

    private ScaleData() {}

    /**
     * Generates row {@code index}.
     *
     * @param index the row's index
     * @param logits receives the row's {@code C} logits
     * @param scratch a buffer of at least {@code C} doubles
     * @return the row's label
     */
    static int row(long index, float[] logits, double[] scratch) {
        SplittableRandom random = new SplittableRandom(SEED + index);
        int classes = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            double s = 2 * random.nextGaussian();
            scratch[c] = s;
            logits[c] = (float) (T_TRUE * s);
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            scratch[c] = Math.exp(scratch[c] - max);
            sum += scratch[c];
        }
        double u = random.nextDouble() * sum;
        for (int c = 0; c < classes - 1; c++) {
            u -= scratch[c];
            if (u < 0) {
                return c;
            }
        }
        return classes - 1;
    }
}
