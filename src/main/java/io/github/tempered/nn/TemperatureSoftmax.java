package io.github.tempered.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.tempered.internal.Inputs;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Softmax or log-softmax with a temperature: {@code softmax(x / T)} or {@code log_softmax(x / T)}
 * along one axis, equal in value and gradient to PyTorch's {@code torch.softmax(x / T, dim)} and
 * {@code torch.log_softmax(x / T, dim)}.
 *
 * <p>A temperature above 1 flattens the distribution, one below 1 sharpens it. The log-softmax is
 * computed directly (never as {@code log(softmax)}), so logits of magnitude 1e4 give finite values.
 *
 * <h2>Fixed or learnable temperature</h2>
 *
 * <ul>
 *   <li>Fixed (the default): the block has no parameters; {@code T} is part of its configuration.
 *   <li>Learnable ({@code optLearnable(true)}): the block has one scalar {@link Parameter} named
 *       {@code "logTemperature"} holding {@code log T}, so {@code T = exp(log T)} stays positive
 *       whatever an optimizer does. It is initialised by its own {@link
 *       ai.djl.training.initializer.ConstantInitializer} to {@code log} of the configured
 *       temperature, so {@link #initialize}, {@code Trainer.initialize} and a forward pass in
 *       training mode all start from the configured {@code T}. Its type is {@link
 *       Parameter.Type#OTHER}: a training configuration's initializer for {@link
 *       Parameter.Type#WEIGHT} does not replace it. The gradient reaches {@code log T}; the
 *       gradient with respect to {@code T} is that divided by {@code T}.
 * </ul>
 *
 * <h2>Shape</h2>
 *
 * <ul>
 *   <li>Input: a single floating-point array with at least one dimension, e.g. {@code (N, C)},
 *       {@code (C)} or {@code (N, C, d1, ..., dk)} with {@code optAxis(1)}.
 *   <li>Output: the input's shape and data type; the computation runs in the input's type (a
 *       float32 {@code log T} with float64 input gives a float64 result, by PyTorch's type
 *       promotion, and the gradient still reaches {@code log T}). float16 input gives float16
 *       output, divided in float16 and normalised by PyTorch's float16 softmax, as {@code
 *       torch.softmax(x.half() / T, dim)} is; {@link #initialize} accepts only float32, float64 and
 *       float16.
 *   <li>NaN and infinite inputs propagate as in PyTorch: a NaN or {@code +inf} in a slice along the
 *       axis makes the whole slice NaN, a {@code -inf} gets probability 0 (log-probability {@code
 *       -inf}).
 * </ul>
 *
 * <h2>Saving</h2>
 *
 * <p>{@code Model.save} writes the configuration (temperature, axis, log flag, whether it is
 * learnable) as the block's metadata, after a version byte, and the {@code log T} parameter when
 * learnable. {@code Model.load} into a block built with the same {@code optLearnable} setting
 * restores all of them; the saved temperature, axis and log flag replace the ones the new block was
 * built with, as DJL's own blocks do with their saved metadata.
 *
 * <p>Every intermediate array is closed; the output is attached to the input's manager. The block
 * is safe to share across threads for inference; loading parameters into it is not thread-safe.
 */
public final class TemperatureSoftmax extends AbstractBlock {

    private static final byte VERSION = 1;

    private float temperature;
    private int axis;
    private boolean log;
    private final boolean learnable;

    /** The {@code log T} parameter when learnable, else {@code null}. */
    private final TemperatureParameter logTemperature;

    @SuppressWarnings("this-escape")
    private TemperatureSoftmax(Builder builder) {
        super(VERSION);
        temperature = builder.temperature;
        axis = builder.axis;
        log = builder.log;
        learnable = builder.learnable;
        logTemperature =
                learnable
                        ? new TemperatureParameter(
                                addParameter(LogTemperature.parameter(temperature, true)),
                                "TemperatureSoftmax",
                                "the learnable temperature is not initialized; call"
                                        + " initialize(manager, dataType, inputShapes),"
                                        + " Trainer.initialize or Model.load first")
                        : null;
    }

    /**
     * Creates a builder for a {@code TemperatureSoftmax}.
     *
     * @return a new builder: temperature 1, fixed, softmax, axis -1
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the current temperature as seen through a parameter store.
     *
     * <p>For a fixed temperature this is the configured value. For a learnable one it is {@code
     * exp} of the {@code log T} value that {@code parameterStore} holds on its manager's device (a
     * {@code Trainer}'s store holds the value being trained).
     *
     * @param parameterStore the store to read a learnable temperature from; ignored when the
     *     temperature is fixed; when {@code null}, the parameter's own array is read, as by {@link
     *     #getTemperature()}
     * @return the temperature, greater than 0
     * @throws IllegalStateException if the temperature is learnable and its parameter has not been
     *     initialized or loaded
     */
    public float getTemperature(ParameterStore parameterStore) {
        if (!learnable) {
            return temperature;
        }
        return parameterStore == null ? getTemperature() : logTemperature.read(parameterStore);
    }

    /**
     * Returns the current temperature held by the block.
     *
     * <p>For a fixed temperature this is the configured (or loaded) value. For a learnable one it
     * is {@code exp} of the {@code log T} parameter's array once initialized or loaded, and the
     * starting temperature before that.
     *
     * @return the temperature, greater than 0
     */
    public float getTemperature() {
        if (learnable && logTemperature.isInitialized()) {
            return logTemperature.read(null);
        }
        return temperature;
    }

    /**
     * Returns whether the temperature is a learnable parameter.
     *
     * @return {@code true} if the block holds a {@code log T} parameter
     */
    public boolean isLearnable() {
        return learnable;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code dataType} is not float32, float64 or float16
     */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        LogTemperature.checkDataType("TemperatureSoftmax", dataType);
        super.initialize(manager, dataType, inputShapes);
    }

    /**
     * Returns whether the block computes the log-softmax.
     *
     * @return {@code true} for {@code log_softmax(x / T)}, {@code false} for {@code softmax(x / T)}
     */
    public boolean isLog() {
        return log;
    }

    /**
     * Returns the softmax axis, as configured (it may be negative).
     *
     * @return the axis
     */
    public int getAxis() {
        return axis;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        if (inputs == null || inputs.size() != 1) {
            throw new IllegalArgumentException(
                    "inputs: TemperatureSoftmax takes exactly one array, got "
                            + (inputs == null
                                    ? "null"
                                    : inputs.size() + " " + Arrays.toString(inputs.getShapes())));
        }
        NDArray x = inputs.head();
        int normalizedAxis = TemperatureOps.checkInput("input", x, "axis", axis);
        NDArray logT = null;
        if (learnable) {
            logTemperature.requireInitialized();
            logT = parameterStore.getValue(logTemperature.parameter(), x.getDevice(), training);
        }
        TemperatureOps.Output output =
                log ? TemperatureOps.Output.LOG_SOFTMAX : TemperatureOps.Output.SOFTMAX;
        return new NDList(TemperatureOps.apply(x, logT, temperature, normalizedAxis, output));
    }

    /**
     * Returns the input shape: the output is shaped as the input.
     *
     * @param inputShapes the shape of the single input
     * @return the same shape
     * @throws IllegalArgumentException if there is not exactly one input, it is a scalar or the
     *     axis is out of range for it
     */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        if (inputShapes == null || inputShapes.length != 1) {
            throw new IllegalArgumentException(
                    "inputShapes: TemperatureSoftmax takes exactly one input, got "
                            + (inputShapes == null ? "null" : inputShapes.length + " shapes"));
        }
        TemperatureOps.checkAxis("input", inputShapes[0], "axis", axis);
        return new Shape[] {inputShapes[0]};
    }

    /** {@inheritDoc} */
    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        saveInputShapes(os);
        os.writeBoolean(learnable);
        os.writeFloat(temperature);
        os.writeInt(axis);
        os.writeBoolean(log);
    }

    /** {@inheritDoc} */
    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is)
            throws IOException, MalformedModelException {
        LogTemperature.checkVersion("TemperatureSoftmax", loadVersion, VERSION);
        readInputShapes(is);
        boolean savedLearnable = is.readBoolean();
        if (savedLearnable != learnable) {
            throw new MalformedModelException(
                    "TemperatureSoftmax: the saved block has a "
                            + (savedLearnable ? "learnable" : "fixed")
                            + " temperature but this block was built with optLearnable("
                            + learnable
                            + ")");
        }
        float savedTemperature = is.readFloat();
        if (!(savedTemperature > 0) || Float.isInfinite(savedTemperature)) {
            throw new MalformedModelException(
                    "TemperatureSoftmax: saved temperature " + savedTemperature + " is not valid");
        }
        temperature = savedTemperature;
        axis = is.readInt();
        log = is.readBoolean();
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "TemperatureSoftmax(temperature="
                + getTemperature()
                + (learnable ? ", learnable" : "")
                + ", axis="
                + axis
                + (log ? ", log" : "")
                + ")";
    }

    /** Builds a {@link TemperatureSoftmax}. */
    public static final class Builder extends TemperatureBuilder<Builder> {

        private float temperature = 1f;
        private boolean log;
        private int axis = -1;

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        /**
         * Sets the temperature the input is divided by (the starting value when learnable).
         *
         * @param temperature the temperature, finite and greater than 0; default 1
         * @return this builder
         */
        public Builder optTemperature(float temperature) {
            this.temperature = temperature;
            return this;
        }

        /**
         * Sets whether the block computes the log-softmax instead of the softmax.
         *
         * @param log {@code true} for {@code log_softmax(x / T)}; default {@code false}
         * @return this builder
         */
        public Builder optLog(boolean log) {
            this.log = log;
            return this;
        }

        /**
         * Sets the axis the softmax runs along; it is checked against the input's rank at forward.
         *
         * @param axis the axis, negative values counting from the end; default -1
         * @return this builder
         */
        public Builder optAxis(int axis) {
            this.axis = axis;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link TemperatureSoftmax}
         * @throws IllegalArgumentException if the temperature is not finite and greater than 0
         */
        public TemperatureSoftmax build() {
            Inputs.requirePositiveFinite("temperature", (double) temperature);
            return new TemperatureSoftmax(this);
        }
    }
}
