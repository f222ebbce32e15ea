package io.github.tempered.calibration;

/** What the rows of an {@code (N, C)} input hold. */
enum Scores {
    /** Unnormalized logits: probabilities are their softmax. */
    LOGITS,
    /** Class probabilities: non-negative, each row summing to 1. */
    PROBABILITIES;

    /**
     * Returns the argument name messages use for an input of this kind.
     *
     * @return {@code "logits"} or {@code "probabilities"}
     */
    String argument() {
        return this == LOGITS ? "logits" : "probabilities";
    }
}
