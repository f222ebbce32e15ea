package io.github.tempered.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.github.tempered.internal.Inputs;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Set;

/**
 * Wraps a trained classifier with a fitted temperature: its output is the calibrated logits {@code
 * logits / T} or the calibrated probabilities {@code softmax(logits / T)} (Guo et al. 2017).
 *
 * <p>Dividing by {@code T > 0} never changes the arg-max, so the accuracy stays the same while the
 * confidence is recalibrated. The temperature is a scalar {@link Parameter} named {@code
 * "logTemperature"} holding {@code log T}, so {@code T} stays positive and {@code Model.save} /
 * {@code Model.load} keep it together with the wrapped block's parameters.
 *
 * <h2>Wrapping a trained block</h2>
 *
 * <pre>{@code
 * Block trained = model.getBlock();                       // already trained and initialized
 * TemperatureScaledBlock scaled = TemperatureScaledBlock.builder()
 *         .setBlock(trained)
 *         .setTemperature(fit.temperature())
 *         .optProbabilities(true)
 *         .build();
 * scaled.initialize(model.getNDManager(), DataType.FLOAT32, inputShape);
 * model.setBlock(scaled);
 * model.save(dir, "calibrated");
 * }</pre>
 *
 * <p>{@link #initialize} creates the temperature parameter and re-initializes the wrapped block,
 * which keeps every parameter it already has (DJL's initialization only fills parameters that have
 * no array yet), so the trained weights are kept. The wrapped block's arrays stay attached to the
 * manager they were created in: keep that model open, or wrap the block inside the same model. To
 * load, build the same structure around a fresh, uninitialized copy of the wrapped block and call
 * {@code Model.load}: the temperature, the wrapped block's parameters, the output mode and the
 * class axis are all read back.
 *
 * <h2>Training the wrapped model further</h2>
 *
 * <p>By default the temperature is fixed: its parameter does not require a gradient, no gradient
 * flows to it, and {@link #freezeParameters(boolean)} (which {@code Model.newTrainer} calls after
 * {@code Model.load}) never unfreezes it; training the wrapped model further leaves {@code T}
 * unchanged. Calling {@link Parameter#freeze(boolean)} on the parameter directly, or unfreezing it
 * through an enclosing block, gives it a zero gradient but lets an optimizer's weight decay shrink
 * {@code log T}; build with {@code optLearnable(true)} to train the temperature instead.
 *
 * <h2>Shape</h2>
 *
 * <ul>
 *   <li>Input: whatever the wrapped block takes.
 *   <li>Output: the wrapped block's output, whose first array (the logits, floating point, with the
 *       class axis among its dimensions) is replaced by {@code logits / T} or {@code softmax(logits
 *       / T)} along the class axis, with the same shape and type; any further arrays are passed
 *       through unchanged. float16 logits are divided and normalised in float16, as {@code
 *       torch.softmax(logits.half() / T, dim)} is; {@link #initialize} accepts only float32,
 *       float64 and float16.
 *   <li>NaN and infinite logits propagate as in PyTorch's softmax; nothing is rejected, so check
 *       the model's outputs upstream if they may hold them.
 * </ul>
 *
 * <p>The block is safe to share across threads for inference; loading parameters into it is not
 * thread-safe.
 */
public final class TemperatureScaledBlock extends WrappedBlock {

    private final TemperatureParameter logTemperature;
    private final double initialTemperature;
    private final boolean learnable;
    private boolean probabilities;
    private int classAxis;

    @SuppressWarnings("this-escape")
    private TemperatureScaledBlock(Builder builder) {
        super("TemperatureScaledBlock", builder.block);
        initialTemperature = builder.temperature;
        learnable = builder.learnable;
        probabilities = builder.probabilities;
        classAxis = builder.classAxis;
        logTemperature =
                new TemperatureParameter(
                        addParameter(LogTemperature.parameter(initialTemperature, learnable)),
                        "TemperatureScaledBlock",
                        "the temperature is not initialized; call initialize(manager, dataType,"
                                + " inputShapes) after wrapping (the wrapped block keeps its"
                                + " trained parameters), or Model.load");
    }

    /**
     * Creates a builder for a {@code TemperatureScaledBlock}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the current temperature as seen through a parameter store: {@code exp} of the {@code
     * log T} value that {@code parameterStore} holds on its manager's device.
     *
     * @param parameterStore the store to read from (a {@code Trainer}'s store holds the value being
     *     trained); when {@code null}, the parameter's own array is read, as by {@link
     *     #getTemperature()}
     * @return the temperature, greater than 0
     * @throws IllegalStateException if the temperature parameter has not been initialized or loaded
     */
    public float getTemperature(ParameterStore parameterStore) {
        return logTemperature.read(parameterStore);
    }

    /**
     * Returns the current temperature: {@code exp} of the {@code log T} parameter's array once
     * initialized or loaded, and the temperature given to the builder before that.
     *
     * <p>{@code log T} is stored in the parameter's data type (float32 unless the model uses
     * float64), so the value read back may differ from the builder's by a relative 1e-7.
     *
     * @return the temperature, greater than 0
     */
    public float getTemperature() {
        return logTemperature.isInitialized()
                ? logTemperature.read(null)
                : (float) initialTemperature;
    }

    /**
     * Returns whether the block outputs probabilities.
     *
     * @return {@code true} for {@code softmax(logits / T)}, {@code false} for {@code logits / T}
     */
    public boolean isProbabilities() {
        return probabilities;
    }

    /**
     * Returns the class axis, as configured (it may be negative).
     *
     * @return the class axis
     */
    public int getClassAxis() {
        return classAxis;
    }

    /**
     * Returns whether the temperature can be trained.
     *
     * @return {@code true} if built with {@code optLearnable(true)}
     */
    public boolean isLearnable() {
        return learnable;
    }

    /** {@inheritDoc} */
    @Override
    void requireReady() {
        logTemperature.requireInitialized();
    }

    /** {@inheritDoc} */
    @Override
    NDArray calibrate(ParameterStore parameterStore, NDArray logits, boolean training) {
        int axis = TemperatureOps.checkInput("logits", logits, "classAxis", classAxis);
        NDArray logT =
                parameterStore.getValue(logTemperature.parameter(), logits.getDevice(), training);
        TemperatureOps.Output output =
                probabilities ? TemperatureOps.Output.SOFTMAX : TemperatureOps.Output.LOGITS;
        if (learnable) {
            return TemperatureOps.apply(logits, logT, 1f, axis, output);
        }
        try (NDArray constant = logT.stopGradient()) {
            return TemperatureOps.apply(logits, constant, 1f, axis, output);
        }
    }

    /** {@inheritDoc} */
    @Override
    Set<Parameter> fixedParameters() {
        return learnable ? Set.of() : Set.of(logTemperature.parameter());
    }

    /** {@inheritDoc} */
    @Override
    void writeMetadata(DataOutputStream os) throws IOException {
        os.writeBoolean(probabilities);
        os.writeInt(classAxis);
    }

    /** {@inheritDoc} */
    @Override
    void readMetadata(DataInputStream is) throws IOException {
        probabilities = is.readBoolean();
        classAxis = is.readInt();
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "TemperatureScaledBlock(temperature="
                + getTemperature()
                + (learnable ? ", learnable" : "")
                + ", output="
                + (probabilities ? "probabilities" : "logits")
                + ", classAxis="
                + classAxis
                + ", block="
                + getBlock()
                + ")";
    }

    /** Builds a {@link TemperatureScaledBlock}. */
    public static final class Builder extends TemperatureBuilder<Builder> {

        private Block block;
        private double temperature = Double.NaN;
        private boolean probabilities;
        private int classAxis = -1;

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

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
         * Sets the temperature the logits are divided by, e.g. {@code
         * TemperatureFit.temperature()}.
         *
         * @param temperature the temperature, finite and greater than 0
         * @return this builder
         */
        public Builder setTemperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        /**
         * Sets whether the block outputs probabilities instead of logits.
         *
         * @param probabilities {@code true} for {@code softmax(logits / T)}; default {@code false}
         *     ({@code logits / T})
         * @return this builder
         */
        public Builder optProbabilities(boolean probabilities) {
            this.probabilities = probabilities;
            return this;
        }

        /**
         * Sets the class axis of the logits, used by the softmax and checked at forward.
         *
         * @param classAxis the axis; default -1, use 1 for PyTorch's {@code (N, C, d1, ..., dk)}
         * @return this builder
         */
        public Builder optClassAxis(int classAxis) {
            this.classAxis = classAxis;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link TemperatureScaledBlock}
         * @throws IllegalArgumentException if no block is set, or the temperature is not set or not
         *     finite and greater than 0
         */
        public TemperatureScaledBlock build() {
            if (block == null) {
                throw new IllegalArgumentException("block: required, call setBlock(Block)");
            }
            if (Double.isNaN(temperature)) {
                throw new IllegalArgumentException(
                        "temperature: required, call setTemperature(double); got NaN or unset");
            }
            Inputs.requirePositiveFinite("temperature", temperature);
            return new TemperatureScaledBlock(this);
        }
    }
}
