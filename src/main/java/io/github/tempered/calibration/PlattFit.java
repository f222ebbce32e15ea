package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import io.github.tempered.nn.AffineScaledBlock;

/**
 * A fitted Platt scaling map of a binary classifier's score {@code s}: {@code P(y = 1) =
 * sigmoid(slope * s + intercept)}; returned by {@link PlattScaler}. Immutable.
 */
public interface PlattFit extends Calibration {

    /**
     * Returns the slope {@code a} of {@code sigmoid(a s + b)}.
     *
     * @return the slope
     */
    double slope();

    /**
     * Returns the intercept {@code b} of {@code sigmoid(a s + b)}.
     *
     * @return the intercept
     */
    double intercept();

    /**
     * Returns the number of L-BFGS iterations the fit made.
     *
     * @return the iterations
     */
    int iterations();

    /**
     * Returns the Euclidean norm of the NLL's gradient in {@code (slope, intercept)} at the fit.
     *
     * @return the gradient norm
     */
    double gradientNorm();

    /**
     * Returns how the fit ended.
     *
     * @return the convergence
     */
    Convergence convergence();

    /**
     * Returns {@code P(y = 1) = sigmoid(slope * scores + intercept)}.
     *
     * <p>float64 scores give float64 probabilities; float32 and float16 give float32. The result is
     * attached to the manager of {@code scores}, on its device.
     *
     * @param scores one score per row, {@code (N)} or {@code (N, 1)}
     * @return the probabilities, shape {@code (N)}
     * @throws IllegalArgumentException if {@code scores} is null, not floating point or of another
     *     shape
     */
    @Override
    default NDArray apply(NDArray scores) {
        return AffineMaps.sigmoid(scores, slope(), intercept());
    }

    /**
     * Wraps a trained binary classifier with this map: the block's first output, one score per row
     * ({@code (N)} or {@code (N, 1)}), becomes {@code sigmoid(slope * s + intercept)} of the same
     * shape. Initialize the returned block (the classifier keeps its trained parameters) before
     * use; {@code Model.save} / {@code Model.load} keep the map.
     *
     * @param classifier the trained block whose first output holds the scores
     * @return a new, uninitialized block
     * @throws IllegalArgumentException if {@code classifier} is null
     */
    default AffineScaledBlock wrap(Block classifier) {
        return AffineScaledBlock.builder()
                .setBlock(classifier)
                .setWeights(new double[] {slope()})
                .setBiases(new double[] {intercept()})
                .optOutput(AffineScaledBlock.Output.SIGMOID)
                .build();
    }
}
