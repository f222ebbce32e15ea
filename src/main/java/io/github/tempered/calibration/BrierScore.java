package io.github.tempered.calibration;

/**
 * A DJL {@code Evaluator} of the Brier score, as {@link CalibrationReport#brier()} defines it: the
 * mean over samples of {@code sum_k (p_k - [y == k])^2}.
 *
 * <p>The accumulators keep the sum of the per-sample scores and the sample count. See {@link
 * CalibrationEvaluator} for inputs and thread safety.
 */
public final class BrierScore extends CalibrationEvaluator {

    /** Creates an evaluator named "Brier" that reads logits. */
    public BrierScore() {
        this(builder());
    }

    private BrierScore(Builder builder) {
        super(builder, 1, CalibrationStats::brier);
    }

    /**
     * Creates a builder.
     *
     * @return a builder with the name "Brier" and logit predictions
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link BrierScore}. */
    public static final class Builder extends BaseBuilder<Builder, BrierScore> {

        private Builder() {
            super("Brier", BrierScore::new);
        }

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }
    }
}
