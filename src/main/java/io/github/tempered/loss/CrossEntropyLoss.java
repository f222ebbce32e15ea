package io.github.tempered.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.GradMode;
import io.github.tempered.internal.Inputs;
import io.github.tempered.internal.NonFinite;
import io.github.tempered.internal.NonFinite.NegativeInfinity;
import io.github.tempered.internal.OwnedArrays;
import io.github.tempered.internal.Precision;
import io.github.tempered.internal.Scopes;
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
 * <p>Set through {@link #builder()}; {@link CrossEntropyOptions} describes each: {@code
 * optTemperature(T)} (the gradient flows through the division), {@code optClassAxis(a)} (-1 for
 * {@code (N, ..., C)}, 1 for PyTorch's {@code (N, C, d1, ..., dk)}), {@code optWeight(w)} (also
 * weights the smoothing term, as in PyTorch), {@code optIgnoreIndex(i)} (unset by default; PyTorch
 * defaults to -100; not allowed with probability targets), {@code optLabelSmoothing(eps)}, {@code
 * optReduction(r)} and {@code optRejectNonFinite(true)} (reject NaN and infinite logits with an
 * {@link IllegalArgumentException} naming the first one, instead of propagating them).
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
 *       ignore index; or class probabilities, floating point, shaped exactly as the logits.
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
 *   <li>Logits of magnitude 1e4 give finite values and gradients (log-softmax, never {@code
 *       log(softmax)}).
 *   <li>Non-finite logits behave as in PyTorch: a NaN or {@code +inf} logit makes the loss of its
 *       position NaN; a {@code -inf} logit gives its class probability 0, so the loss of its
 *       position is {@code +inf} where that class is the target or label smoothing is on, and
 *       finite otherwise; with probability targets it is {@code +inf} where the class has a
 *       positive target probability and NaN where it has 0. Positions whose target is ignored
 *       contribute exactly 0 to the value whatever their logits; their gradient is 0, or NaN where
 *       their logits hold a NaN or {@code +inf}, as PyTorch's is.
 *   <li>Float64 logits are computed and returned in float64, float32 in float32; float16 logits are
 *       computed in float32 and give a float32 result, and their gradient flows back in float16.
 * </ul>
 *
 * <h2>Example</h2>
 *
 * <pre>{@code
 * CrossEntropyLoss loss = CrossEntropyLoss.builder()
 *         .optWeight(new float[] {1f, 2f, 0.5f})
 *         .optIgnoreIndex(-100)
 *         .optLabelSmoothing(0.1f)
 *         .build();
 * TrainingConfig config = new DefaultTrainingConfig(loss);   // for EasyTrain
 * NDArray value = loss.evaluate(new NDList(labels), new NDList(logits));
 * }</pre>
 *
 * <p>The result is attached to the manager of the logits and every intermediate array is closed
 * before {@code evaluate} returns. MEAN and SUM over {@code (N, C)} logits pick the fastest of four
 * equivalent computations; {@code docs/design.md} describes them. Instances are immutable and safe
 * to share across threads.
 *
 * <p>Bad input raises an {@link IllegalArgumentException} naming the argument and what was seen:
 * from {@code evaluate} for wrong types, shapes or values, from {@code build()} for an invalid
 * option.
 */
public final class CrossEntropyLoss extends CrossEntropyBase {

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

    /**
     * The fewest logits (N * C) for which MEAN and SUM without label smoothing use {@link
     * SoftmaxGather} in a gradient collector; below it the general path is as fast. Measured
     * (benchmarks/RESULTS.md).
     */
    static final long SOFTMAX_MIN = 1L << 15;

    /**
     * The most logits (N * C), exclusive, for which MEAN and SUM without label smoothing use {@link
     * SoftmaxGather} in a gradient collector; from here on the {@link CrossEntropyChunk} surrogate
     * is faster (measured between 384,000 and 512,000 logits, with 1 MiB of L2 cache per core:
     * benchmarks/RESULTS.md).
     */
    static final long SOFTMAX_MAX = 3L << 17;

    /** Which computation {@code evaluate} uses; tests pin one to check each against PyTorch. */
    enum Path {
        /** The fastest one that applies. */
        AUTO,
        /** Log-softmax, gather and coefficients, all through autograd. */
        GRAPH,
        /** {@link LogSoftmaxDot} where it applies. */
        DENSE,
        /** {@link SoftmaxGather} where it applies. */
        SOFTMAX,
        /** The {@link CrossEntropyChunk} surrogate where it applies. */
        SURROGATE
    }

    private final Path path;

    private CrossEntropyLoss(Builder builder) {
        super(builder.name(), builder.options());
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
        NDArray logits = Inputs.head(predictions, "predictions");
        NDArray target = Inputs.head(labels, "labels");
        return Scopes.keepResult(() -> compute(target, logits));
    }

    private NDArray compute(NDArray target, NDArray logits) {
        Shape shape = logits.getShape();
        if (shape.dimension() == 0) {
            throw new IllegalArgumentException(
                    "predictions: logits must have at least one dimension (the class axis), got"
                            + " a scalar of shape ()");
        }
        Inputs.requireReal(logits, "predictions: logits");
        int axis = Inputs.axis("classAxis", options.getClassAxis(), "logits", shape);
        int numClasses = Math.toIntExact(shape.get(axis));
        if (options.isRejectNonFinite()) {
            NonFinite.reject(logits, "predictions", "logits", NegativeInfinity.REJECT);
        }
        float[] weight = options.weight();
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
        boolean probabilities =
                isProbabilityTarget(target, shape, axis, "labels: shape %s fits", "logits");

        NDArray z = Precision.widen(logits);
        DataType computeType = z.getDataType();
        ClassTargets targets = null;
        if (!probabilities) {
            targets = ClassTargets.read(target, numClasses, options);
            NDArray fast = fastPath(z, targets, axis);
            if (fast != null) {
                return withEmptyMean(fast, targets.counted == 0);
            }
        }
        z = divideByTemperature(z);
        NDArray logProbs = z.logSoftmax(axis);
        PerPosition terms =
                probabilities
                        ? probabilityTerm(target, logProbs, axis, numClasses, computeType)
                        : classIndexTerm(targets, logProbs, axis, numClasses, computeType);
        if (options.getReduction() == Reduction.NONE) {
            return terms.loss().squeeze(axis);
        }
        return withEmptyMean(terms.loss().sum(), terms.nothingToAverage());
    }

    /**
     * Tells class-index targets from class-probability targets by their shape.
     *
     * @param target the targets
     * @param shape the logits' shape
     * @param axis the class axis
     * @param subject how the message names the targets, a format for their shape, e.g. {@code
     *     "labels: shape %s fits"}
     * @param logitsName how the message names the logits
     * @return {@code true} for probabilities (the logits' shape), {@code false} for class indices
     * @throws IllegalArgumentException if the shape fits neither
     */
    static boolean isProbabilityTarget(
            NDArray target, Shape shape, int axis, String subject, String logitsName) {
        Shape indexShape = Inputs.withoutAxis(shape, axis);
        boolean probabilities = target.getShape().equals(shape);
        if (!probabilities && !target.getShape().equals(indexShape)) {
            throw new IllegalArgumentException(
                    String.format(subject, target.getShape())
                            + " neither class indices (expected "
                            + indexShape
                            + ") nor class probabilities (expected "
                            + shape
                            + ") for "
                            + logitsName
                            + " of shape "
                            + shape
                            + " with class axis "
                            + axis);
        }
        return probabilities;
    }

    private NDArray divideByTemperature(NDArray z) {
        return divideByTemperature(z, options.getTemperature());
    }

    /**
     * Computes MEAN and SUM over (N, C) logits with class-index targets in fewer operations than
     * the general path, or returns {@code null} where it does not apply (other layouts, NONE, a
     * zero total weight, non-finite values: the general path then gives PyTorch's semantics) or
     * does not pay (the surrogate computes a gradient, useless outside a gradient collector).
     * {@code docs/design.md} describes the two computations.
     */
    private NDArray fastPath(NDArray z, ClassTargets targets, int axis) {
        Shape shape = z.getShape();
        if (path == Path.GRAPH
                || options.getReduction() == Reduction.NONE
                || shape.dimension() != 2
                || axis != 1
                || shape.get(0) == 0
                || !targets.finiteScale()) {
            return null;
        }
        long size = shape.size();
        boolean dense = path == Path.DENSE || (path == Path.AUTO && size <= DENSE_LIMIT);
        // The gradient paths pay only inside a gradient collector (one native query).
        boolean recording = !dense && path == Path.AUTO && GradMode.isRecording();
        boolean softmax =
                !dense
                        && !targets.smoothing()
                        && (path == Path.SOFTMAX
                                || (path == Path.AUTO
                                        && recording
                                        && size >= SOFTMAX_MIN
                                        && size < SOFTMAX_MAX));
        if (softmax) {
            return SoftmaxGather.compute(divideByTemperature(z), targets, options.getReduction());
        }
        boolean surrogate =
                path == Path.SURROGATE || (path == Path.AUTO && size >= SURROGATE_MIN && recording);
        if (!dense && !surrogate) {
            return null;
        }
        NDArray result =
                dense
                        ? LogSoftmaxDot.compute(divideByTemperature(z), targets)
                        : surrogateLoss(z, targets);
        return Double.isFinite(Precision.scalarValue(result, z.getDataType())) ? result : null;
    }

    private NDArray surrogateLoss(NDArray z, ClassTargets targets) {
        CrossEntropyChunk chunk =
                CrossEntropyChunk.compute(
                        z.stopGradient(), options.getTemperature(), targets, 0, true);
        // With -inf logits (masked classes) 0 * -inf makes d, and so the result, NaN: fastPath
        // then falls back to the general path.
        NDArray d = z.reshape(-1).dot(chunk.gradient.reshape(-1));
        NDArray zero = d.sub(d.stopGradient());
        return chunk.value.add(zero.mul(OwnedArrays.scalarLike(chunk.gradientScale, zero)));
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
        float[] weight = options.weight();
        float labelSmoothing = options.getLabelSmoothing();

        Shape keptShape = Inputs.keptAxis(logProbs.getShape(), axis);
        NDArray index = targets.indexColumn(0, classes.length, logProbs).reshape(keptShape);
        NDArray picked = logProbs.gather(index, axis);

        double targetScale = -(1 - (double) labelSmoothing) * scale;
        NDArray perPosition;
        if (weight == null && !anyIgnored) {
            perPosition = picked.mul(OwnedArrays.scalarLike(targetScale, picked));
        } else {
            double[] coefficients = new double[classes.length];
            for (int i = 0; i < classes.length; i++) {
                double w = weight == null ? 1 : weight[(int) classes[i]];
                coefficients[i] = ignored[i] ? 0 : targetScale * w;
            }
            perPosition =
                    picked.mul(OwnedArrays.create(logProbs, coefficients, keptShape, computeType));
        }
        if (labelSmoothing > 0) {
            NDArray smooth = smoothingSum(logProbs, axis);
            double smoothScale = -((double) labelSmoothing / numClasses) * scale;
            if (anyIgnored) {
                double[] coefficients = new double[classes.length];
                for (int i = 0; i < classes.length; i++) {
                    coefficients[i] = ignored[i] ? 0 : smoothScale;
                }
                smooth =
                        smooth.mul(
                                OwnedArrays.create(logProbs, coefficients, keptShape, computeType));
            } else {
                smooth = smooth.mul(OwnedArrays.scalarLike(smoothScale, smooth));
            }
            perPosition = perPosition.add(smooth);
        }
        if (anyIgnored) {
            // Exactly 0 at ignored positions, as PyTorch, even where their logits are NaN or
            // infinite (0 * NaN would be NaN). The mask is engine-made: where() keeps it.
            NDArray ignoredMask =
                    targets.ignoredMask(0, classes.length, logProbs).reshape(keptShape);
            perPosition = NDArrays.where(ignoredMask, perPosition.zerosLike(), perPosition);
        }
        return new PerPosition(perPosition, targets.counted == 0);
    }

    /** Per-position loss (class axis kept with size 1) for probability targets. */
    private PerPosition probabilityTerm(
            NDArray target, NDArray logProbs, int axis, int numClasses, DataType computeType) {
        if (!Inputs.isReal(target.getDataType())) {
            throw new IllegalArgumentException(
                    "labels: class probabilities must be floating point, got "
                            + target.getDataType()
                            + " of shape "
                            + target.getShape()
                            + " (class indices have the logits' shape without the class axis)");
        }
        if (options.hasIgnoreIndex()) {
            throw new IllegalArgumentException(
                    "labels: an ignore index ("
                            + options.getIgnoreIndex()
                            + ") is not supported with class-probability targets of shape "
                            + target.getShape()
                            + ", as in PyTorch");
        }
        long positions = logProbs.getShape().size() / Math.max(numClasses, 1);
        double scale = options.getReduction() == Reduction.MEAN ? 1.0 / positions : 1.0;
        NDArray q =
                target.getDataType() == computeType ? target : target.toType(computeType, false);
        if (!q.getDevice().equals(logProbs.getDevice())) {
            q = q.toDevice(logProbs.getDevice(), false);
        }
        NDArray weighted = logProbs.mul(q);
        if (options.weight() != null) {
            weighted = weighted.mul(classWeights(logProbs, axis));
        }
        float labelSmoothing = options.getLabelSmoothing();
        double targetScale = -(1 - (double) labelSmoothing) * scale;
        NDArray perPosition = weighted.sum(new int[] {axis}, true);
        perPosition = perPosition.mul(OwnedArrays.scalarLike(targetScale, perPosition));
        if (labelSmoothing > 0) {
            NDArray smooth = smoothingSum(logProbs, axis);
            double smoothScale = -((double) labelSmoothing / numClasses) * scale;
            perPosition = perPosition.add(smooth.mul(OwnedArrays.scalarLike(smoothScale, smooth)));
        }
        return new PerPosition(perPosition, positions == 0);
    }

    /** Sum over classes of {@code w[c] * logProbs[c]} (or of {@code logProbs[c]}), axis kept. */
    private NDArray smoothingSum(NDArray logProbs, int axis) {
        float[] weight = options.weight();
        if (weight == null) {
            return logProbs.sum(new int[] {axis}, true);
        }
        int rank = logProbs.getShape().dimension();
        if (rank >= 2 && axis == rank - 1) {
            // A matrix product with the (C, 1) weights: no (N, C) product array.
            NDArray column =
                    OwnedArrays.create(
                            logProbs, weight, new Shape(weight.length, 1), logProbs.getDataType());
            return logProbs.matMul(column);
        }
        return logProbs.mul(classWeights(logProbs, axis)).sum(new int[] {axis}, true);
    }

    /** The class weights shaped to broadcast along {@code axis} of {@code like}. */
    private NDArray classWeights(NDArray like, int axis) {
        float[] weight = options.weight();
        long[] dims = new long[like.getShape().dimension()];
        Arrays.fill(dims, 1);
        dims[axis] = weight.length;
        return OwnedArrays.create(like, weight, new Shape(dims), like.getDataType());
    }

    /** Builds a {@link CrossEntropyLoss}; every option defaults to PyTorch's behaviour. */
    public static final class Builder extends CrossEntropyOptions.BaseBuilder<Builder> {

        private Path path = Path.AUTO;

        private Builder() {
            super("CrossEntropyLoss");
        }

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
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
            return new CrossEntropyLoss(this);
        }
    }
}
