package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import io.github.tempered.nn.AffineScaledBlock;

/**
 * A fitted matrix scaling or Dirichlet calibration map {@code p = softmax(W x + b)}, with {@code x}
 * the logits or their log-softmax (see {@link #input()}); returned by {@link MatrixScaler}.
 *
 * <p>Immutable; {@link #apply(NDArray)} computes the calibrated probabilities of new logits on the
 * engine, and {@link #wrap(Block)} puts the map behind a trained classifier so that {@code
 * Model.save} keeps it.
 */
public final class MatrixFit extends AffineFit {

    private final MatrixScaler.Input input;

    MatrixFit(AffineSolver.Solution solution, MatrixScaler.Input input) {
        super(solution);
        this.input = input;
    }

    /**
     * Returns the weight matrix {@code W}: {@code weights()[c][d]} multiplies input class {@code d}
     * in output class {@code c}.
     *
     * @return a new {@code C x C} array
     */
    public double[][] weights() {
        int classes = numClasses();
        double[][] w = new double[classes][];
        for (int c = 0; c < classes; c++) {
            w[c] = new double[classes];
            System.arraycopy(solution.weights(), c * classes, w[c], 0, classes);
        }
        return w;
    }

    /**
     * Returns the biases {@code b}.
     *
     * @return a new array of {@code C} values
     */
    public double[] biases() {
        return solution.biases().clone();
    }

    /**
     * Returns what the matrix multiplies.
     *
     * @return {@link MatrixScaler.Input#LOGITS} for matrix scaling, {@link
     *     MatrixScaler.Input#LOG_PROBABILITIES} for Dirichlet calibration
     */
    public MatrixScaler.Input input() {
        return input;
    }

    /**
     * Returns {@code softmax(W x + b)} along the last axis, {@code x} the logits or their
     * log-softmax.
     *
     * <p>float64 logits give float64 probabilities; float32 and float16 logits give float32. NaN or
     * infinite logits propagate as through PyTorch's operations. The result is attached to the
     * manager of {@code logits}, on its device.
     *
     * @param logits logits with the {@code C} classes along the last axis, e.g. {@code (N, C)}
     * @return the calibrated probabilities, the shape of {@code logits}
     * @throws IllegalArgumentException if {@code logits} is null, not floating point or its last
     *     axis is not {@code C}
     */
    @Override
    public NDArray apply(NDArray logits) {
        return AffineMaps.softmax(
                logits,
                numClasses(),
                solution.weights(),
                solution.biases(),
                input == MatrixScaler.Input.LOG_PROBABILITIES);
    }

    /**
     * Wraps a trained classifier with this map: the block's first output, the logits, becomes
     * {@code softmax(W x + b)}. Initialize the returned block (the classifier keeps its trained
     * parameters) before use; {@code Model.save} / {@code Model.load} keep the map.
     *
     * @param classifier the trained block whose first output holds the logits {@code (..., C)}
     * @return a new, uninitialized block
     * @throws IllegalArgumentException if {@code classifier} is null
     */
    public AffineScaledBlock wrap(Block classifier) {
        return AffineScaledBlock.builder()
                .setBlock(classifier)
                .setWeights(weights())
                .setBiases(solution.biases())
                .optInput(
                        input == MatrixScaler.Input.LOG_PROBABILITIES
                                ? AffineScaledBlock.Input.LOG_PROBABILITIES
                                : AffineScaledBlock.Input.LOGITS)
                .optOutput(AffineScaledBlock.Output.SOFTMAX)
                .build();
    }

    /**
     * Returns a one-line summary.
     *
     * @return e.g. {@code MatrixFit[C=10, NLL 1.2397 -> 0.8790, 61 iterations, |grad| 6.0e-09]},
     *     named {@code DirichletFit} for log-probability input
     */
    @Override
    public String toString() {
        return summary(input == MatrixScaler.Input.LOGITS ? "MatrixFit" : "DirichletFit");
    }
}
