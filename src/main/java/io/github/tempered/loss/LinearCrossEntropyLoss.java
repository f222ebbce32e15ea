package io.github.tempered.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.github.tempered.grad.OwnedArrays;
import java.util.Arrays;

/**
 * Softmax cross-entropy of a linear classifier's logits, computed without materialising all of
 * them: equal in value and gradient to {@code CrossEntropyLoss} applied to {@code hidden @ weight^T
 * + bias}, for large vocabularies where those (N, V) logits would be the largest arrays of a
 * training step.
 *
 * <p>The N positions are processed in chunks. For each chunk the loss and its gradients with
 * respect to the hidden states, the weight and the bias are computed right away, with plain forward
 * operations on detached inputs (the technique of Liger Kernel's fused linear cross-entropy): the
 * chunk's logits, their softmax, the logit gradient {@code G} built in place, then {@code G @
 * weight}, {@code G^T @ hidden} and the column sums of {@code G}. Only one chunk's logits exist at
 * a time, and every temporary is closed before the next chunk starts. The gradients reach autograd
 * through a surrogate term whose value is exactly 0:
 *
 * <pre>
 *   result = value + (d - stopGradient(d)),   d = &lt;hidden, gH&gt; + &lt;weight, gW&gt; + &lt;bias, gb&gt;
 * </pre>
 *
 * so the result equals the loss, and backward through it gives {@code upstream * gH} for the hidden
 * states (and likewise for the weight and bias), whatever the upstream gradient is (a loss scaled
 * or summed with others afterwards works). The price is that the gradients are computed in the
 * forward pass: evaluated outside a gradient collector (PyTorch's grad mode off, as in EasyTrain's
 * second evaluation for the loss accumulators) only the value is computed, and inside one only the
 * gradients of the inputs that require one (a frozen body or classifier costs no gradient).
 * Higher-order gradients are not available (DJL's collector does not offer them either).
 *
 * <h2>Options</h2>
 *
 * As {@link CrossEntropyLoss}, where they apply: {@code optTemperature(T)} (logits / T), {@code
 * optWeight(w)} (per-class weights), {@code optIgnoreIndex(i)}, {@code optLabelSmoothing(eps)},
 * {@code optReduction(MEAN or SUM)}; {@link Reduction#NONE} is not supported (per-position losses
 * would need the upstream gradient before it exists) and is rejected by {@code build()}. {@code
 * optChunkSize(rows)} sets the rows per chunk; by default a chunk holds at most 2^25 logits (128 MB
 * in float32), i.e. {@code max(1, 2^25 / V)} rows.
 *
 * <h2>Shape</h2>
 *
 * <ul>
 *   <li>Predictions: {@code [hidden, weight]} or {@code [hidden, weight, bias]}: hidden states
 *       {@code (..., D)} with at least two dimensions, the classifier weight {@code (V, D)} as
 *       DJL's {@code Linear} block stores it, an optional bias {@code (V)}; all float32 or all
 *       float64.
 *   <li>Labels: {@code labels.head()}: class indices shaped as the hidden states without their last
 *       axis, e.g. {@code (N)} or {@code (B, T)}, each in {@code [0, V)} or equal to the ignore
 *       index; integer, or floating point holding whole numbers.
 *   <li>Output: a scalar of the hidden states' type.
 * </ul>
 *
 * <p>Edge cases follow {@link CrossEntropyLoss}: a MEAN over targets that are all ignored is NaN
 * with zero gradients. Non-finite hidden states or weights give a NaN loss.
 *
 * <h2>In a DJL training loop</h2>
 *
 * The model's forward returns the hidden states and the classifier weight instead of the logits;
 * the weight is a {@code Parameter} of the model, so its gradient reaches the optimizer as usual:
 *
 * <pre>{@code
 * // The language-model head: returns [hidden, weight] while training, logits otherwise.
 * final class Head extends AbstractBlock {
 *     private final Parameter weight =
 *             addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
 *                     .optShape(new Shape(vocabulary, hiddenSize)).build());
 *
 *     protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training,
 *             PairList<String, Object> params) {
 *         NDArray hidden = in.head();                                  // (B, T, D)
 *         NDArray w = ps.getValue(weight, hidden.getDevice(), training); // (V, D)
 *         return training ? new NDList(hidden, w) : new NDList(hidden.matMul(w.transpose()));
 *     }
 *     ...
 * }
 *
 * Loss loss = LinearCrossEntropyLoss.builder().optLabelSmoothing(0.1f).build();
 * TrainingConfig config = new DefaultTrainingConfig(loss).optOptimizer(Optimizer.adam().build());
 * // EasyTrain.fit(trainer, epochs, data, null) as usual; labels are (B, T) token ids.
 * }</pre>
 *
 * <p>In a hand-written loop: {@code try (GradientCollector c = ...) { NDArray l =
 * loss.compute(hidden, weight, null, labels); c.backward(l); }}.
 *
 * <p>The result is attached to the manager of the hidden states, and every intermediate array is
 * closed before {@code evaluate} returns; the gradients computed in the forward pass stay alive,
 * held by autograd, until backward runs (or the result is closed without it). Instances are
 * immutable and safe to share across threads.
 */
public final class LinearCrossEntropyLoss extends ScopedLoss {

    /** The most logits one chunk holds when no chunk size is set. */
    static final long DEFAULT_CHUNK_LOGITS = 1L << 25;

    /** The most elements of one temporary (V-block, D) product in the weight-gradient update. */
    static final long WEIGHT_BLOCK_ELEMENTS = 1L << 23;

    private final int chunkSize;
    private final float temperature;
    private final float[] weight;
    private final boolean hasIgnoreIndex;
    private final long ignoreIndex;
    private final float labelSmoothing;
    private final Reduction reduction;

    private LinearCrossEntropyLoss(Builder builder) {
        super(builder.name);
        chunkSize = builder.chunkSize;
        temperature = builder.temperature;
        weight = builder.weight == null ? null : builder.weight.clone();
        hasIgnoreIndex = builder.hasIgnoreIndex;
        ignoreIndex = builder.ignoreIndex;
        labelSmoothing = builder.labelSmoothing;
        reduction = builder.reduction;
    }

    /**
     * Creates a builder for a {@code LinearCrossEntropyLoss}.
     *
     * @return a new builder with PyTorch's defaults (no class weights, nothing ignored, no
     *     smoothing, mean reduction), temperature 1 and automatic chunks
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the configured rows per chunk.
     *
     * @return the chunk size, or 0 for automatic ({@code max(1, 2^25 / V)} rows)
     */
    public int getChunkSize() {
        return chunkSize;
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
     * Returns the reduction.
     *
     * @return {@link Reduction#MEAN} or {@link Reduction#SUM}
     */
    public Reduction getReduction() {
        return reduction;
    }

    /**
     * Computes the loss of {@code predictions = [hidden, weight]} or {@code [hidden, weight, bias]}
     * against {@code labels.head()} (class indices).
     *
     * @param labels the targets; only the first array is used
     * @param predictions the hidden states, the classifier weight and optionally its bias
     * @return the loss, a scalar attached to the manager of the hidden states
     * @throws IllegalArgumentException if the inputs have the wrong number, types, shapes or values
     *     (see the class documentation)
     */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (predictions == null || predictions.size() < 2 || predictions.size() > 3) {
            throw new IllegalArgumentException(
                    "predictions: expected [hidden (..., D), weight (V, D)] or [hidden, weight,"
                            + " bias (V)], got "
                            + (predictions == null ? "null" : predictions.size() + " arrays"));
        }
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("labels: the NDList is empty or null");
        }
        return compute(
                predictions.get(0),
                predictions.get(1),
                predictions.size() == 3 ? predictions.get(2) : null,
                labels.head());
    }

    /**
     * Computes the loss of the logits {@code hidden @ weight^T + bias} against {@code labels}.
     *
     * @param hidden the hidden states, shape {@code (..., D)}
     * @param classifierWeight the classifier weight, shape {@code (V, D)}
     * @param bias the classifier bias, shape {@code (V)}, or {@code null}
     * @param labels class indices, shaped as {@code hidden} without its last axis
     * @return the loss, a scalar attached to the manager of the hidden states
     * @throws IllegalArgumentException if the inputs have the wrong types, shapes or values
     */
    public NDArray compute(NDArray hidden, NDArray classifierWeight, NDArray bias, NDArray labels) {
        return scoped(() -> computeScoped(hidden, classifierWeight, bias, labels));
    }

    private NDArray computeScoped(NDArray hidden, NDArray w, NDArray bias, NDArray labels) {
        Shape hiddenShape = validate(hidden, w, bias, labels);
        int numClasses = Math.toIntExact(w.getShape().get(0));
        int dim = Math.toIntExact(w.getShape().get(1));
        int rows = Math.toIntExact(hiddenShape.size() / dim);
        DataType type = hidden.getDataType();
        NDManager manager = hidden.getManager();
        ClassTargets targets =
                ClassTargets.read(
                        labels,
                        numClasses,
                        weight,
                        hasIgnoreIndex,
                        ignoreIndex,
                        reduction,
                        labelSmoothing);
        boolean withGradient = JniUtils.isGradMode();
        // Only the gradients autograd will ask for (a frozen body or classifier needs none).
        boolean needHidden = withGradient && hidden.hasGradient();
        boolean needWeight = withGradient && w.hasGradient();
        boolean needBias = withGradient && bias != null && bias.hasGradient();
        withGradient = needHidden || needWeight || needBias;

        NDArray hd = hidden.stopGradient().reshape(rows, dim);
        NDArray wd = w.stopGradient();
        NDArray bd = bias == null ? null : bias.stopGradient();
        NDArray wt = wd.transpose();
        NDArray total = manager.zeros(new Shape(), type);
        NDArray gradHidden = needHidden ? manager.create(new Shape(rows, dim), type) : null;
        NDArray gradWeight = needWeight ? manager.zeros(new Shape(numClasses, dim), type) : null;
        NDArray gradBias = needBias ? manager.zeros(new Shape(numClasses), type) : null;
        int chunk = chunkRows(numClasses, rows);
        long block = Math.max(1, Math.min(numClasses, WEIGHT_BLOCK_ELEMENTS / dim));
        for (int start = 0; start < rows; start += chunk) {
            int end = Math.min(rows, start + chunk);
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray hc = hd.get(new NDIndex("{}:{}", start, end));
                NDArray logits = hc.matMul(wt);
                if (bd != null) {
                    logits.addi(bd);
                }
                CrossEntropyChunk ce =
                        CrossEntropyChunk.compute(
                                logits, temperature, targets, start, withGradient);
                logits.close(); // only one chunk of logits at a time
                total.addi(ce.value);
                if (withGradient) {
                    NDArray scale = OwnedArrays.scalar(manager, ce.gradientScale, type);
                    if (gradHidden != null) {
                        NDArray gh = ce.gradient.matMul(wd).muli(scale);
                        gradHidden.set(new NDIndex("{}:{}", start, end), gh);
                    }
                    if (gradWeight != null) {
                        NDArray scaledHidden = hc.mul(scale);
                        for (long v = 0; v < numClasses; v += block) {
                            long vEnd = Math.min(numClasses, v + block);
                            NDArray g = ce.gradient.get(new NDIndex(":, {}:{}", v, vEnd));
                            NDArray product = g.transpose().matMul(scaledHidden);
                            gradWeight.get(new NDIndex("{}:{}", v, vEnd)).addi(product);
                            product.close();
                        }
                    }
                    if (gradBias != null) {
                        gradBias.addi(ce.gradient.sum(new int[] {0}).muli(scale));
                    }
                }
            }
        }
        NDArray result = total;
        if (withGradient) {
            // value + (d - sg(d)) with d = <hidden, gH> + <weight, gW> + <bias, gb>: the value is
            // unchanged and backward hands gH, gW and gb (times the upstream gradient) to autograd.
            NDArray d = null;
            if (gradHidden != null) {
                d = hidden.reshape(-1).dot(gradHidden.reshape(-1));
            }
            if (gradWeight != null) {
                NDArray dw = w.reshape(-1).dot(gradWeight.reshape(-1));
                d = d == null ? dw : d.add(dw);
            }
            if (gradBias != null) {
                NDArray db = bias.dot(gradBias);
                d = d == null ? db : d.add(db);
            }
            result = total.add(d.sub(d.stopGradient()));
        }
        if (reduction == Reduction.MEAN && targets.counted == 0) {
            result = result.add(OwnedArrays.scalar(manager, Double.NaN, type));
        }
        return result;
    }

    private int chunkRows(int numClasses, int rows) {
        if (chunkSize > 0) {
            return Math.min(chunkSize, Math.max(rows, 1));
        }
        long automatic = Math.max(1, DEFAULT_CHUNK_LOGITS / Math.max(numClasses, 1));
        return (int) Math.min(automatic, Math.max(rows, 1));
    }

    private Shape validate(NDArray hidden, NDArray w, NDArray bias, NDArray labels) {
        Shape hs = hidden.getShape();
        Shape ws = w.getShape();
        DataType type = hidden.getDataType();
        if (type != DataType.FLOAT32 && type != DataType.FLOAT64) {
            throw new IllegalArgumentException(
                    "hidden: must be float32 or float64, got " + type + " of shape " + hs);
        }
        if (hs.dimension() < 2) {
            throw new IllegalArgumentException(
                    "hidden: must have shape (..., D) with at least two dimensions, got " + hs);
        }
        if (ws.dimension() != 2 || ws.get(1) != hs.get(hs.dimension() - 1) || ws.get(0) == 0) {
            throw new IllegalArgumentException(
                    "weight: must have shape (V, D) with V > 0 and D = "
                            + hs.get(hs.dimension() - 1)
                            + " (the hidden states' last axis), got "
                            + ws
                            + " for hidden states of shape "
                            + hs);
        }
        if (w.getDataType() != type) {
            throw new IllegalArgumentException(
                    "weight: must have the hidden states' type "
                            + type
                            + ", got "
                            + w.getDataType());
        }
        if (bias != null
                && (!bias.getShape().equals(new Shape(ws.get(0))) || bias.getDataType() != type)) {
            throw new IllegalArgumentException(
                    "bias: must be "
                            + type
                            + " of shape ("
                            + ws.get(0)
                            + "), got "
                            + bias.getDataType()
                            + " of shape "
                            + bias.getShape());
        }
        Shape expected = hs.slice(0, hs.dimension() - 1);
        if (!labels.getShape().equals(expected)) {
            throw new IllegalArgumentException(
                    "labels: must be class indices of shape "
                            + expected
                            + " (the hidden states' shape "
                            + hs
                            + " without the last axis), got "
                            + labels.getShape());
        }
        if (weight != null && weight.length != ws.get(0)) {
            throw new IllegalArgumentException(
                    "weight (class weights): has "
                            + weight.length
                            + " entries but the classifier has V = "
                            + ws.get(0)
                            + " classes");
        }
        return hs;
    }

    /** Builds a {@link LinearCrossEntropyLoss}; every option defaults to PyTorch's behaviour. */
    public static final class Builder {

        private String name = "LinearCrossEntropyLoss";
        private int chunkSize;
        private boolean chunkSizeSet;
        private float temperature = 1f;
        private float[] weight;
        private boolean hasIgnoreIndex;
        private long ignoreIndex;
        private float labelSmoothing;
        private Reduction reduction = Reduction.MEAN;

        private Builder() {}

        /**
         * Sets the loss name shown in training logs.
         *
         * @param name the name; default {@code "LinearCrossEntropyLoss"}
         * @return this builder
         */
        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        /**
         * Sets the number of positions (rows of logits) processed at a time.
         *
         * @param rows the rows per chunk, at least 1; by default {@code max(1, 2^25 / V)}
         * @return this builder
         */
        public Builder optChunkSize(int rows) {
            this.chunkSize = rows;
            this.chunkSizeSet = true;
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
         * @param index the ignored target value (it may lie outside {@code [0, V)}, e.g. -100)
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
         * @param r {@link Reduction#MEAN} (default) or {@link Reduction#SUM}
         * @return this builder
         */
        public Builder optReduction(Reduction r) {
            this.reduction = r;
            return this;
        }

        /**
         * Validates the options and builds the loss.
         *
         * @return a new loss
         * @throws IllegalArgumentException if an option is invalid; the message names it and the
         *     value seen
         */
        public LinearCrossEntropyLoss build() {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("name: must be a non-empty string, got " + name);
            }
            if (chunkSizeSet && chunkSize < 1) {
                throw new IllegalArgumentException(
                        "chunkSize: must be at least 1, got " + chunkSize);
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
            if (reduction == Reduction.NONE) {
                throw new IllegalArgumentException(
                        "reduction: NONE is not supported by LinearCrossEntropyLoss (the gradients"
                                + " are computed in the forward pass, before the upstream gradient"
                                + " of per-position losses is known); use MEAN or SUM");
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
            return new LinearCrossEntropyLoss(this);
        }
    }
}
