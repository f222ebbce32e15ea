package io.github.tempered.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.github.tempered.internal.Inputs;
import io.github.tempered.internal.OwnedArrays;
import io.github.tempered.internal.Scopes;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Set;

/**
 * Wraps a trained classifier with a fitted affine map of its logits {@code z} (the classes along
 * the last axis): {@code u = w * z + b} with one weight per class (vector scaling; with one class,
 * Platt scaling of a single score) or {@code u = W z + b} with a {@code C x C} matrix (matrix
 * scaling), optionally applied to {@code log_softmax(z)} instead of {@code z} (Dirichlet
 * calibration, Kull et al. 2019), followed by a softmax, a sigmoid or nothing.
 *
 * <p>The calibration package's fits build it: {@code VectorFit.wrap}, {@code MatrixFit.wrap} and
 * {@code PlattFit.wrap} return a block whose output equals their {@code apply}. The weights and
 * biases are {@link Parameter}s named {@code "weight"} ({@code (C)} or {@code (C, C)}) and {@code
 * "bias"} ({@code (C)}), so {@code Model.save} / {@code Model.load} keep them with the wrapped
 * block's parameters; they never train (they stay frozen even when {@code Model.newTrainer}
 * unfreezes a loaded model).
 *
 * <h2>Example</h2>
 *
 * <pre>{@code
 * VectorFit fit = new VectorScaler().fit(validationLogits, validationLabels);
 * AffineScaledBlock calibrated = fit.wrap(model.getBlock());   // trained, initialized
 * calibrated.initialize(model.getNDManager(), DataType.FLOAT32, inputShape); // keeps the weights
 * model.setBlock(calibrated);
 * model.save(dir, "calibrated");
 * // later: the same structure around a fresh copy of the classifier, then load
 * model.setBlock(AffineScaledBlock.builder().setBlock(freshClassifier).build());
 * model.load(dir, "calibrated");
 * }</pre>
 *
 * <p>Built without weights, the block is a placeholder for {@code Model.load}, which reads the
 * weights, the biases, the input transform and the output function; it cannot be initialized or run
 * before that.
 *
 * <h2>Shape</h2>
 *
 * <ul>
 *   <li>Input: whatever the wrapped block takes.
 *   <li>Output: the wrapped block's outputs, the first (floating-point logits {@code (..., C)}, or
 *       with one weight any shape, such as one score per row {@code (N)} or {@code (N, 1)})
 *       replaced by the calibrated logits or probabilities of the same shape; the others pass
 *       through. The computation runs in the logits' data type (the parameters are converted to
 *       it).
 * </ul>
 *
 * <p>The block is safe to share across threads for inference; loading parameters into it is not
 * thread-safe.
 */
public final class AffineScaledBlock extends WrappedBlock {

    /** What the affine map is applied to. */
    public enum Input {
        /** The logits themselves. */
        LOGITS,
        /** {@code log_softmax(logits)}: with a full matrix, Dirichlet calibration. */
        LOG_PROBABILITIES
    }

    /** What the block outputs. */
    public enum Output {
        /** The calibrated logits {@code u}. */
        LOGITS,
        /** {@code softmax(u)} along the last axis. */
        SOFTMAX,
        /** {@code sigmoid(u)}, element-wise (binary scores). */
        SIGMOID
    }

    private final Parameter weight;
    private final Parameter bias;
    private Input input;
    private Output output;

    @SuppressWarnings("this-escape")
    private AffineScaledBlock(Builder builder) {
        super("AffineScaledBlock", builder.block);
        input = builder.input;
        output = builder.output;
        weight = addParameter(parameter("weight", builder.weights, builder.weightShape));
        bias = addParameter(parameter("bias", builder.biases, shapeOf(builder.biases)));
    }

    private static Shape shapeOf(double[] values) {
        return values == null ? null : new Shape(values.length);
    }

    private static Parameter parameter(String name, double[] values, Shape shape) {
        Parameter.Builder builder =
                Parameter.builder()
                        .setName(name)
                        .setType(Parameter.Type.OTHER)
                        .optRequiresGrad(false);
        if (values != null) {
            builder.optShape(shape)
                    .optInitializer(
                            (manager, s, dataType) ->
                                    OwnedArrays.create(manager, values, s, dataType));
        }
        return builder.build();
    }

    /**
     * Creates a builder for an {@code AffineScaledBlock}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns what the map is applied to.
     *
     * @return the input transform
     */
    public Input getInput() {
        return input;
    }

    /**
     * Returns what the block outputs.
     *
     * @return the output function
     */
    public Output getOutput() {
        return output;
    }

    /**
     * Returns the weights as stored (after {@code Model.load}, as loaded), row-major.
     *
     * @return {@code C} values, or {@code C * C} for a matrix
     * @throws IllegalStateException if the block was built without weights and not loaded
     */
    public double[] getWeights() {
        return read(weight);
    }

    /**
     * Returns the biases as stored.
     *
     * @return {@code C} values
     * @throws IllegalStateException if the block was built without weights and not loaded
     */
    public double[] getBiases() {
        return read(bias);
    }

    private static double[] read(Parameter parameter) {
        if (parameter.isInitialized()) {
            try (NDArray wide = parameter.getArray().toType(DataType.FLOAT64, false)) {
                return wide.toDoubleArray();
            }
        }
        if (parameter.getShape() == null) {
            throw new IllegalStateException(
                    "AffineScaledBlock: no "
                            + parameter.getName()
                            + " yet; build with weights or"
                            + " call Model.load");
        }
        try (NDManager manager = NDManager.newBaseManager();
                NDArray values =
                        parameter
                                .getInitializer()
                                .initialize(manager, parameter.getShape(), DataType.FLOAT64)) {
            return values.toDoubleArray();
        }
    }

    /** {@inheritDoc} */
    @Override
    void requireReady() {
        if (!weight.isInitialized() || !bias.isInitialized()) {
            throw new IllegalStateException(
                    "AffineScaledBlock: the weights are not initialized; call initialize(manager,"
                            + " dataType, inputShapes) after wrapping, or Model.load");
        }
    }

    /** {@inheritDoc} */
    @Override
    NDArray calibrate(ParameterStore parameterStore, NDArray logits, boolean training) {
        Inputs.requireReal(logits, "logits:");
        NDArray w = parameterStore.getValue(weight, logits.getDevice(), training);
        NDArray b = parameterStore.getValue(bias, logits.getDevice(), training);
        long classes = b.getShape().get(0);
        Shape shape = logits.getShape();
        if (classes != 1 && (shape.dimension() == 0 || shape.tail() != classes)) {
            throw new IllegalArgumentException(
                    "logits: the last axis must hold the "
                            + classes
                            + " classes of the calibration map, got shape "
                            + shape);
        }
        return Scopes.keepResult(
                () -> {
                    DataType type = logits.getDataType();
                    NDArray weights = w.getDataType() == type ? w : w.toType(type, false);
                    NDArray biases = b.getDataType() == type ? b : b.toType(type, false);
                    NDArray z = input == Input.LOG_PROBABILITIES ? logits.logSoftmax(-1) : logits;
                    NDArray u =
                            weights.getShape().dimension() == 2
                                    ? z.matMul(weights.transpose()).add(biases)
                                    : z.mul(weights).add(biases);
                    switch (output) {
                        case SOFTMAX:
                            return u.softmax(-1);
                        case SIGMOID:
                            return Activation.sigmoid(u);
                        default:
                            return u;
                    }
                });
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code dataType} is not float32, float64 or float16
     * @throws IllegalStateException if the block was built without weights (a placeholder for
     *     {@code Model.load})
     */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        if (weight.getShape() == null) {
            throw new IllegalStateException(
                    "AffineScaledBlock: built without weights, as a placeholder for Model.load;"
                            + " set the weights and biases to initialize it");
        }
        super.initialize(manager, dataType, inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    Set<Parameter> fixedParameters() {
        return Set.of(weight, bias);
    }

    /** {@inheritDoc} */
    @Override
    void writeMetadata(DataOutputStream os) throws IOException {
        os.writeUTF(input.name());
        os.writeUTF(output.name());
    }

    /** {@inheritDoc} */
    @Override
    void readMetadata(DataInputStream is) throws IOException, MalformedModelException {
        try {
            input = Input.valueOf(is.readUTF());
            output = Output.valueOf(is.readUTF());
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException("AffineScaledBlock: unknown input or output", e);
        }
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        Shape shape = weight.getShape();
        return "AffineScaledBlock(weight="
                + (shape == null ? "unset" : shape.toString())
                + ", input="
                + input
                + ", output="
                + output
                + ", block="
                + getBlock()
                + ")";
    }

    /** Builds an {@link AffineScaledBlock}. */
    public static final class Builder {

        private Block block;
        private double[] weights;
        private Shape weightShape;
        private double[] biases;
        private Input input = Input.LOGITS;
        private Output output = Output.SOFTMAX;

        private Builder() {}

        /**
         * Sets the block to wrap; its first output holds the logits.
         *
         * @param block the (usually trained) classifier
         * @return this builder
         */
        public Builder setBlock(Block block) {
            this.block = block;
            return this;
        }

        /**
         * Sets one weight per class: {@code u = w * z + b} (vector scaling; one weight for Platt
         * scaling of a single score). Replaces a matrix set before.
         *
         * @param weights {@code C} finite values, copied
         * @return this builder
         */
        public Builder setWeights(double[] weights) {
            this.weights = weights == null ? null : weights.clone();
            this.weightShape = weights == null ? null : new Shape(weights.length);
            return this;
        }

        /**
         * Sets a full weight matrix: {@code u = W z + b} (matrix scaling, Dirichlet calibration).
         * Replaces per-class weights set before.
         *
         * @param weights {@code C} rows of {@code C} finite values, {@code weights[c][d]} the
         *     weight of input class {@code d} in output class {@code c}; copied
         * @return this builder
         * @throws IllegalArgumentException if the matrix is not square
         */
        public Builder setWeights(double[][] weights) {
            if (weights == null) {
                this.weights = null;
                this.weightShape = null;
                return this;
            }
            int c = weights.length;
            double[] flat = new double[c * c];
            for (int i = 0; i < c; i++) {
                if (weights[i] == null || weights[i].length != c) {
                    throw new IllegalArgumentException(
                            "weights: must be a square matrix, got row "
                                    + i
                                    + " of length "
                                    + (weights[i] == null ? "null" : weights[i].length)
                                    + " in "
                                    + c
                                    + " rows");
                }
                System.arraycopy(weights[i], 0, flat, i * c, c);
            }
            this.weights = flat;
            this.weightShape = new Shape(c, c);
            return this;
        }

        /**
         * Sets the biases.
         *
         * @param biases {@code C} finite values, copied
         * @return this builder
         */
        public Builder setBiases(double[] biases) {
            this.biases = biases == null ? null : biases.clone();
            return this;
        }

        /**
         * Sets what the map is applied to.
         *
         * @param input {@link Input#LOGITS} (default) or {@link Input#LOG_PROBABILITIES}
         * @return this builder
         */
        public Builder optInput(Input input) {
            this.input = input;
            return this;
        }

        /**
         * Sets what the block outputs.
         *
         * @param output {@link Output#SOFTMAX} (default), {@link Output#SIGMOID} or {@link
         *     Output#LOGITS}
         * @return this builder
         */
        public Builder optOutput(Output output) {
            this.output = output;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link AffineScaledBlock}
         * @throws IllegalArgumentException if no block is set, only one of weights and biases is
         *     set, their sizes differ, a value is not finite, or an option is null
         */
        public AffineScaledBlock build() {
            if (block == null) {
                throw new IllegalArgumentException("block: required, call setBlock(Block)");
            }
            if (input == null || output == null) {
                throw new IllegalArgumentException(
                        (input == null ? "input" : "output") + ": must not be null");
            }
            if ((weights == null) != (biases == null)) {
                throw new IllegalArgumentException(
                        (weights == null ? "weights" : "biases")
                                + ": set both weights and biases, or neither (a placeholder for"
                                + " Model.load)");
            }
            if (weights != null) {
                long classes = weightShape.get(0);
                if (biases.length != classes || classes == 0) {
                    throw new IllegalArgumentException(
                            "biases: must hold one value per class of the weights "
                                    + weightShape
                                    + ", got "
                                    + biases.length);
                }
                requireFinite("weights", weights);
                requireFinite("biases", biases);
            }
            return new AffineScaledBlock(this);
        }

        private static void requireFinite(String argument, double[] values) {
            for (int i = 0; i < values.length; i++) {
                if (!Double.isFinite(values[i])) {
                    throw new IllegalArgumentException(
                            argument + ": must be finite, got " + values[i] + " at " + i);
                }
            }
        }
    }
}
