package io.github.tempered.grad;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.github.tempered.internal.Inputs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks autograd gradients against central finite differences, as PyTorch's {@code
 * torch.autograd.gradcheck} does.
 *
 * <p>Every checked variable (each floating-point input, and for {@link #checkBlock} each parameter
 * that requires a gradient) is copied to float64. The analytic gradient comes from one backward
 * pass through a {@link GradientCollector}; the numeric one perturbs each element by {@code ±eps}
 * in float64 and takes {@code (f(x + eps) - f(x - eps)) / (2 eps)}. An element passes when {@code
 * |analytic - numeric| <= atol + rtol * |numeric|}; a NaN on either side fails.
 *
 * <p>A scalar output is differentiated directly. A non-scalar output {@code y} is reduced to {@code
 * sum(y * r)} with a fixed Gaussian {@code r} drawn from the seed (the vector-Jacobian product
 * {@code J^T r}, PyTorch's "fast mode"); a wrong Jacobian is detected for almost every {@code r}.
 * With several outputs (from {@link #checkBlock}), each floating-point output gets its own {@code
 * r} and the terms are summed.
 *
 * <p>The function should compute in float64 when given float64 inputs (Tempered's losses and blocks
 * do); a function that drops to float32 internally fails the check at the default tolerances
 * because its finite differences are dominated by rounding.
 *
 * <p>Resources: each evaluation runs on fresh float64 copies in a sub-manager of the first input's
 * manager, inside an {@link NDScope}; both are closed before the next evaluation, so no array is
 * left behind and the copies' gradients never accumulate across calls. The caller's arrays are only
 * read. One {@link GradientCollector} is opened for the analytic pass and closed before the numeric
 * passes, so a check must not run while another collector is open (DJL allows one at a time).
 * Arrays captured by the function itself that require a gradient (rather than passed as inputs)
 * receive gradients from the backward pass, as with any backward in DJL; use {@link #checkBlock}
 * for a block's parameters.
 *
 * <p>Instances are immutable and safe to share; a check evaluates the function {@code 1 + 2n} times
 * for {@code n} checked elements, so keep the inputs small.
 */
public final class GradCheck {

    private static final Logger logger = LoggerFactory.getLogger(GradCheck.class);

    private final double eps;
    private final double atol;
    private final double rtol;
    private final long seed;

    private GradCheck(Builder builder) {
        eps = builder.eps;
        atol = builder.atol;
        rtol = builder.rtol;
        seed = builder.seed;
    }

    /**
     * Creates a builder with PyTorch's defaults: {@code eps = 1e-6}, {@code atol = 1e-5}, {@code
     * rtol = 1e-3}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the finite-difference step.
     *
     * @return the step
     */
    public double getEps() {
        return eps;
    }

    /**
     * Returns the absolute tolerance.
     *
     * @return the absolute tolerance
     */
    public double getAtol() {
        return atol;
    }

    /**
     * Returns the relative tolerance.
     *
     * @return the relative tolerance
     */
    public double getRtol() {
        return rtol;
    }

    /**
     * Compares the gradients of {@code function} with respect to every floating-point input with
     * central finite differences.
     *
     * <p>The function receives an {@link NDList} shaped like {@code inputs}: the floating-point
     * entries replaced by float64 copies, the others (integer labels, for instance) passed through
     * as they are.
     *
     * @param function the function to check; its output must be floating point
     * @param inputs the point to check at; at least one entry must be floating point
     * @return the result, naming the worst element
     * @throws IllegalArgumentException if the inputs hold no floating-point array with elements, or
     *     the function returns {@code null} or a non-floating-point array
     */
    public Result check(Function<NDList, NDArray> function, NDList inputs) {
        if (function == null) {
            throw new IllegalArgumentException("function: must not be null");
        }
        requireInputs(inputs);
        List<Variable> variables = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            NDArray input = inputs.get(i);
            if (Inputs.isReal(input.getDataType())) {
                variables.add(Variable.of("input " + i, input));
            }
        }
        Evaluation evaluation =
                copies -> {
                    NDList arguments = new NDList(inputs.size());
                    int next = 0;
                    for (NDArray input : inputs) {
                        arguments.add(
                                Inputs.isReal(input.getDataType()) ? copies.get(next++) : input);
                    }
                    NDArray out = function.apply(arguments);
                    if (out == null) {
                        throw new IllegalArgumentException("function: returned null");
                    }
                    return new NDList(out);
                };
        return run(variables, evaluation, inputs.head().getManager(), inputs.head().getDevice());
    }

    /**
     * Compares the gradients of a block's output with respect to its floating-point inputs and to
     * every initialized parameter that requires a gradient with central finite differences.
     *
     * <p>The block runs in inference mode ({@code training = false}, so dropout is off) through a
     * parameter store that hands it float64 copies of its parameters in place of the parameters'
     * own arrays, which are neither changed nor given gradients.
     *
     * @param block an initialized block
     * @param inputs the point to check at
     * @return the result, naming the worst element (parameters by their name in {@link
     *     Block#getParameters()})
     * @throws IllegalArgumentException if the block is {@code null} or not initialized, or there is
     *     nothing to check
     */
    public Result checkBlock(Block block, NDList inputs) {
        if (block == null) {
            throw new IllegalArgumentException("block: must not be null");
        }
        requireInputs(inputs);
        if (!block.isInitialized()) {
            throw new IllegalArgumentException(
                    "block: "
                            + block.getClass().getSimpleName()
                            + " is not initialized; call initialize(manager, dataType, "
                            + Arrays.toString(inputs.getShapes())
                            + ") first");
        }
        List<Variable> variables = new ArrayList<>();
        List<Boolean> floating = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            NDArray input = inputs.get(i);
            floating.add(Inputs.isReal(input.getDataType()));
            if (Inputs.isReal(input.getDataType())) {
                variables.add(Variable.of("input " + i, input));
            }
        }
        int firstParameter = variables.size();
        List<Parameter> parameters = new ArrayList<>();
        for (Pair<String, Parameter> pair : block.getParameters()) {
            Parameter parameter = pair.getValue();
            if (parameter.isInitialized() && parameter.requiresGradient()) {
                parameters.add(parameter);
                variables.add(Variable.of("parameter " + pair.getKey(), parameter.getArray()));
            }
        }
        NDManager manager = inputs.head().getManager();
        Evaluation evaluation =
                copies -> {
                    NDList arguments = new NDList(inputs.size());
                    int next = 0;
                    for (int i = 0; i < inputs.size(); i++) {
                        arguments.add(floating.get(i) ? copies.get(next++) : inputs.get(i));
                    }
                    Map<String, NDArray> substitutes = new HashMap<>();
                    for (int p = 0; p < parameters.size(); p++) {
                        substitutes.put(parameters.get(p).getId(), copies.get(firstParameter + p));
                    }
                    NDManager storeManager = copies.get(0).getManager();
                    ParameterStore store = new SubstitutingStore(storeManager, substitutes);
                    return block.forward(store, arguments, false);
                };
        return run(variables, evaluation, manager, inputs.head().getDevice());
    }

    /**
     * Runs {@link #check} and throws if it fails.
     *
     * @param function the function to check
     * @param inputs the point to check at
     * @return the passing result
     * @throws AssertionError with the result's description if any element fails
     */
    public Result assertGradients(Function<NDList, NDArray> function, NDList inputs) {
        return requirePassed(check(function, inputs));
    }

    /**
     * Runs {@link #checkBlock} and throws if it fails.
     *
     * @param block an initialized block
     * @param inputs the point to check at
     * @return the passing result
     * @throws AssertionError with the result's description if any element fails
     */
    public Result assertBlockGradients(Block block, NDList inputs) {
        return requirePassed(checkBlock(block, inputs));
    }

    private static Result requirePassed(Result result) {
        if (!result.passed()) {
            throw new AssertionError(result.toString());
        }
        return result;
    }

    private static void requireInputs(NDList inputs) {
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("inputs: must hold at least one array, got none");
        }
    }

    private Result run(
            List<Variable> variables, Evaluation evaluation, NDManager parent, Device device) {
        long elements = variables.stream().mapToLong(v -> v.values.length).sum();
        if (elements == 0) {
            throw new IllegalArgumentException(
                    "inputs: nothing to check, no floating-point input (or parameter) has elements");
        }
        List<double[]> projections = new ArrayList<>();
        double[][] analytic = analytic(variables, evaluation, parent, device, projections);

        int worstVariable = -1;
        int worstElement = -1;
        double worstRatio = -1;
        double worstAnalytic = 0;
        double worstNumeric = 0;
        double maxAbsError = 0;
        for (int v = 0; v < variables.size(); v++) {
            double[] values = variables.get(v).values;
            for (int j = 0; j < values.length; j++) {
                double original = values[j];
                values[j] = original + eps;
                double plus = evaluate(variables, evaluation, parent, device, projections);
                values[j] = original - eps;
                double minus = evaluate(variables, evaluation, parent, device, projections);
                values[j] = original;
                double numeric = (plus - minus) / (2 * eps);
                double a = analytic[v][j];
                double error = Math.abs(a - numeric);
                double tolerance = atol + rtol * Math.abs(numeric);
                double ratio;
                if (Double.isNaN(error)) {
                    ratio = Double.POSITIVE_INFINITY;
                } else if (tolerance == 0) {
                    ratio = error == 0 ? 0 : Double.POSITIVE_INFINITY;
                } else {
                    ratio = error / tolerance;
                }
                if (Double.isFinite(error)) {
                    maxAbsError = Math.max(maxAbsError, error);
                } else {
                    maxAbsError = Double.POSITIVE_INFINITY;
                }
                if (ratio > worstRatio) {
                    worstRatio = ratio;
                    worstVariable = v;
                    worstElement = j;
                    worstAnalytic = a;
                    worstNumeric = numeric;
                }
            }
        }
        Variable worst = variables.get(worstVariable);
        Result result =
                new Result(
                        worstRatio <= 1,
                        worst.name,
                        worstVariable,
                        multiIndex(worstElement, worst.shape),
                        worstAnalytic,
                        worstNumeric,
                        atol + rtol * Math.abs(worstNumeric),
                        maxAbsError,
                        elements,
                        eps,
                        atol,
                        rtol);
        logger.debug("{}", result);
        return result;
    }

    /** Runs the function once on fresh copies under a collector and returns their gradients. */
    private double[][] analytic(
            List<Variable> variables,
            Evaluation evaluation,
            NDManager parent,
            Device device,
            List<double[]> projections) {
        double[][] gradients = new double[variables.size()][];
        try (NDManager manager = parent.newSubManager(device);
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            List<NDArray> copies = copies(variables, manager);
            for (NDArray copy : copies) {
                copy.setRequiresGradient(true);
            }
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray target = reduce(evaluation.apply(copies), projections, manager);
                collector.backward(target);
            }
            for (int v = 0; v < copies.size(); v++) {
                gradients[v] = copies.get(v).getGradient().toDoubleArray();
            }
        }
        return gradients;
    }

    /** Runs the function once on fresh copies of the current values and returns the scalar. */
    private double evaluate(
            List<Variable> variables,
            Evaluation evaluation,
            NDManager parent,
            Device device,
            List<double[]> projections) {
        try (NDManager manager = parent.newSubManager(device);
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray target =
                    reduce(evaluation.apply(copies(variables, manager)), projections, manager);
            return target.toDoubleArray()[0];
        }
    }

    private static List<NDArray> copies(List<Variable> variables, NDManager manager) {
        List<NDArray> copies = new ArrayList<>(variables.size());
        for (Variable variable : variables) {
            copies.add(manager.create(variable.values, variable.shape));
        }
        return copies;
    }

    /**
     * Reduces the outputs to one float64 scalar: a scalar output as it is, any other output as
     * {@code sum(y * r)} with a fixed random {@code r} per output, drawn on first use.
     */
    private NDArray reduce(NDList outputs, List<double[]> projections, NDManager manager) {
        NDArray total = null;
        int k = 0;
        for (NDArray out : outputs) {
            if (!Inputs.isReal(out.getDataType())) {
                continue;
            }
            NDArray y =
                    out.getDataType() == DataType.FLOAT64
                            ? out
                            : out.toType(DataType.FLOAT64, false);
            NDArray term;
            if (outputs.size() == 1 && y.getShape().isScalar()) {
                term = y;
            } else {
                if (projections.size() == k) {
                    projections.add(gaussian(seed + k, Math.toIntExact(y.size())));
                }
                double[] r = projections.get(k);
                if (r.length != y.size()) {
                    throw new IllegalArgumentException(
                            "function: output "
                                    + k
                                    + " changed size between evaluations, now shape "
                                    + y.getShape());
                }
                NDArray projection = manager.create(r, y.getShape());
                if (!projection.getDevice().equals(y.getDevice())) {
                    projection = projection.toDevice(y.getDevice(), false);
                }
                term = y.mul(projection).sum();
            }
            total = total == null ? term : total.add(term);
            k++;
        }
        if (total == null) {
            throw new IllegalArgumentException(
                    "function: must return a floating-point array, got "
                            + outputs.stream()
                                    .map(a -> a.getDataType() + " " + a.getShape())
                                    .toList());
        }
        return total;
    }

    private static double[] gaussian(long seed, int size) {
        Random random = new Random(seed);
        double[] r = new double[size];
        for (int i = 0; i < size; i++) {
            r[i] = random.nextGaussian();
        }
        return r;
    }

    private static long[] multiIndex(int flat, Shape shape) {
        long[] index = new long[shape.dimension()];
        long rest = flat;
        for (int d = index.length - 1; d >= 0; d--) {
            long size = shape.get(d);
            index[d] = rest % size;
            rest /= size;
        }
        return index;
    }

    /** One checked variable: a float64 snapshot of an input or a parameter. */
    private static final class Variable {
        private final String name;
        private final Shape shape;
        private final double[] values;

        private Variable(String name, Shape shape, double[] values) {
            this.name = name;
            this.shape = shape;
            this.values = values;
        }

        static Variable of(String name, NDArray array) {
            double[] values;
            if (array.getDataType() == DataType.FLOAT64) {
                values = array.toDoubleArray();
            } else {
                try (NDArray wide = array.toType(DataType.FLOAT64, true)) {
                    values = wide.toDoubleArray();
                }
            }
            return new Variable(name, array.getShape(), values);
        }
    }

    /** Evaluates the checked function on float64 copies of the variables, in order. */
    @FunctionalInterface
    private interface Evaluation {
        NDList apply(List<NDArray> copies);
    }

    /** A parameter store that hands a block float64 copies in place of some parameters. */
    private static final class SubstitutingStore extends ParameterStore {

        private final Map<String, NDArray> substitutes;

        SubstitutingStore(NDManager manager, Map<String, NDArray> substitutes) {
            super(manager, false);
            this.substitutes = substitutes;
        }

        @Override
        public NDArray getValue(Parameter parameter, Device device, boolean training) {
            NDArray substitute = parameter == null ? null : substitutes.get(parameter.getId());
            return substitute != null ? substitute : super.getValue(parameter, device, training);
        }
    }

    /**
     * The outcome of a gradient check: whether every element passed, and the worst element (the one
     * with the largest ratio of error to tolerance).
     */
    public static final class Result {

        private final boolean passed;
        private final String variable;
        private final int variableIndex;
        private final long[] index;
        private final double analytic;
        private final double numeric;
        private final double tolerance;
        private final double maxAbsError;
        private final long checkedElements;
        private final double eps;
        private final double atol;
        private final double rtol;

        private Result(
                boolean passed,
                String variable,
                int variableIndex,
                long[] index,
                double analytic,
                double numeric,
                double tolerance,
                double maxAbsError,
                long checkedElements,
                double eps,
                double atol,
                double rtol) {
            this.passed = passed;
            this.variable = variable;
            this.variableIndex = variableIndex;
            this.index = index;
            this.analytic = analytic;
            this.numeric = numeric;
            this.tolerance = tolerance;
            this.maxAbsError = maxAbsError;
            this.checkedElements = checkedElements;
            this.eps = eps;
            this.atol = atol;
            this.rtol = rtol;
        }

        /**
         * Returns whether every checked element is within tolerance.
         *
         * @return {@code true} if the check passed
         */
        public boolean passed() {
            return passed;
        }

        /**
         * Returns the name of the variable holding the worst element: {@code "input i"} for the
         * i-th entry of the inputs, {@code "parameter name"} for a block's parameter.
         *
         * @return the variable's name
         */
        public String getVariable() {
            return variable;
        }

        /**
         * Returns the position of the worst element's variable among the checked variables (the
         * floating-point inputs in order, then the block's parameters).
         *
         * @return the variable's position
         */
        public int getVariableIndex() {
            return variableIndex;
        }

        /**
         * Returns the worst element's multi-index within its variable.
         *
         * @return a copy of the index, one entry per dimension (empty for a scalar)
         */
        public long[] getIndex() {
            return index.clone();
        }

        /**
         * Returns the autograd gradient at the worst element.
         *
         * @return the analytic value
         */
        public double getAnalytic() {
            return analytic;
        }

        /**
         * Returns the finite-difference gradient at the worst element.
         *
         * @return the numeric value
         */
        public double getNumeric() {
            return numeric;
        }

        /**
         * Returns the worst element's absolute error {@code |analytic - numeric|}.
         *
         * @return the absolute error
         */
        public double getAbsoluteError() {
            return Math.abs(analytic - numeric);
        }

        /**
         * Returns the worst element's tolerance {@code atol + rtol * |numeric|}.
         *
         * @return the tolerance
         */
        public double getTolerance() {
            return tolerance;
        }

        /**
         * Returns the largest absolute error over all checked elements.
         *
         * @return the largest {@code |analytic - numeric|}
         */
        public double getMaxAbsoluteError() {
            return maxAbsError;
        }

        /**
         * Returns how many elements were checked.
         *
         * @return the number of elements over all checked variables
         */
        public long getCheckedElements() {
            return checkedElements;
        }

        /**
         * Describes the result on one line, e.g. {@code GradCheck PASSED: 12 elements (eps 1.0e-06,
         * atol 1.0e-05, rtol 1.0e-03); worst: input 0 at [1, 2]: analytic ..., numeric ...}.
         *
         * @return the description
         */
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "GradCheck %s: %d elements (eps %.1e, atol %.1e, rtol %.1e); worst: %s at %s:"
                            + " analytic %.9g, numeric %.9g, |difference| %.3g %s tolerance %.3g;"
                            + " max |difference| %.3g",
                    passed ? "PASSED" : "FAILED",
                    checkedElements,
                    eps,
                    atol,
                    rtol,
                    variable,
                    Arrays.toString(index),
                    analytic,
                    numeric,
                    getAbsoluteError(),
                    passed ? "<=" : ">",
                    tolerance,
                    maxAbsError);
        }
    }

    /** Builds a {@link GradCheck}. */
    public static final class Builder {

        private double eps = 1e-6;
        private double atol = 1e-5;
        private double rtol = 1e-3;
        private long seed = 42;

        private Builder() {}

        /**
         * Sets the finite-difference step.
         *
         * @param eps the step, finite and greater than 0; default 1e-6
         * @return this builder
         */
        public Builder optEps(double eps) {
            this.eps = eps;
            return this;
        }

        /**
         * Sets the absolute tolerance.
         *
         * @param atol the tolerance, finite and at least 0; default 1e-5
         * @return this builder
         */
        public Builder optAtol(double atol) {
            this.atol = atol;
            return this;
        }

        /**
         * Sets the relative tolerance, relative to the numeric gradient.
         *
         * @param rtol the tolerance, finite and at least 0; default 1e-3
         * @return this builder
         */
        public Builder optRtol(double rtol) {
            this.rtol = rtol;
            return this;
        }

        /**
         * Sets the seed of the random projection of non-scalar outputs.
         *
         * @param seed the seed; default 42
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Builds the checker.
         *
         * @return a new {@link GradCheck}
         * @throws IllegalArgumentException if a step or tolerance is out of range
         */
        public GradCheck build() {
            if (!(eps > 0) || Double.isInfinite(eps)) {
                throw new IllegalArgumentException(
                        "eps: must be finite and greater than 0, got " + eps);
            }
            if (!(atol >= 0) || Double.isInfinite(atol)) {
                throw new IllegalArgumentException("atol: must be finite and >= 0, got " + atol);
            }
            if (!(rtol >= 0) || Double.isInfinite(rtol)) {
                throw new IllegalArgumentException("rtol: must be finite and >= 0, got " + rtol);
            }
            return new GradCheck(this);
        }
    }
}
