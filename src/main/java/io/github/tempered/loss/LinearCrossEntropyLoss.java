package io.github.tempered.loss;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.GradMode;
import io.github.tempered.internal.Inputs;
import io.github.tempered.internal.NonFinite;
import io.github.tempered.internal.NonFinite.NegativeInfinity;
import io.github.tempered.internal.OwnedArrays;
import io.github.tempered.internal.Scopes;

/**
 * Softmax cross-entropy of a linear classifier's logits, computed without materialising all of
 * them: equal in value and gradient to {@link CrossEntropyLoss} applied to {@code hidden @ weight^T
 * + bias}, for large vocabularies where those (N, V) logits would be the largest arrays of a
 * training step.
 *
 * <p>The N positions are processed in chunks: for each chunk the loss and its gradients with
 * respect to the hidden states, the weight and the bias are computed right away, so only one
 * chunk's logits exist at a time. The gradients reach autograd through a term whose value is
 * exactly 0 ({@code docs/design.md} has the details), so the result equals the loss and backward
 * through it gives the exact gradients times any upstream gradient. The gradients are therefore
 * computed in the forward pass: outside a gradient collector only the value is computed, and inside
 * one only the gradients of the inputs that require one. Higher-order gradients are not available.
 *
 * <h2>Options</h2>
 *
 * <p>As {@link CrossEntropyLoss} ({@link CrossEntropyOptions}): {@code optTemperature(T)}, {@code
 * optWeight(w)} (per-class weights), {@code optIgnoreIndex(i)}, {@code optLabelSmoothing(eps)},
 * {@code optReduction(MEAN or SUM)} and {@code optRejectNonFinite(true)} (checks the hidden states,
 * the weight and the bias). {@link Reduction#NONE} is rejected by {@code build()} (per-position
 * losses would need the upstream gradient before it exists), and so is a class axis other than -1
 * (the classes are the last axis of the logits). {@code optChunkSize(rows)} sets the rows per
 * chunk; by default a chunk holds at most 2^25 logits (128 MB in float32), i.e. {@code max(1, 2^25
 * / V)} rows.
 *
 * <h2>Shape</h2>
 *
 * <ul>
 *   <li>Predictions: {@code [hidden, weight]} or {@code [hidden, weight, bias]}: hidden states
 *       {@code (..., D)} with at least two dimensions and {@code D > 0}, the classifier weight
 *       {@code (V, D)} as DJL's {@code Linear} block stores it, an optional bias {@code (V)}; all
 *       float32 or all float64.
 *   <li>Labels: {@code labels.head()}: class indices shaped as the hidden states without their last
 *       axis, e.g. {@code (N)} or {@code (B, T)}, each in {@code [0, V)} or equal to the ignore
 *       index; integer, or floating point holding whole numbers.
 *   <li>Output: a scalar of the hidden states' type.
 * </ul>
 *
 * <p>Edge cases follow {@link CrossEntropyLoss}: a MEAN over targets that are all ignored is NaN
 * with zero gradients. Non-finite hidden states or weights give a NaN loss.
 *
 * <h2>Example</h2>
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
 * held by autograd, until backward runs. Bad input raises an {@link IllegalArgumentException}
 * naming the argument and the shapes or values seen. Instances are immutable and safe to share
 * across threads.
 */
public final class LinearCrossEntropyLoss extends CrossEntropyBase {

    /** The most logits one chunk holds when no chunk size is set. */
    static final long DEFAULT_CHUNK_LOGITS = 1L << 25;

    /** The most elements of one temporary (V-block, D) product in the weight-gradient update. */
    static final long WEIGHT_BLOCK_ELEMENTS = 1L << 23;

    private final int chunkSize;

    private LinearCrossEntropyLoss(Builder builder, CrossEntropyOptions options) {
        super(builder.name(), options);
        chunkSize = builder.chunkSize;
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
        NDArray target = Inputs.head(labels, "labels");
        return compute(
                predictions.get(0),
                predictions.get(1),
                predictions.size() == 3 ? predictions.get(2) : null,
                target);
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
        return Scopes.keepResult(() -> computeScoped(hidden, classifierWeight, bias, labels));
    }

    private NDArray computeScoped(NDArray hidden, NDArray w, NDArray bias, NDArray labels) {
        Shape hiddenShape = validate(hidden, w, bias, labels);
        int numClasses = Math.toIntExact(w.getShape().get(0));
        int dim = Math.toIntExact(w.getShape().get(1));
        int rows = Math.toIntExact(hiddenShape.size() / dim);
        DataType type = hidden.getDataType();
        NDManager manager = hidden.getManager();
        if (options.isRejectNonFinite()) {
            NonFinite.reject(hidden, "hidden", "hidden states", NegativeInfinity.REJECT);
            NonFinite.reject(w, "weight", "classifier weights", NegativeInfinity.REJECT);
            if (bias != null) {
                NonFinite.reject(bias, "bias", "classifier biases", NegativeInfinity.REJECT);
            }
        }
        ClassTargets targets = ClassTargets.read(labels, numClasses, options);
        boolean withGradient = GradMode.isRecording();
        // Only the gradients autograd will ask for (a frozen body or classifier needs none).
        boolean needHidden = withGradient && hidden.hasGradient();
        boolean needWeight = withGradient && w.hasGradient();
        boolean needBias = withGradient && bias != null && bias.hasGradient();
        withGradient = needHidden || needWeight || needBias;

        NDArray hd = hidden.stopGradient().reshape(rows, dim);
        NDArray wd = w.stopGradient();
        NDArray bd = bias == null ? null : bias.stopGradient();
        NDArray wt = wd.transpose();
        Device device = hidden.getDevice();
        NDArray total = manager.zeros(new Shape(), type, device);
        NDArray gradHidden = needHidden ? manager.create(new Shape(rows, dim), type, device) : null;
        NDArray gradWeight =
                needWeight ? manager.zeros(new Shape(numClasses, dim), type, device) : null;
        NDArray gradBias = needBias ? manager.zeros(new Shape(numClasses), type, device) : null;
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
                                logits, options.getTemperature(), targets, start, withGradient);
                logits.close(); // only one chunk of logits at a time
                total.addi(ce.value);
                if (withGradient) {
                    NDArray scale = OwnedArrays.scalarLike(ce.gradientScale, hc);
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
        return withEmptyMean(result, targets.counted == 0);
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
        if (hs.get(hs.dimension() - 1) == 0) {
            throw new IllegalArgumentException(
                    "hidden: the hidden size D (the last axis) must be at least 1, got shape "
                            + hs
                            + " with weight of shape "
                            + ws);
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
        float[] weight = options.weight();
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
    public static final class Builder extends CrossEntropyOptions.BaseBuilder<Builder> {

        private int chunkSize;
        private boolean chunkSizeSet;

        private Builder() {
            super("LinearCrossEntropyLoss");
        }

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
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
         * Validates the options and builds the loss.
         *
         * @return a new loss
         * @throws IllegalArgumentException if an option is invalid; the message names it and the
         *     value seen
         */
        public LinearCrossEntropyLoss build() {
            if (chunkSizeSet && chunkSize < 1) {
                throw new IllegalArgumentException(
                        "chunkSize: must be at least 1, got " + chunkSize);
            }
            CrossEntropyOptions options = options();
            if (options.getReduction() == Reduction.NONE) {
                throw new IllegalArgumentException(
                        "reduction: NONE is not supported by LinearCrossEntropyLoss (the gradients"
                                + " are computed in the forward pass, before the upstream gradient"
                                + " of per-position losses is known); use MEAN or SUM");
            }
            if (options.getClassAxis() != -1) {
                throw new IllegalArgumentException(
                        "classAxis: LinearCrossEntropyLoss's classes are the last axis of hidden"
                                + " @ weight^T; only -1 is supported, got "
                                + options.getClassAxis());
            }
            return new LinearCrossEntropyLoss(this, options);
        }
    }
}
