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
        super(builder, 1, CalibrationStats::nll);
    }

    /**
     * Creates a builder.
     *
     * @return a builder with the name "NLL" and logit predictions
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link NegativeLogLikelihood}. */
    public static final class Builder extends BaseBuilder<Builder, NegativeLogLikelihood> {

        private Builder() {
            super("NLL", NegativeLogLikelihood::new);
        }

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }
    }
}
