package io.github.tempered.loss;

/**
 * How a loss combines its per-position values, as PyTorch's {@code reduction} argument does.
 *
 * <p>{@link #MEAN} is a weighted mean for class-index targets: the sum of the per-position losses
 * divided by the sum of the class weights of the targets that are not ignored (the count of
 * non-ignored targets when no weights are set). For probability targets the divisor is the number
 * of positions.
 */
public enum Reduction {
    /** No reduction: one loss value per position (the logits' shape without the class axis). */
    NONE,
    /** The (weighted) mean over positions, as PyTorch's {@code reduction="mean"}. */
    MEAN,
    /** The sum over positions, as PyTorch's {@code reduction="sum"}. */
    SUM
}
