package io.github.tempered.calibration;

/**
 * A DJL {@code Evaluator} of the mean negative log-likelihood of the true classes, as {@link
 * CalibrationReport#nll()} defines it: from logits the exact float64 log-softmax, from
 * probabilities {@code -log(max(p_y, tiny))}.
 *
 * <p>Unlike the training loss it ignores any temperature, weights or label smoothing of the loss,
 * so it measures the model's own predictive distribution. The accumulators keep the NLL sum and the
 * sample count. See {@link CalibrationEvaluator} for inputs and thread safety.
 */
public final class NegativeLogLikelihood extends CalibrationEvaluator {

    /** Creates an evaluator named "NLL" that reads logits. */
    public NegativeLogLikelihood() {
        this(builder());
    }

    private NegativeLogLikelihood(Builder builder) {
        super(builder.name, builder.fromLogits, 1);
    }

    /**
     * Creates a builder.
     *
     * @return a builder with the name "NLL" and logit predictions
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    double metric(CalibrationStats stats) {
        return stats.nll();
    }

    /** Builds a {@link NegativeLogLikelihood}. */
    public static final class Builder extends BaseBuilder<Builder> {

        private Builder() {
            super("NLL");
        }

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Builds the evaluator.
         *
         * @return the evaluator
         * @throws IllegalArgumentException if the name is empty
         */
        public NegativeLogLikelihood build() {
            checkName();
            return new NegativeLogLikelihood(this);
        }
    }
}
