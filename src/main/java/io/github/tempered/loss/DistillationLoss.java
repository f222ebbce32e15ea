package io.github.tempered.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.Inputs;
import io.github.tempered.internal.NonFinite;
import io.github.tempered.internal.NonFinite.NegativeInfinity;
import io.github.tempered.internal.OwnedArrays;
import io.github.tempered.internal.Precision;
import io.github.tempered.internal.Scopes;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knowledge-distillation loss (Hinton et al. 2015): the student learns from the teacher's
 * distribution softened by a temperature, blended with cross-entropy on the hard labels.
 *
 * <p>With student logits {@code s}, teacher logits {@code t}, hard labels {@code y}, temperature
 * {@code T} and weight {@code alpha}:
 *
 * <pre>
 *   loss = alpha * T^2 * KL(softmax(t / T) || softmax(s / T)) + (1 - alpha) * CE(s, y)
 * </pre>
 *
 * which equals, in value and in the gradient with respect to {@code s}, PyTorch's
 *
 * <pre>
 *   alpha * T * T * F.kl_div(F.log_softmax(s / T, c), F.softmax(t.detach() / T, c),
 *                            reduction="batchmean")
 *     + (1 - alpha) * F.cross_entropy(s, y, ...)
 * </pre>
 *
 * <h2>The KL term</h2>
 *
 * <p>Per position (every index of the logits except the class axis {@code c}) the KL divergence is
 * {@code k = sum_c p_t * (log p_t - log p_s)} with {@code log p_t = log_softmax(t / T)} and {@code
 * log p_s = log_softmax(s / T)}, computed from log-softmax (never {@code log(softmax)}), so logits
 * of magnitude 1e4 give finite values; {@code 0 * log 0} counts as 0, as in PyTorch's {@code
 * kl_div}, so a teacher may rule a class out with a logit of {@code -inf}. The term is PyTorch's
 * {@code "batchmean"}: the sum of {@code k} over all positions divided by {@code N}, the size of
 * dimension 0, also for sequence inputs {@code (N, C, L)} or {@code (N, L, C)} (it is a sum over
 * the {@code L} steps and a mean over the batch). The factor {@code T^2} keeps the soft targets'
 * gradients on the same scale as the hard targets' when {@code T} changes (Hinton et al.).
 *
 * <p><b>Ignored positions.</b> When the hard loss has an ignore index and hard labels are given,
 * positions whose hard label equals it are left out of the KL term as well. With {@code M}
 * positions in all, {@code S = M / N} positions per sample and {@code K} positions kept, the term
 * is
 *
 * <pre>
 *   KL = (sum of k over the kept positions) / (K / S)
 * </pre>
 *
 * that is {@code S} times the mean over the kept positions. With nothing ignored {@code K / S = N},
 * exactly {@code "batchmean"}; for {@code (N, C)} logits it is the mean over the kept rows, as
 * cross-entropy's mean is. If every position is ignored the term is {@code 0 / 0 = NaN} with a zero
 * gradient, as {@link CrossEntropyLoss}'s mean is then. Class weights and label smoothing of the
 * hard loss apply to the hard term only.
 *
 * <p><b>No gradient reaches the teacher.</b> The teacher logits pass through {@link
 * NDArray#stopGradient()}, so even a teacher array that requires a gradient gets none from this
 * loss.
 *
 * <h2>Options</h2>
 *
 * <ul>
 *   <li>{@code optTemperature(T)}: finite and greater than 0; default 2. It softens both
 *       distributions of the KL term and does not touch the hard term.
 *   <li>{@code optAlpha(alpha)}: the weight of the soft (KL) term, in [0, 1]; default 0.5, an even
 *       blend ({@code docs/design.md} explains both defaults). {@code alpha = 0} is plain
 *       cross-entropy, {@code alpha = 1} pure soft-target training. A term of weight 0 is not
 *       computed at all (so it adds no NaN either).
 *   <li>{@code optHardLoss(ce)}: the {@link CrossEntropyLoss} for the hard term, with its weights,
 *       ignore index, label smoothing and reduction; default {@code CrossEntropyLoss.builder()
 *       .optClassAxis(classAxis).build()}. Its reduction must be {@link Reduction#MEAN} (the usual
 *       choice, a scale that does not depend on the batch size, as the KL term's) or {@link
 *       Reduction#SUM}; {@link Reduction#NONE} is rejected since a per-position tensor cannot be
 *       blended with the scalar KL term. Its own temperature is applied as configured, giving
 *       {@code CE(s / T_hard, y)}; Hinton's hard term uses {@code T_hard = 1}, so {@code build()}
 *       logs a warning for any other value.
 *   <li>{@code optClassAxis(a)}: the class axis of both logits; -1 for {@code (N, ..., C)}, 1 for
 *       {@code (N, C, ...)}. When it is not set, the hard loss's class axis is used (-1 for the
 *       default hard loss); when both are set they must name the same axis, checked in {@code
 *       build()} where the rank does not matter (e.g. 1 and 2) and in {@code evaluate} otherwise
 *       (e.g. -1 and 2). The class axis may not be 0, the batch axis.
 *   <li>{@code optRejectNonFinite(reject)}: a strict mode, off by default (see the edge cases); it
 *       costs a few engine calls per {@code evaluate}, none when off.
 *   <li>{@code optName(name)}: the name shown in training logs; default {@code "DistillationLoss"}.
 * </ul>
 *
 * <h2>Shape</h2>
 *
 * <ul>
 *   <li>Predictions: {@code predictions.head()} holds the student logits, floating point, with at
 *       least two dimensions: the batch (dimension 0) and the class axis, e.g. {@code (N, C)},
 *       {@code (N, C, L)} with class axis 1 or {@code (N, L, C)} with class axis -1.
 *   <li>Labels: {@code [hard labels, teacher logits]}. The teacher logits are floating point and
 *       shaped exactly as the student logits (converted to the student's type if they differ). The
 *       hard labels are anything the hard loss accepts: class indices shaped as the logits without
 *       the class axis (needed when the hard loss has an ignore index) or class probabilities. With
 *       {@code alpha = 1} the hard labels may be left out: {@code labels = [teacher logits]}; if
 *       they are given, they serve only to mask ignored positions.
 *   <li>Output: a scalar, float64 for float64 student logits and float32 otherwise: float16 student
 *       logits are computed in float32, widened inside the autograd graph so that their gradient
 *       flows back (in float16).
 * </ul>
 *
 * <h2>Edge cases</h2>
 *
 * <ul>
 *   <li>An empty batch ({@code N = 0}) gives {@code 0 / 0 = NaN} for the KL term, as PyTorch's
 *       {@code "batchmean"} does.
 *   <li>Identical student and teacher logits give a KL term of 0 (up to rounding) and no soft
 *       gradient.
 *   <li>Non-finite logits behave as in PyTorch: a NaN or {@code +inf} student or teacher logit
 *       makes the loss NaN, a {@code -inf} teacher logit rules its class out (see above), and a
 *       {@code -inf} student logit gives {@code +inf} where the teacher's probability is positive
 *       (NaN where it is 0, {@code 0 * inf}). Positions whose hard label is ignored contribute
 *       nothing to either term whatever their logits. {@code optRejectNonFinite(true)} instead
 *       rejects NaN and infinite student logits and NaN and {@code +inf} teacher logits with an
 *       {@link IllegalArgumentException} naming the first one.
 *   <li>Bad input ({@code labels} without the teacher when {@code alpha < 1}, teacher and student
 *       shapes that differ, non-floating logits, disagreeing class axes) raises an {@link
 *       IllegalArgumentException} naming the argument and the shapes or values seen.
 * </ul>
 *
 * <p>The returned array is attached to the manager of the student logits; every intermediate array
 * is closed before {@code evaluate} returns. Instances are immutable and safe to share across
 * threads.
 */
public final class DistillationLoss extends ScopedLoss {

    private static final Logger logger = LoggerFactory.getLogger(DistillationLoss.class);

    private final float temperature;
    private final float alpha;
    private final int classAxis;
    private final CrossEntropyLoss hardLoss;
    private final boolean rejectNonFinite;

    private DistillationLoss(Builder builder, int classAxis, CrossEntropyLoss hardLoss) {
        super(builder.name);
        this.temperature = builder.temperature;
        this.alpha = builder.alpha;
        this.classAxis = classAxis;
        this.hardLoss = hardLoss;
        this.rejectNonFinite = builder.rejectNonFinite;
    }

    /**
     * Creates a builder for a {@code DistillationLoss}.
     *
     * @return a new builder with temperature 2, alpha 0.5, class axis -1 and a default {@link
     *     CrossEntropyLoss} for the hard labels
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the distillation temperature.
     *
     * @return the temperature, finite and greater than 0
     */
    public float getTemperature() {
        return temperature;
    }

    /**
     * Returns the weight of the soft (KL) term; the hard term has weight {@code 1 - alpha}.
     *
     * @return alpha, in [0, 1]
     */
    public float getAlpha() {
        return alpha;
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
     * Returns the cross-entropy loss used for the hard labels.
     *
     * @return the hard loss
     */
    public CrossEntropyLoss getHardLoss() {
        return hardLoss;
    }

    /**
     * Returns whether non-finite logits are rejected instead of propagated.
     *
     * @return {@code true} if built with {@code optRejectNonFinite(true)}
     */
    public boolean isRejectNonFinite() {
        return rejectNonFinite;
    }

    /**
     * Computes the distillation loss of the student logits {@code predictions.head()} against
     * {@code labels = [hard labels, teacher logits]} (or {@code [teacher logits]} when {@code alpha
     * = 1}).
     *
     * @param labels the hard labels and the teacher logits
     * @param predictions the student logits; only the first array is used
     * @return the scalar loss, attached to the manager of the student logits
     * @throws IllegalArgumentException if the inputs are missing or have the wrong types, shapes or
     *     values (see the class documentation)
     */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (predictions == null || predictions.isEmpty() || predictions.head() == null) {
            throw new IllegalArgumentException(
                    "predictions: expected [student logits], got an empty or null NDList");
        }
        NDArray student = predictions.head();
        Targets targets = targets(labels);
        return Scopes.keepResult(() -> compute(student, targets));
    }

    /**
     * The parts of {@code labels}.
     *
     * @param hard the hard labels, or {@code null} when only the teacher is given
     * @param teacher the teacher logits
     */
    private record Targets(NDArray hard, NDArray teacher) {}

    private Targets targets(NDList labels) {
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException(
                    "labels: expected [hard labels, teacher logits] (or [teacher logits] with"
                            + " alpha = 1), got an empty or null NDList");
        }
        if (labels.size() > 2) {
            throw new IllegalArgumentException(
                    "labels: expected [hard labels, teacher logits], got "
                            + labels.size()
                            + " arrays of shapes "
                            + Arrays.toString(labels.getShapes()));
        }
        if (labels.size() == 1) {
            if (alpha < 1) {
                throw new IllegalArgumentException(
                        "labels: the teacher logits are missing: expected [hard labels, teacher"
                                + " logits], got 1 array"
                                + shapeOf(labels.get(0))
                                + "; only alpha = 1 accepts [teacher logits] alone, alpha = "
                                + alpha);
            }
            if (labels.get(0) == null) {
                throw new IllegalArgumentException(
                        "labels: the teacher logits are missing: labels.get(0) is null");
            }
            return new Targets(null, labels.get(0));
        }
        NDArray hard = labels.get(0);
        NDArray teacher = labels.get(1);
        if (teacher == null) {
            throw new IllegalArgumentException(
                    "labels: the teacher logits are missing: labels.get(1) is null");
        }
        if (hard == null) {
            throw new IllegalArgumentException(
                    "labels: the hard labels labels.get(0) are null; with alpha = 1 leave them"
                            + " out (labels = [teacher logits]), alpha = "
                            + alpha);
        }
        return new Targets(hard, teacher);
    }

    private static String shapeOf(NDArray array) {
        return array == null ? " (null)" : " of shape " + array.getShape();
    }

    private NDArray compute(NDArray student, Targets targets) {
        Shape shape = student.getShape();
        if (shape.dimension() < 2) {
            throw new IllegalArgumentException(
                    "predictions: student logits need a batch axis and a class axis (at least two"
                            + " dimensions), got shape "
                            + shape);
        }
        Inputs.requireReal(student, "predictions: student logits");
        int axis = resolveAxis(shape);
        NDArray teacher = targets.teacher();
        if (!teacher.getShape().equals(shape)) {
            throw new IllegalArgumentException(
                    "labels: the teacher logits of shape "
                            + teacher.getShape()
                            + " must have the student logits' shape "
                            + shape
                            + (targets.hard() == null
                                    ? " (a single label array is read as the teacher logits)"
                                    : ""));
        }
        Inputs.requireReal(teacher, "labels: the teacher logits");
        if (rejectNonFinite) {
            NonFinite.reject(student, "predictions", "student logits", NegativeInfinity.REJECT);
            NonFinite.reject(teacher, "labels", "teacher logits", NegativeInfinity.ALLOW);
        }
        NDArray hard = targets.hard();
        if (hard != null) {
            boolean probabilities =
                    CrossEntropyLoss.isProbabilityTarget(
                            hard,
                            shape,
                            axis,
                            "labels: the hard labels of shape %s fit",
                            "student logits");
            if (probabilities && hardLoss.hasIgnoreIndex()) {
                throw new IllegalArgumentException(
                        "labels: the hard loss has an ignore index ("
                                + hardLoss.getIgnoreIndex()
                                + "), so the hard labels must be class indices of shape "
                                + Inputs.withoutAxis(shape, axis)
                                + ", got "
                                + hard.getShape());
            }
        }

        // float16 is computed in float32, widened once for both terms so that its gradient is
        // rounded to float16 once.
        NDArray s = Precision.widen(student);
        NDArray total = null;
        if (alpha > 0) {
            total = softTerm(s, teacher, hard, axis);
        }
        if (alpha < 1) {
            NDArray ce = hardLoss.evaluate(new NDList(hard), new NDList(s));
            if (alpha > 0) {
                ce = ce.mul(OwnedArrays.scalarLike(1 - (double) alpha, ce));
            }
            total = total == null ? ce : total.add(ce);
        }
        return total;
    }

    /**
     * Returns {@code alpha * T^2 * KL}, the KL term masked and averaged as documented.
     *
     * @param s the student logits, float32 or float64 (the compute type)
     */
    private NDArray softTerm(NDArray s, NDArray teacher, NDArray hard, int axis) {
        DataType computeType = s.getDataType();
        NDArray t = teacher.stopGradient();
        if (t.getDataType() != computeType) {
            t = t.toType(computeType, false);
        }
        if (!t.getDevice().equals(s.getDevice())) {
            t = t.toDevice(s.getDevice(), false);
        }
        s = CrossEntropyBase.divideByTemperature(s, temperature);
        if (temperature != 1f) {
            t = t.div(temperature); // detached: autograd keeps nothing of it
        }
        NDArray logStudent = s.logSoftmax(axis);
        NDArray logTeacher = t.logSoftmax(axis);
        NDArray teacherProbs = logTeacher.exp();
        // 0 * log 0 = 0: a class the teacher rules out (log p_t = -inf) contributes nothing.
        // (The teacher is detached, so autograd keeps none of these Java-made scalars.)
        Number lowest =
                computeType == DataType.FLOAT64
                        ? (Number) (-Double.MAX_VALUE)
                        : (Number) (-Float.MAX_VALUE);
        NDArray elements = teacherProbs.mul(logTeacher.maximum(lowest).sub(logStudent));

        long batch = s.getShape().get(0);
        double factor = (double) alpha * temperature * temperature;
        if (hard == null || !hardLoss.hasIgnoreIndex()) {
            NDArray sum = elements.sum();
            return sum.mul(OwnedArrays.scalarLike(factor / batch, sum));
        }
        // The mask is computed by the engine, not created from Java data: autograd keeps it for
        // the backward pass of where(), after this method has closed it.
        NDArray keep = keptPositions(hard, axis, elements);
        long positions = keep.getShape().size();
        long kept;
        try (NDArray count = keep.sum()) {
            kept = count.toType(DataType.INT64, false).getLong();
        }
        NDArray perPosition = elements.sum(new int[] {axis}, true);
        NDArray keptSum = NDArrays.where(keep, perPosition, perPosition.zerosLike()).sum();
        if (kept == 0) {
            // 0 / 0, as CrossEntropyLoss's mean over nothing: NaN value, zero gradient.
            return keptSum.add(OwnedArrays.scalarLike(Double.NaN, keptSum));
        }
        double perSample = (double) positions / batch;
        return keptSum.mul(OwnedArrays.scalarLike(factor * perSample / kept, keptSum));
    }

    /**
     * Marks the positions whose hard label is not the ignore index: a boolean array shaped as
     * {@code like} with the class axis of size 1.
     */
    private NDArray keptPositions(NDArray hard, int axis, NDArray like) {
        DataType type = hard.getDataType();
        if (!type.isInteger() && !type.isFloating()) {
            throw new IllegalArgumentException(
                    "labels: the hard labels must be class indices of an integer type (or"
                            + " floating point holding whole numbers), got "
                            + type
                            + " of shape "
                            + hard.getShape());
        }
        NDArray labels = hard.expandDims(axis);
        if (!labels.getDevice().equals(like.getDevice())) {
            labels = labels.toDevice(like.getDevice(), false);
        }
        return labels.neq(hardLoss.getIgnoreIndex());
    }

    private int resolveAxis(Shape shape) {
        int axis = Inputs.axis("classAxis", classAxis, "logits", shape);
        if (axis == 0) {
            throw new IllegalArgumentException(
                    "classAxis: "
                            + classAxis
                            + " names dimension 0, the batch axis, of logits of shape "
                            + shape);
        }
        int hardAxis = Inputs.axis("classAxis", hardLoss.getClassAxis(), "logits", shape);
        if (hardAxis != axis) {
            throw new IllegalArgumentException(
                    "classAxis: "
                            + classAxis
                            + " (axis "
                            + axis
                            + ") disagrees with the hard loss's class axis "
                            + hardLoss.getClassAxis()
                            + " (axis "
                            + hardAxis
                            + ") for logits of shape "
                            + shape);
        }
        return axis;
    }

    /** Builds a {@link DistillationLoss}; see the class documentation for each option. */
    public static final class Builder {

        private String name = "DistillationLoss";
        private float temperature = 2f;
        private float alpha = 0.5f;
        private Integer classAxis;
        private CrossEntropyLoss hardLoss;
        private boolean rejectNonFinite;

        private Builder() {}

        /**
         * Sets the loss name shown in training logs.
         *
         * @param name the name; default {@code "DistillationLoss"}
         * @return this builder
         */
        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        /**
         * Sets the distillation temperature that softens the teacher's and the student's
         * distributions in the KL term.
         *
         * @param t the temperature, finite and greater than 0; default 2
         * @return this builder
         */
        public Builder optTemperature(float t) {
            this.temperature = t;
            return this;
        }

        /**
         * Sets the weight of the soft (KL) term; the hard term gets {@code 1 - alpha}.
         *
         * @param alpha the weight in [0, 1]; default 0.5
         * @return this builder
         */
        public Builder optAlpha(float alpha) {
            this.alpha = alpha;
            return this;
        }

        /**
         * Sets the cross-entropy loss for the hard labels (its weights, ignore index, label
         * smoothing and reduction).
         *
         * @param hardLoss the hard loss, with reduction MEAN or SUM; {@code null} (the default) for
         *     {@code CrossEntropyLoss.builder().optClassAxis(classAxis).build()}
         * @return this builder
         */
        public Builder optHardLoss(CrossEntropyLoss hardLoss) {
            this.hardLoss = hardLoss;
            return this;
        }

        /**
         * Sets the class axis of the student and teacher logits.
         *
         * @param axis the class axis, not 0; default the hard loss's class axis (-1 for the default
         *     hard loss); use 1 for {@code (N, C, ...)} logits
         * @return this builder
         */
        public Builder optClassAxis(int axis) {
            this.classAxis = axis;
            return this;
        }

        /**
         * Sets whether NaN and infinite student logits, and NaN and {@code +inf} teacher logits,
         * are rejected with an {@link IllegalArgumentException} instead of propagating NaN as
         * PyTorch does ({@code -inf} teacher logits stay allowed: they rule a class out).
         *
         * @param reject {@code true} to reject them; default {@code false}
         * @return this builder
         */
        public Builder optRejectNonFinite(boolean reject) {
            this.rejectNonFinite = reject;
            return this;
        }

        /**
         * Validates the options and builds the loss.
         *
         * @return a new loss
         * @throws IllegalArgumentException if an option is invalid; the message names it and the
         *     value seen
         */
        public DistillationLoss build() {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("name: must be a non-empty string, got " + name);
            }
            Inputs.requirePositiveFinite("temperature", temperature);
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("alpha: must be in [0, 1], got " + alpha);
            }
            CrossEntropyLoss hard = hardLoss;
            int axis;
            if (hard == null) {
                axis = classAxis == null ? -1 : classAxis;
            } else {
                axis = classAxis == null ? hard.getClassAxis() : classAxis;
            }
            if (axis == 0) {
                throw new IllegalArgumentException(
                        "classAxis: must not be 0, the batch axis, got "
                                + axis
                                + (classAxis == null ? " (from the hard loss)" : ""));
            }
            if (hard == null) {
                hard = CrossEntropyLoss.builder().optClassAxis(axis).build();
            } else {
                int hardAxis = hard.getClassAxis();
                if ((axis < 0) == (hardAxis < 0) && axis != hardAxis) {
                    throw new IllegalArgumentException(
                            "classAxis: "
                                    + axis
                                    + " disagrees with the hard loss's class axis "
                                    + hardAxis);
                }
                if (hard.getReduction() == Reduction.NONE) {
                    throw new IllegalArgumentException(
                            "hardLoss: reduction must be MEAN or SUM to blend with the scalar KL"
                                    + " term, got "
                                    + hard.getReduction());
                }
                if (hard.getTemperature() != 1f) {
                    logger.warn(
                            "hardLoss has temperature {}: the hard term is CE(student / {}, y),"
                                    + " not Hinton's CE(student, y)",
                            hard.getTemperature(),
                            hard.getTemperature());
                }
            }
            return new DistillationLoss(this, axis, hard);
        }
    }
}
