package io.github.tempered.calibration;

import java.util.Arrays;

/**
 * One increasing isotonic regression of 0/1 targets on a score, equal to scikit-learn's {@code
 * IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip")} (version 1.2): the same sorting,
 * merging of tied scores, pool-adjacent-violators solution, thresholds and linear interpolation.
 *
 * <ul>
 *   <li>Ties: the scores are sorted (then by target); consecutive scores less than {@code 1e-15}
 *       (float64 resolution) above the first score of their group form one point at that first
 *       score, whose target is the group's mean (scikit-learn's {@code _make_unique}).
 *   <li>The targets of those points, weighted by their counts, are fitted by pool-adjacent
 *       violators (adjacent blocks with equal means are pooled too), then clipped to [0, 1].
 *   <li>Of a run of equal fitted values only the first and last point are kept as thresholds.
 *   <li>Prediction clips the score to [first threshold, last threshold] and interpolates linearly
 *       between the thresholds as NumPy's {@code interp} does (a score equal to a threshold gets
 *       its value); a single threshold gives a constant.
 * </ul>
 *
 * @param x the threshold scores, strictly increasing
 * @param y the fitted values at the thresholds, non-decreasing, in [0, 1]
 */
record IsotonicMap(double[] x, double[] y) implements OneVsRestFit.ClassMap {

    /** Scores closer than this to their group's first score are merged (NumPy's resolution). */
    private static final double RESOLUTION = 1e-15;

    /**
     * Fits the map.
     *
     * @param scores the scores, finite, at least one
     * @param positive whether each row's target is 1 (else 0)
     * @return the map
     */
    static IsotonicMap fit(double[] scores, boolean[] positive) {
        int n = scores.length;
        // Sort by (score, target): the negatives' and positives' sorted scores, merged with the
        // negatives first on ties.
        int positives = 0;
        for (boolean p : positive) {
            positives += p ? 1 : 0;
        }
        double[] zeros = new double[n - positives];
        double[] ones = new double[positives];
        for (int i = 0, a = 0, b = 0; i < n; i++) {
            if (positive[i]) {
                ones[b++] = scores[i];
            } else {
                zeros[a++] = scores[i];
            }
        }
        Arrays.sort(zeros);
        Arrays.sort(ones);
        double[] ux = new double[n];
        double[] uy = new double[n];
        double[] uw = new double[n];
        int unique = -1;
        double first = Double.NaN;
        for (int a = 0, b = 0; a + b < n; ) {
            boolean takeZero = b == ones.length || (a < zeros.length && zeros[a] <= ones[b]);
            double s = takeZero ? zeros[a++] : ones[b++];
            if (unique < 0 || s - first >= RESOLUTION) {
                unique++;
                first = s;
                ux[unique] = s;
            }
            uy[unique] += takeZero ? 0 : 1;
            uw[unique] += 1;
        }
        int m = unique + 1;
        for (int k = 0; k < m; k++) {
            uy[k] /= uw[k];
        }
        double[] fitted = poolAdjacentViolators(Arrays.copyOf(uy, m), Arrays.copyOf(uw, m));
        for (int k = 0; k < m; k++) {
            fitted[k] = Math.min(1, Math.max(0, fitted[k]));
        }
        // Keep the first and last point, and every point whose value differs from a neighbour's.
        double[] keptX = new double[m];
        double[] keptY = new double[m];
        int kept = 0;
        for (int k = 0; k < m; k++) {
            boolean inner = k > 0 && k < m - 1;
            if (!inner || fitted[k] != fitted[k - 1] || fitted[k] != fitted[k + 1]) {
                keptX[kept] = ux[k];
                keptY[kept] = fitted[k];
                kept++;
            }
        }
        return new IsotonicMap(Arrays.copyOf(keptX, kept), Arrays.copyOf(keptY, kept));
    }

    /**
     * The weighted least-squares non-decreasing fit of {@code y}: pool-adjacent-violators with a
     * stack of blocks, pooling while the previous block's mean is at least the current one's.
     */
    private static double[] poolAdjacentViolators(double[] y, double[] w) {
        int n = y.length;
        double[] sum = new double[n];
        double[] weight = new double[n];
        int[] end = new int[n];
        int blocks = 0;
        for (int i = 0; i < n; i++) {
            sum[blocks] = w[i] * y[i];
            weight[blocks] = w[i];
            end[blocks] = i;
            blocks++;
            while (blocks > 1
                    && sum[blocks - 2] / weight[blocks - 2]
                            >= sum[blocks - 1] / weight[blocks - 1]) {
                sum[blocks - 2] += sum[blocks - 1];
                weight[blocks - 2] += weight[blocks - 1];
                end[blocks - 2] = end[blocks - 1];
                blocks--;
            }
        }
        double[] fitted = new double[n];
        for (int b = 0, start = 0; b < blocks; b++) {
            double mean = sum[b] / weight[b];
            Arrays.fill(fitted, start, end[b] + 1, mean);
            start = end[b] + 1;
        }
        return fitted;
    }

    /** {@inheritDoc} */
    @Override
    public double at(double score) {
        int last = x.length - 1;
        if (last == 0) {
            return y[0];
        }
        double s = Math.min(Math.max(score, x[0]), x[last]);
        // The last threshold at or below s.
        int j = Arrays.binarySearch(x, s);
        if (j >= 0) {
            return y[j];
        }
        j = -j - 2;
        double slope = (y[j + 1] - y[j]) / (x[j + 1] - x[j]);
        return slope * (s - x[j]) + y[j];
    }
}
