package io.github.tempered.data;

/** What the saved outputs read by {@link ModelOutputs} hold. */
public enum OutputKind {
    /** Raw logits (any real numbers): read as they are. */
    LOGITS,
    /**
     * Class probabilities (non-negative, each row summing to 1 within {@code 1e-3}): each is read
     * as {@code log(max(p, 1e-38))}, a logit up to a per-row constant.
     */
    PROBABILITIES
}
