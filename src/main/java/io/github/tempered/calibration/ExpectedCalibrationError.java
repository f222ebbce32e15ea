package io.github.tempered.calibration;

/**
 * A DJL {@code Evaluator} of the expected calibration error over equal-width bins (Guo et al.
 * 2017), as {@link CalibrationReport#ece()} defines it.
 *
 * <p>The accumulators keep, per bin, the sample count, the sum of confidences and the number of
 * correct predictions, so an accumulated ECE is the ECE of every sample seen (not a mean of
 * per-batch ECEs). See {@link CalibrationEvaluator} for inputs and thread safety.
 *
 * <pre>{@code
 * TrainingConfig config =
 *         new DefaultTrainingConfig(CrossEntropyLoss.builder().build())
 *                 .addEvaluator(new Accuracy())
 *                 .addEvaluator(new ExpectedCalibrationError());
 * }</pre>
 */
public final class ExpectedCalibrationError extends CalibrationEvaluator {

    /** The default number of bins, as in Guo et al. (2017). */
    public static final int DEFAULT_BINS = 15;

    /** Creates an evaluator named "ECE" with 15 bins that reads logits. */
    public ExpectedCalibrationError() {
        this(builder());
    }

    private ExpectedCalibrationError(Builder builder) {
        super(builder, builder.numBins, CalibrationStats::ece);
    }

    /**
     * Creates a builder.
     *
     * @return a builder with the name "ECE", 15 bins and logit predictions
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the number of equal-width bins.
     *
     * @return the number of bins
     */
    public int getNumBins() {
        return numBins();
    }

    /** Builds an {@link ExpectedCalibrationError}. */
    public static final class Builder extends BaseBuilder<Builder, ExpectedCalibrationError> {

        private int numBins = DEFAULT_BINS;

        private Builder() {
            super("ECE", ExpectedCalibrationError::new);
        }

        /**
         * Sets the number of equal-width bins.
         *
         * @param numBins the number of bins, at least 1; default 15
         * @return this builder
         */
        public Builder optNumBins(int numBins) {
            this.numBins = numBins;
            return this;
        }

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }
    }
}
