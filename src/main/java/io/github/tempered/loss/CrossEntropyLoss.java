package io.github.tempered.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.github.tempered.grad.OwnedArrays;
import java.util.Arrays;

/**
 * Softmax cross-entropy with a temperature, equal in value and gradient to PyTorch's {@code
 * F.cross_entropy(logits / T, target, weight, ignore_index, reduction, label_smoothing)}.
 *
 * <p>With {@code z = logits / T} and {@code lsm = log_softmax(z)} along the class axis, the loss at
 * one position with class-index target {@code y}, class weights {@code w} (all 1 when unset) and
 * label smoothing {@code eps} over {@code C} classes is
 *
 * <pre>
 *   l = -(1 - eps) * w[y] * lsm[y] - (eps / C) * sum_c w[c] * lsm[c]
 * </pre>
 *
 * and {@code l = 0} where {@code y} equals the ignore index. With probability targets {@code q}
 * (same shape as the logits) it is {@code l = -sum_c w[c] * q'[c] * lsm[c]} with {@code q' = (1 -
 * eps) * q + eps / C}.
 *
 * <h2>Options</h2>
 *
 * <ul>
 *   <li>{@code optTemperature(T)}: divides the logits by {@code T > 0} before the softmax. The
 *       gradient flows through the division, so it is {@code 1 / T} times the gradient at the
 *       scaled logits.
 *   <li>{@code optClassAxis(a)}: the axis holding the {@code C} classes; -1 (the default) for DJL's
 *       usual {@code (N, ..., C)} layout, 1 for PyTorch's {@code (N, C, d1, ..., dk)}.
 *   <li>{@code optWeight(w)}: a rescaling weight per class (PyTorch's {@code weight}); it also
 *       weights the smoothing term, as in PyTorch.
 *   <li>{@code optIgnoreIndex(i)}: targets equal to {@code i} contribute nothing to the loss, the
 *       gradient or the mean's denominator. Unset by default (PyTorch's default is -100). Not
 *       allowed with probability targets (PyTorch raises there too).
 *   <li>{@code optLabelSmoothing(eps)}: mixes the target with the uniform distribution, {@code eps}
 *       in [0, 1].
 *   <li>{@code optReduction(r)}: {@link Reduction#NONE}, {@link Reduction#MEAN} (default) or {@link
 *       Reduction#SUM}.
 *   <li>{@code optRejectNonFinite(true)}: a strict mode that rejects NaN and infinite logits with
 *       an {@link IllegalArgumentException} naming the first one and its position, instead of
 *       propagating them as PyTorch does; off by default, and without it no check is made.
 * </ul>
 *
 * <h2>Shape</h2>
 *
 * <ul>
 *   <li>Predictions: {@code predictions.head()} holds raw logits with at least one dimension, the
 *       class axis of size {@code C} among them, e.g. {@code (N, C)}, {@code (C)}, {@code (N, d1,
 *       ..., dk, C)} with the default axis or {@code (N, C, d1, ..., dk)} with axis 1.
 *   <li>Labels: {@code labels.head()} holds either class indices, shaped as the logits without the
 *       class axis, of an integer type (int64, int32, int8, uint8) or of a floating type holding
 *       whole numbers (as DJL's own datasets produce), each in {@code [0, C)} or equal to the
 *       ignore index (read by {@link ClassIndices}); or class probabilities, floating point, shaped
 *       exactly as the logits.
 *   <li>Output: {@link Reduction#NONE} gives the logits' shape without the class axis; {@link
 *       Reduction#MEAN} and {@link Reduction#SUM} give a scalar.
 * </ul>
 *
 * <h2>Reductions and edge cases</h2>
 *
 * <ul>
 *   <li>MEAN with class-index targets divides by the sum of {@code w[y]} over the targets that are
 *       not ignored (their count when no weights are set), for both the target and the smoothing
 *       term; with probability targets it divides by the number of positions.
 *   <li>MEAN over a batch whose targets are all ignored is {@code 0 / 0 = NaN}, as in PyTorch; so
 *       is a MEAN whose non-ignored targets all have weight 0 (plus or minus infinity when label
 *       smoothing makes the numerator non-zero). SUM gives 0 in both cases.
 *   <li>The computation is log-softmax based, so logits of magnitude 1e4 give finite values and
 *       gradients.
 *   <li>Non-finite logits behave as in PyTorch (unless {@code optRejectNonFinite(true)} rejects
 *       them): a NaN or {@code +inf} logit makes the loss of its position NaN, and so a MEAN or SUM
 *       NaN; a {@code -inf} logit gives its class probability 0, so the loss of its position is
 *       {@code +inf} where that class is the target or label smoothing is on, and finite otherwise;
 *       with probability targets it is {@code +inf} where the class has a positive target
 *       probability and NaN where it has 0 ({@code 0 * -inf}). Positions whose target is ignored
 *       contribute exactly 0 to the value whatever their logits; their gradient is 0, or NaN where
 *       their logits hold a NaN or {@code +inf}, as PyTorch's is.
 *   <li>Float64 logits are computed and returned in float64, float32 in float32; float16 logits are
 *       computed in float32 (widened inside the autograd graph, not by DJL's {@code toType}, which
 *       would cut the gradient) and give a float32 result, and their gradient flows back in
 *       float16. bfloat16 logits cannot occur: DJL 0.36's PyTorch engine aborts the JVM when it
 *       creates any bfloat16 array, and Tempered never creates one.
 * </ul>
 *
 * <h2>Computation</h2>
 *
 * <p>MEAN and SUM over {@code (N, C)} logits with class-index targets, the training case, take the
 * fastest of three equivalent computations (benchmarks/RESULTS.md has the measurements):
 *
 * <ul>
 *   <li>up to 4,096 logits, one dot product of the log-softmax with a coefficient matrix that holds
 *       the targets, weights, smoothing and the mean's denominator (per-call overhead dominates
 *       there);
 *   <li>from 131,072 logits, under a {@code GradientCollector}, the value and the gradient {@code
 *       softmax - onehot} are computed together in the forward pass and handed to autograd through
 *       a term whose value is exactly 0 (two (N, C) arrays per call instead of three); the gradient
 *       then scales with any upstream gradient as usual, but it cannot be differentiated again
 *       (DJL's collector offers no higher-order gradients anyway);
 *   <li>otherwise, and for NONE, probability targets and other layouts, log-softmax, gather and
 *       coefficients through autograd.
 * </ul>
 *
 * <p>Results that are not finite (for example {@code -inf} logits masking classes) are recomputed
 * by the last, so every path gives PyTorch's values.
 *
 * <p>The returned array is attached to the manager of the logits; every intermediate array is
 * closed before {@code evaluate} returns (arrays that autograd saved for backward live on in the
 * graph until it runs). Instances are immutable and safe to share across threads.
 */
public final class CrossEntropyLoss extends ScopedLoss {

    /**
     * The most logits (N * C) for which MEAN and SUM use {@link LogSoftmaxDot}; larger inputs use
     * the {@link CrossEntropyChunk} surrogate. Measured with JMH (benchmarks/RESULTS.md).
     */
    static final long DENSE_LIMIT = 1L << 12;

    /**
     * The fewest logits (N * C) for which MEAN and SUM use the {@link CrossEntropyChunk} surrogate;
     * between the two limits the general path is as fast as any. Measured (benchmarks/RESULTS.md).
     */
    static final long SURROGATE_MIN = 1L << 17;

    /** Which computation {@code evaluate} uses; tests pin one to check each against PyTorch. */
    enum Path {
        /** The fastest one that applies. */
        AUTO,
        /** Log-softmax, gather and coefficients, all through autograd. */
        GRAPH,
        /** {@link LogSoftmaxDot} where it applies. */
        DENSE,
        /** The {@link CrossEntropyChunk} surrogate where it applies. */
        SURROGATE
    }

    private final float temperature;
    private final int classAxis;
    private final float[] weight;
    private final boolean hasIgnoreIndex;
    private final long ignoreIndex;
    private final float labelSmoothing;
    private final Reduction reduction;
    private final boolean rejectNonFinite;
    private final Path path;

    private CrossEntropyLoss(Builder builder) {
        super(builder.name);
        temperature = builder.temperature;
        classAxis = builder.classAxis;
        weight = builder.weight == null ? null : builder.weight.clone();
        hasIgnoreIndex = builder.hasIgnoreIndex;
        ignoreIndex = builder.ignoreIndex;
        labelSmoothing = builder.labelSmoothing;
        reduction = builder.reduction;
        rejectNonFinite = builder.rejectNonFinite;
        path = builder.path;
    }

    /**
     * Creates a builder for a {@code CrossEntropyLoss}.
     *
     * @return a new builder with PyTorch's defaults (no weights, nothing ignored, no smoothing,
     *     mean reduction) and temperature 1
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the temperature the logits are divided by.
     *
     * @return the temperature, greater than 0
     */
    public float getTemperature() {
        return temperature;
    }

    /**
     * Returns the configured class axis, as given (it may be negative).
     *
     * @return the class axis
     */
    public int getClassAxis() {
        return classAxis;
    }

    /**
     * Returns a copy of the per-class weights.
     *
     * @return the weights, or {@code null} when none are set
     */
    public float[] getWeight() {
        return weight == null ? null : weight.clone();
    }

    /**
     * Returns whether an ignore index is set.
     *
     * @return {@code true} if targets equal to {@link #getIgnoreIndex()} are ignored
     */
    public boolean hasIgnoreIndex() {
        return hasIgnoreIndex;
    }

    /**
     * Returns the ignore index; meaningful only when {@link #hasIgnoreIndex()} is true.
     *
     * @return the ignored target value
     */
    public long getIgnoreIndex() {
        return ignoreIndex;
    }

    /**
     * Returns the label smoothing factor.
     *
     * @return the smoothing factor in [0, 1]
     */
    public float getLabelSmoothing() {
        return labelSmoothing;
    }

    /**
     * Returns the reduction applied to the per-position losses.
     *
     * @return the reduction
     */
    public Reduction getReduction() {
        return reduction;
    }

    /**
     * Returns whether NaN and infinite logits are rejected instead of propagated.
     *
     * @return {@code true} if built with {@code optRejectNonFinite(true)}
     */
    public boolean isRejectNonFinite() {
        return rejectNonFinite;
    }

    /**
     * Computes the cross-entropy of {@code predictions.head()} (logits) against {@code
     * labels.head()} (class indices or class probabilities).
     *
     * @param labels the targets; only the first array is used
     * @param predictions the logits; only the first array is used
     * @return the loss, attached to the manager of the logits
     * @throws IllegalArgumentException if the inputs have the wrong types, shapes or values (see
     *     the class documentation)
     */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logits = head(predictions, "predictions");
        NDArray target = head(labels, "labels");
        return scoped(() -> compute(target, logits));
    }

    private NDArray compute(NDArray target, NDArray logits) {
        Shape shape = logits.getShape();
        DataType dataType = logits.getDataType();
        if (shape.dimension() == 0) {
            throw new IllegalArgumentException(
                    "predictions: logits must have at least one dimension (the class axis), got"
                            + " a scalar of shape ()");
        }
        if (!dataType.isFloating() || dataType == DataType.COMPLEX64) { // DJL: complex floats
            throw new IllegalArgumentException(
                    "predictions: logits must be floating point, got "
                            + dataType
                            + " of shape "
                            + shape);
        }
        int axis = normalizeAxis(classAxis, shape);
        int numClasses = Math.toIntExact(shape.get(axis));
        if (rejectNonFinite) {
            NonFinite.reject(logits, "predictions", "logits", false);
        }
        if (weight != null && weight.length != numClasses) {
            throw new IllegalArgumentException(
                    "weight: has "
                            + weight.length
                            + " entries but the logits of shape "
                            + shape
                            + " have C = "
                            + numClasses
                            + " classes along axis "
                            + axis);
        }
        Shape indexShape = withoutAxis(shape, axis);
        boolean probabilities = target.getShape().equals(shape);
        if (!probabilities && !target.getShape().equals(indexShape)) {
            throw new IllegalArgumentException(
                    "labels: shape "
                            + target.getShape()
                            + " fits neither class indices (expected "
                            + indexShape
                            + ") nor class probabilities (expected "
                            + shape
                            + ") for logits of shape "
                            + shape
                            + " with class axis "
                            + axis);
        }

        DataType computeType = dataType == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
        NDArray z = dataType == computeType ? logits : upcast(logits, computeType);
        ClassTargets targets = null;
        if (!probabilities) {
            targets =
                    ClassTargets.read(
                            target,
                            numClasses,
                            weight,
                            hasIgnoreIndex,
                            ignoreIndex,
                            reduction,
                            labelSmoothing);
            NDArray fast = fastPath(z, targets, axis);
            if (fast != null) {
                return withEmptyMean(fast, targets.counted == 0, computeType);
            }
        }
        if (temperature != 1f) {
            z = z.div(OwnedArrays.scalar(z.getManager(), temperature, computeType));
        }
        NDArray logProbs = z.logSoftmax(axis);
        PerPosition terms =
                probabilities
                        ? probabilityTerm(target, logProbs, axis, numClasses, computeType)
                        : classIndexTerm(targets, logProbs, axis, numClasses, computeType);
        if (reduction == Reduction.NONE) {
            return terms.loss().squeeze(axis);
        }
        return withEmptyMean(terms.loss().sum(), terms.nothingToAverage(), computeType);
    }

    /**
     * Adds PyTorch's {@code 0 / 0} to a MEAN with nothing to average: the value is NaN while the
     * gradient stays 0.
     */
    private NDArray withEmptyMean(NDArray total, boolean nothingToAverage, DataType computeType) {
        if (reduction == Reduction.MEAN && nothingToAverage) {
            return total.add(OwnedArrays.scalar(total.getManager(), Double.NaN, computeType));
        }
        return total;
    }

    /**
     * Computes MEAN and SUM over (N, C) logits with class-index targets in fewer operations than
     * the general path, or returns {@code null} where it does not apply (other layouts, NONE, a
     * zero total weight, non-finite values: the general path then gives PyTorch's semantics) or
     * does not pay (the surrogate computes a gradient, useless outside a gradient collector, e.g.
     * in EasyTrain's second evaluation for the loss accumulators).
     *
     * <ul>
     *   <li>Up to {@link #DENSE_LIMIT} logits: one dot product of the log-softmax with a
     *       coefficient matrix built from the targets ({@link LogSoftmaxDot}): two backward nodes
     *       and no gather.
     *   <li>From {@link #SURROGATE_MIN} logits: the value and the gradient are computed together,
     *       without autograd ({@link CrossEntropyChunk}), and handed to autograd through {@code
     *       value + s * (d - sg(d))}, {@code d = <z, G>}: the backward pass is one multiplication,
     *       with no zeros to scatter into and no log-softmax backward.
     * </ul>
     */
    private NDArray fastPath(NDArray z, ClassTargets targets, int axis) {
        Shape shape = z.getShape();
        if (path == Path.GRAPH
                || reduction == Reduction.NONE
                || shape.dimension() != 2
                || axis != 1
                || shape.get(0) == 0
                || !targets.finiteScale()) {
            return null;
        }
        long size = shape.size();
        boolean dense = path == Path.DENSE || (path == Path.AUTO && size <= DENSE_LIMIT);
        boolean surrogate =
                path == Path.SURROGATE
                        || (path == Path.AUTO && size >= SURROGATE_MIN && JniUtils.isGradMode());
        if (!dense && !surrogate) {
            return null;
        }
        NDArray result = dense ? denseLoss(z, targets) : surrogateLoss(z, targets);
        return result != null && isFinite(result) ? result : null;
    }

    private NDArray denseLoss(NDArray z, ClassTargets targets) {
        NDArray scaled = z;
        if (temperature != 1f) {
            scaled = z.div(OwnedArrays.scalar(z.getManager(), temperature, z.getDataType()));
        }
        return LogSoftmaxDot.compute(scaled, targets);
    }

    private NDArray surrogateLoss(NDArray z, ClassTargets targets) {
        NDManager manager = z.getManager();
        CrossEntropyChunk chunk =
                CrossEntropyChunk.compute(z.stopGradient(), temperature, targets, 0, true);
        // With -inf logits (masked classes) 0 * -inf makes d, and so the result, NaN: fastPath
        // then falls back to the general path.
        NDArray d = z.reshape(-1).dot(chunk.gradient.reshape(-1));
        NDArray zero = d.sub(d.stopGradient());
        NDArray scale = OwnedArrays.scalar(manager, chunk.gradientScale, z.getDataType());
        return chunk.value.add(zero.mul(scale));
    }

    /** Reads a scalar (one native call; {@code getFloat()} would first index it, a second). */
    private static boolean isFinite(NDArray scalar) {
        double v =
                scalar.getDataType() == DataType.FLOAT64
                        ? scalar.toDoubleArray()[0]
                        : scalar.toFloatArray()[0];
        return Double.isFinite(v);
    }

    /**
     * Converts half-precision logits to {@code type} so that gradients still flow back: DJL's
     * {@code toType} runs without autograd, so the converted array would be cut off from the graph.
     * Adding a one-element zero of {@code type} promotes instead, as PyTorch's type promotion
     * widens a dimensioned float16 array next to a dimensioned float32 one.
     *
     * @param logits half-precision logits with at least one dimension
     * @param type the wider floating type
     * @return the logits in {@code type}, connected to the autograd graph
     */
    static NDArray upcast(NDArray logits, DataType type) {
        NDArray zero = logits.getManager().zeros(new Shape(1), type);
        return logits.add(onDevice(zero, logits));
    }

    /**
     * Per-position losses with the class axis kept (size 1), already scaled for the reduction.
     *
     * @param loss the per-position losses
     * @param nothingToAverage whether a MEAN has no position to average over
     */
    private record PerPosition(NDArray loss, boolean nothingToAverage) {}

    /** Per-position loss (class axis kept with size 1) for class-index targets. */
    private PerPosition classIndexTerm(
            ClassTargets targets,
            NDArray logProbs,
            int axis,
            int numClasses,
            DataType computeType) {
        long[] classes = targets.classes;
        boolean[] ignored = targets.ignored;
        boolean anyIgnored = targets.anyIgnored;
        double scale = targets.scale;

        Shape keptShape = keptShape(logProbs.getShape(), axis);
        NDManager manager = logProbs.getManager();
        NDArray index = onDevice(OwnedArrays.create(manager, classes, keptShape), logProbs);
        NDArray picked = logProbs.gather(index, axis);

        double targetScale = -(1 - (double) labelSmoothing) * scale;
        NDArray perPosition;
        if (weight == null && !anyIgnored) {
            perPosition = picked.mul(OwnedArrays.scalar(manager, targetScale, computeType));
        } else {
            double[] coefficients = new double[classes.length];
            for (int i = 0; i < classes.length; i++) {
                double w = weight == null ? 1 : weight[(int) classes[i]];
                coefficients[i] = ignored[i] ? 0 : targetScale * w;
            }
            perPosition = picked.mul(coefficientArray(coefficients, keptShape, logProbs));
        }
        if (labelSmoothing > 0) {
            NDArray smooth = smoothingSum(logProbs, axis);
            double smoothScale = -((double) labelSmoothing / numClasses) * scale;
            if (anyIgnored) {
                double[] coefficients = new double[classes.length];
                for (int i = 0; i < classes.length; i++) {
                    coefficients[i] = ignored[i] ? 0 : smoothScale;
                }
                smooth = smooth.mul(coefficientArray(coefficients, keptShape, logProbs));
            } else {
                smooth = smooth.mul(OwnedArrays.scalar(manager, smoothScale, computeType));
            }
            perPosition = perPosition.add(smooth);
        }
        if (anyIgnored) {
            // Exactly 0 at ignored positions, as PyTorch, even where their logits are NaN or
            // infinite (0 * NaN would be NaN). The mask is engine-owned: where() keeps it.
            boolean[] kept = new boolean[ignored.length];
            for (int i = 0; i < kept.length; i++) {
                kept[i] = !ignored[i];
            }
            NDArray mask = onDevice(OwnedArrays.create(manager, kept, keptShape), logProbs);
            perPosition = NDArrays.where(mask, perPosition, perPosition.zerosLike());
        }
        return new PerPosition(perPosition, targets.counted == 0);
    }

    /** Per-position loss (class axis kept with size 1) for probability targets. */
    private PerPosition probabilityTerm(
            NDArray target, NDArray logProbs, int axis, int numClasses, DataType computeType) {
        if (!target.getDataType().isFloating() || target.getDataType() == DataType.COMPLEX64) {
            throw new IllegalArgumentException(
                    "labels: class probabilities must be floating point, got "
                            + target.getDataType()
                            + " of shape "
                            + target.getShape()
                            + " (class indices have the logits' shape without the class axis)");
        }
        if (hasIgnoreIndex) {
            throw new IllegalArgumentException(
                    "labels: an ignore index ("
                            + ignoreIndex
                            + ") is not supported with class-probability targets of shape "
                            + target.getShape()
                            + ", as in PyTorch");
        }
        long positions = logProbs.getShape().size() / Math.max(numClasses, 1);
        double scale = reduction == Reduction.MEAN ? 1.0 / positions : 1.0;
        NDArray q =
                target.getDataType() == computeType ? target : target.toType(computeType, false);
        NDArray weighted = logProbs.mul(onDevice(q, logProbs));
        if (weight != null) {
            weighted = weighted.mul(classWeights(logProbs, axis));
        }
        NDManager manager = logProbs.getManager();
        double targetScale = -(1 - (double) labelSmoothing) * scale;
        NDArray perPosition =
                weighted.sum(new int[] {axis}, true)
                        .mul(OwnedArrays.scalar(manager, targetScale, computeType));
        if (labelSmoothing > 0) {
            NDArray smooth = smoothingSum(logProbs, axis);
            double smoothScale = -((double) labelSmoothing / numClasses) * scale;
            perPosition =
                    perPosition.add(
                            smooth.mul(OwnedArrays.scalar(manager, smoothScale, computeType)));
        }
        return new PerPosition(perPosition, positions == 0);
    }

    /** Sum over classes of {@code w[c] * logProbs[c]} (or of {@code logProbs[c]}), axis kept. */
    private NDArray smoothingSum(NDArray logProbs, int axis) {
        if (weight == null) {
            return logProbs.sum(new int[] {axis}, true);
        }
        int rank = logProbs.getShape().dimension();
        if (rank >= 2 && axis == rank - 1) {
            // A matrix product with the (C, 1) weights: no (N, C) product array.
            NDArray column =
                    OwnedArrays.create(
                            logProbs.getManager(),
                            weight,
                            new Shape(weight.length, 1),
                            logProbs.getDataType());
            return logProbs.matMul(onDevice(column, logProbs));
        }
        return logProbs.mul(classWeights(logProbs, axis)).sum(new int[] {axis}, true);
    }

    /** The class weights shaped to broadcast along {@code axis} of {@code like}. */
    private NDArray classWeights(NDArray like, int axis) {
        long[] dims = new long[like.getShape().dimension()];
        Arrays.fill(dims, 1);
        dims[axis] = weight.length;
        NDArray w =
                OwnedArrays.create(like.getManager(), weight, new Shape(dims), like.getDataType());
        return onDevice(w, like);
    }

    private static NDArray coefficientArray(double[] values, Shape shape, NDArray like) {
        return onDevice(
                OwnedArrays.create(like.getManager(), values, shape, like.getDataType()), like);
    }

    private static NDArray onDevice(NDArray array, NDArray like) {
        return array.getDevice().equals(like.getDevice())
                ? array
                : array.toDevice(like.getDevice(), false);
    }

    private static Shape keptShape(Shape shape, int axis) {
        long[] dims = shape.getShape().clone(); // getShape() returns the Shape's own array
        dims[axis] = 1;
        return new Shape(dims);
    }

    private static Shape withoutAxis(Shape shape, int axis) {
        return shape.slice(0, axis).addAll(shape.slice(axis + 1));
    }

    private static int normalizeAxis(int axis, Shape shape) {
        int rank = shape.dimension();
        if (axis < -rank || axis >= rank) {
            throw new IllegalArgumentException(
                    "classAxis: "
                            + axis
                            + " is out of range for logits of shape "
                            + shape
                            + " (rank "
                            + rank
                            + ")");
        }
        return Math.floorMod(axis, rank);
    }

    private static NDArray head(NDList list, String argument) {
        if (list == null || list.isEmpty()) {
            throw new IllegalArgumentException(argument + ": the NDList is empty or null");
        }
        return list.head();
    }

    /** Builds a {@link CrossEntropyLoss}; every option defaults to PyTorch's behaviour. */
    public static final class Builder {

        private String name = "CrossEntropyLoss";
        private float temperature = 1f;
        private int classAxis = -1;
        private float[] weight;
        private boolean hasIgnoreIndex;
        private long ignoreIndex;
        private float labelSmoothing;
        private Reduction reduction = Reduction.MEAN;
        private boolean rejectNonFinite;
        private Path path = Path.AUTO;

        private Builder() {}

        /**
         * Sets the loss name shown in training logs.
         *
         * @param name the name; default {@code "CrossEntropyLoss"}
         * @return this builder
         */
        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        /**
         * Sets the temperature the logits are divided by before the softmax.
         *
         * @param t the temperature, finite and greater than 0; default 1
         * @return this builder
         */
        public Builder optTemperature(float t) {
            this.temperature = t;
            return this;
        }

        /**
         * Sets the class axis.
         *
         * @param axis the axis holding the classes; default -1, use 1 for PyTorch's {@code (N, C,
         *     d1, ..., dk)} layout
         * @return this builder
         */
        public Builder optClassAxis(int axis) {
            this.classAxis = axis;
            return this;
        }

        /**
         * Sets a rescaling weight per class, as PyTorch's {@code weight}.
         *
         * @param perClass one finite, non-negative weight per class; {@code null} for none
         * @return this builder
         */
        public Builder optWeight(float[] perClass) {
            this.weight = perClass == null ? null : perClass.clone();
            return this;
        }

        /**
         * Sets a target value that is ignored, as PyTorch's {@code ignore_index}.
         *
         * @param index the ignored target value (it may lie outside {@code [0, C)}, e.g. -100)
         * @return this builder
         */
        public Builder optIgnoreIndex(long index) {
            this.hasIgnoreIndex = true;
            this.ignoreIndex = index;
            return this;
        }

        /**
         * Sets the label smoothing factor, as PyTorch's {@code label_smoothing}.
         *
         * @param epsilon the smoothing factor in [0, 1]; default 0
         * @return this builder
         */
        public Builder optLabelSmoothing(float epsilon) {
            this.labelSmoothing = epsilon;
            return this;
        }

        /**
         * Sets the reduction.
         *
         * @param r the reduction; default {@link Reduction#MEAN}
         * @return this builder
         */
        public Builder optReduction(Reduction r) {
            this.reduction = r;
            return this;
        }

        /**
         * Sets whether NaN and infinite logits are rejected with an {@link
         * IllegalArgumentException} naming the first one, instead of propagating NaN as PyTorch
         * does. The check costs a few engine calls per {@code evaluate}; without this option none
         * is made.
         *
         * @param reject {@code true} to reject non-finite logits; default {@code false}
         * @return this builder
         */
        public Builder optRejectNonFinite(boolean reject) {
            this.rejectNonFinite = reject;
            return this;
        }

        /**
         * Pins the computation (package-private: for tests).
         *
         * @param p the path
         * @return this builder
         */
        Builder path(Path p) {
            this.path = p;
            return this;
        }

        /**
         * Validates the options and builds the loss.
         *
         * @return a new loss
         * @throws IllegalArgumentException if an option is invalid; the message names it and the
         *     value seen
         */
        public CrossEntropyLoss build() {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("name: must be a non-empty string, got " + name);
            }
            if (!(temperature > 0) || Float.isInfinite(temperature)) {
                throw new IllegalArgumentException(
                        "temperature: must be finite and greater than 0, got " + temperature);
            }
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
                throw new IllegalArgumentException(
                        "labelSmoothing: must be in [0, 1], got " + labelSmoothing);
            }
            if (reduction == null) {
                throw new IllegalArgumentException("reduction: must not be null");
            }
            if (weight != null) {
                if (weight.length == 0) {
                    throw new IllegalArgumentException("weight: must not be empty");
                }
                for (int c = 0; c < weight.length; c++) {
                    if (!(weight[c] >= 0) || Float.isInfinite(weight[c])) {
                        throw new IllegalArgumentException(
                                "weight: entry "
                                        + c
                                        + " must be finite and non-negative, got "
                                        + weight[c]
                                        + " in "
                                        + Arrays.toString(weight));
                    }
                }
            }
            return new CrossEntropyLoss(this);
        }
    }
}
