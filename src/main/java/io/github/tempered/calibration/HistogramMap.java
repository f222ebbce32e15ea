package io.github.tempered.calibration;

/**
 * One histogram binning map: equal-width bins {@code (b / B, (b + 1) / B]} of a probability (0 in
 * the first bin), each mapped to the fraction of positive rows that fell into it at fit time, or to
 * its midpoint {@code (b + 0.5) / B} if none did (as netcal does).
 *
 * @param values the calibrated value of each bin, in [0, 1]
 */
record HistogramMap(double[] values) implements OneVsRestFit.ClassMap {

    /**
     * Fits the map.
     *
     * @param probabilities the probabilities, one per row
     * @param positive whether each row is positive
     * @param bins the number of bins {@code B}
     * @return the map
     */
    static HistogramMap fit(double[] probabilities, boolean[] positive, int bins) {
        long[] count = new long[bins];
        long[] positives = new long[bins];
        for (int i = 0; i < probabilities.length; i++) {
            int b = CalibrationStats.binOf(probabilities[i], bins);
            count[b]++;
            positives[b] += positive[i] ? 1 : 0;
        }
        double[] values = new double[bins];
        for (int b = 0; b < bins; b++) {
            values[b] = count[b] == 0 ? (b + 0.5) / bins : (double) positives[b] / count[b];
        }
        return new HistogramMap(values);
    }

    /** {@inheritDoc} */
    @Override
    public double at(double probability) {
        return values[CalibrationStats.binOf(probability, values.length)];
    }
}
