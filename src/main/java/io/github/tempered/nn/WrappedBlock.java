package io.github.tempered.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What the blocks that wrap a trained classifier with a calibration share ({@link
 * TemperatureScaledBlock}, {@link AffineScaledBlock}): the wrapped block as the child {@code
 * "calibrated"}, whose first output (the logits) is replaced by the calibrated one while the others
 * pass through; initialization that keeps the wrapped block's trained parameters; output shapes;
 * calibration parameters that stay frozen; and the saved metadata's version and input shapes.
 */
abstract class WrappedBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final String name;
    private final Block block;

    /**
     * Wraps a block.
     *
     * @param name the subclass's name, for messages
     * @param wrapped the block whose first output holds the logits
     */
    @SuppressWarnings("this-escape")
    WrappedBlock(String name, Block wrapped) {
        super(VERSION);
        this.name = name;
        this.block = addChildBlock("calibrated", wrapped);
    }

    /**
     * Returns the wrapped block.
     *
     * @return the block whose first output is calibrated
     */
    public Block getBlock() {
        return block;
    }

    /**
     * Checks that the calibration's parameters exist.
     *
     * @throws IllegalStateException if they have not been initialized or loaded
     */
    abstract void requireReady();

    /**
     * Calibrates the wrapped block's first output.
     *
     * @param parameterStore the parameter store
     * @param logits the logits
     * @param training whether this is a training pass
     * @return the calibrated logits or probabilities
     */
    abstract NDArray calibrate(ParameterStore parameterStore, NDArray logits, boolean training);

    /**
     * Returns the parameters that never train.
     *
     * @return the fixed parameters
     */
    abstract Set<Parameter> fixedParameters();

    /**
     * Writes the subclass's metadata after the input shapes.
     *
     * @param os the stream
     * @throws IOException if writing fails
     */
    abstract void writeMetadata(DataOutputStream os) throws IOException;

    /**
     * Reads what {@link #writeMetadata} wrote.
     *
     * @param is the stream
     * @throws IOException if reading fails
     * @throws MalformedModelException if the data are not valid
     */
    abstract void readMetadata(DataInputStream is) throws IOException, MalformedModelException;

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        requireReady();
        NDList out = block.forward(parameterStore, inputs, training, params);
        if (out == null || out.isEmpty()) {
            throw new IllegalArgumentException(
                    "block: the wrapped block returned no output for inputs of shapes "
                            + (inputs == null ? "null" : Arrays.toString(inputs.getShapes())));
        }
        NDList result = new NDList(out.size());
        result.add(calibrate(parameterStore, out.head(), training));
        for (int i = 1; i < out.size(); i++) {
            result.add(out.get(i));
        }
        return result;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The wrapped block is initialized again, which keeps every parameter it already has (DJL's
     * initialization only fills parameters that have no array yet).
     *
     * @throws IllegalArgumentException if {@code dataType} is not float32, float64 or float16
     */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        LogTemperature.checkDataType(name, dataType);
        super.initialize(manager, dataType, inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        block.initialize(manager, dataType, inputShapes);
    }

    /**
     * Returns the wrapped block's output shapes: calibration keeps every shape.
     *
     * @param inputShapes the input shapes
     * @return the wrapped block's output shapes
     */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return block.getOutputShapes(inputShapes);
    }

    /**
     * Freezes or unfreezes the wrapped block's parameters; the calibration's fixed parameters
     * always stay frozen.
     *
     * @param freeze {@code true} to freeze
     */
    @Override
    public void freezeParameters(boolean freeze) {
        freezeParameters(freeze, p -> true);
    }

    /**
     * Freezes or unfreezes the parameters that pass {@code pred}; the calibration's fixed
     * parameters always stay frozen.
     *
     * @param freeze {@code true} to freeze
     * @param pred which parameters to change
     */
    @Override
    public void freezeParameters(boolean freeze, Predicate<Parameter> pred) {
        Set<Parameter> fixed = fixedParameters();
        for (Parameter parameter : getParameters().values()) {
            if (!fixed.contains(parameter) && pred.test(parameter)) {
                parameter.freeze(freeze);
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        saveInputShapes(os);
        writeMetadata(os);
    }

    /** {@inheritDoc} */
    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is)
            throws IOException, MalformedModelException {
        LogTemperature.checkVersion(name, loadVersion, VERSION);
        readInputShapes(is);
        readMetadata(is);
    }
}
