package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import io.github.tempered.nn.AffineScaledBlock;

/**
 * A fitted vector scaling map {@code p = softmax(w * z + b)}, returned by {@link VectorScaler}.
 *
 * <p>Immutable; {@link #apply(NDArray)} computes the calibrated probabilities of new logits on the
 * engine, and {@link #wrap(Block)} puts the map behind a trained classifier so that {@code
 * Model.save} keeps it.
 */
public final class VectorFit extends AffineFit {

    VectorFit(AffineSolver.Solution solution) {
        super(solution);
    }

    /**
     * Returns the per-class weights {@code w}.
     *
     * @return a new array of {@code C} values
     */
    public double[] weights() {
        return solution.weights().clone();
    }

    /**
     * Returns the per-class biases {@code b}, centred to sum 0.
     *
     * @return a new array of {@code C} values
     */
    public double[] biases() {
        return solution.biases().clone();
    }

    /**
     * Returns {@code softmax(w * logits + b)} along the last axis.
     *
     * <p>float64 logits give float64 probabilities; float32 and float16 logits give float32. NaN or
     * infinite logits propagate as through PyTorch's softmax. The result is attached to the manager
     * of {@code logits}, on its device.
     *
     * @param logits logits with the {@code C} classes along the last axis, e.g. {@code (N, C)}
     * @return the calibrated probabilities, the shape of {@code logits}
     * @throws IllegalArgumentException if {@code logits} is null, not floating point or its last
     *     axis is not {@code C}
     */
    @Override
    public NDArray apply(NDArray logits) {
        return AffineMaps.softmax(
                logits, numClasses(), solution.weights(), solution.biases(), false);
    }

    /**
     * Wraps a trained classifier with this map: the block's first output, the logits, becomes
     * {@code softmax(w * logits + b)}. Initialize the returned block (the classifier keeps its
     * trained parameters) before use; {@code Model.save} / {@code Model.load} keep the map.
     *
     * @param classifier the trained block whose first output holds the logits {@code (..., C)}
     * @return a new, uninitialized block
     * @throws IllegalArgumentException if {@code classifier} is null
     */
    public AffineScaledBlock wrap(Block classifier) {
        return AffineScaledBlock.builder()
                .setBlock(classifier)
                .setWeights(solution.weights())
                .setBiases(solution.biases())
                .optOutput(AffineScaledBlock.Output.SOFTMAX)
                .build();
    }

    /**
     * Returns a one-line summary.
     *
     * @return e.g. {@code VectorFit[C=10, NLL 1.2397 -> 0.8812, 23 iterations, |grad| 3.1e-09]}
     */
    @Override
    public String toString() {
        return summary("VectorFit");
    }
}
