package io.github.tempered.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * What the blocks that wrap a trained classifier share: run the wrapped block, replace the first
 * output (the logits) and pass the others through, and keep fixed calibration parameters frozen.
 */
final class WrappedOutputs {

    private WrappedOutputs() {}

    /**
     * Runs {@code block} and replaces its first output by {@code calibrate} of it.
     *
     * @param block the wrapped block
     * @param parameterStore the parameter store
     * @param inputs the inputs
     * @param training whether this is a training pass
     * @param params optional parameters
     * @param calibrate maps the logits to the calibrated output
     * @return the wrapped block's outputs with the first replaced
     * @throws IllegalArgumentException if the wrapped block returns nothing
     */
    static NDList forward(
            Block block,
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params,
            UnaryOperator<NDArray> calibrate) {
        NDList out = block.forward(parameterStore, inputs, training, params);
        if (out == null || out.isEmpty()) {
            throw new IllegalArgumentException(
                    "block: the wrapped block returned no output for inputs of shapes "
                            + (inputs == null ? "null" : Arrays.toString(inputs.getShapes())));
        }
        NDList result = new NDList(out.size());
        result.add(calibrate.apply(out.head()));
        for (int i = 1; i < out.size(); i++) {
            result.add(out.get(i));
        }
        return result;
    }

    /**
     * Freezes or unfreezes the parameters that pass {@code pred}, except the fixed ones, which
     * always stay frozen.
     *
     * @param parameters all the block's parameters
     * @param fixed the parameters that never train
     * @param freeze {@code true} to freeze
     * @param pred which parameters to change
     */
    static void freeze(
            Collection<Parameter> parameters,
            Set<Parameter> fixed,
            boolean freeze,
            Predicate<Parameter> pred) {
        for (Parameter parameter : parameters) {
            if (!fixed.contains(parameter) && pred.test(parameter)) {
                parameter.freeze(freeze);
            }
        }
    }
}
