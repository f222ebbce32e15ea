package io.github.tempered.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.github.tempered.internal.ClassIndices;
import io.github.tempered.internal.ClassIndices.LabelTypes;
import io.github.tempered.internal.OwnedArrays;

/**
 * Validated class-index targets and the per-position coefficients of the cross-entropy terms.
 *
 * <p>With scale {@code s} (1 for SUM, 1 / (sum of the weights of the targets that are not ignored)
 * for MEAN), class weights {@code w} (all 1 when unset) and smoothing {@code eps} over {@code C}
 * classes, the loss at position {@code i} is {@code a[i] * (-lsm[i, y[i]]) + b[i] * (-sum_c w[c] *
 * lsm[i, c])} with {@code a[i] = (1 - eps) * w[y[i]] * s} and {@code b[i] = eps / C * s}; both are
 * 0 at ignored positions. The coefficients are computed in double precision.
 */
final class ClassTargets {

    /** The class of each position, row-major; ignored positions hold class 0. */
    final long[] classes;

    /** Whether each position is ignored. */
    final boolean[] ignored;

    /** Whether any position is ignored. */
    final boolean anyIgnored;

    /** The number of positions that are not ignored. */
    final int counted;

    /**
     * The reduction's scale: 1 for SUM and NONE, 1 / (total weight of counted targets) for MEAN.
     */
    final double scale;

    private final float[] weight;
    private final double oneMinusSmoothing;
    private final double smoothingPerClass;
    private final NDArray labels;
    private final int numClasses;
    private final long ignoreIndex;

    private ClassTargets(
            long[] classes,
            boolean[] ignored,
            boolean anyIgnored,
            int counted,
            double scale,
            float[] weight,
            float labelSmoothing,
            int numClasses,
            NDArray labels,
            long ignoreIndex) {
        this.classes = classes;
        this.labels = labels;
        this.numClasses = numClasses;
        this.ignoreIndex = ignoreIndex;
        this.ignored = ignored;
        this.anyIgnored = anyIgnored;
        this.counted = counted;
        this.scale = scale;
        this.weight = weight;
        this.oneMinusSmoothing = 1 - (double) labelSmoothing;
        this.smoothingPerClass = (double) labelSmoothing / numClasses;
    }

    /**
     * Reads and validates class-index targets.
     *
     * @param target the labels (integer, or floating holding whole numbers)
     * @param numClasses the number of classes {@code C}
     * @param options the loss options (weights, ignore index, reduction, smoothing)
     * @return the targets
     * @throws IllegalArgumentException naming the first label outside {@code [0, C)} that is not
     *     the ignore index
     */
    static ClassTargets read(NDArray target, int numClasses, CrossEntropyOptions options) {
        float[] weight = options.weight();
        boolean hasIgnoreIndex = options.hasIgnoreIndex();
        long ignoreIndex = options.getIgnoreIndex();
        long[] classes = ClassIndices.read(target, "labels", LabelTypes.INTEGERS_OR_WHOLE_FLOATS);
        boolean[] ignored = new boolean[classes.length];
        boolean anyIgnored = false;
        int counted = 0;
        double denominator = 0;
        for (int i = 0; i < classes.length; i++) {
            long y = classes[i];
            if (options.ignores(y)) {
                ignored[i] = true;
                anyIgnored = true;
                classes[i] = 0; // any valid class: its coefficients are 0
                continue;
            }
            if (y < 0 || y >= numClasses) {
                throw new IllegalArgumentException(
                        "labels: class index "
                                + y
                                + " at position "
                                + ClassIndices.position(i, target.getShape())
                                + " is outside [0, "
                                + numClasses
                                + ")"
                                + (hasIgnoreIndex
                                        ? " and is not the ignore index " + ignoreIndex
                                        : ""));
            }
            counted++;
            denominator += weight == null ? 1 : weight[(int) y];
        }
        // MEAN folds 1 / denominator into the coefficients of the targets that are not ignored
        // (a zero total weight gives PyTorch's NaN values and gradients there).
        double scale = options.getReduction() == Reduction.MEAN ? 1.0 / denominator : 1.0;
        return new ClassTargets(
                classes,
                ignored,
                anyIgnored,
                counted,
                scale,
                weight,
                options.getLabelSmoothing(),
                numClasses,
                target,
                ignoreIndex);
    }

    /**
     * Returns whether the scale is finite, i.e. the coefficients hold no infinity.
     *
     * @return {@code false} for a MEAN whose counted targets all have weight 0
     */
    boolean finiteScale() {
        return Double.isFinite(scale);
    }

    /**
     * Returns whether label smoothing is on.
     *
     * @return whether {@code eps > 0}
     */
    boolean smoothing() {
        return smoothingPerClass > 0;
    }

    /**
     * Returns the class weights (not a copy: callers must not modify them).
     *
     * @return the weights, or {@code null} when none are set
     */
    float[] weight() {
        return weight;
    }

    /**
     * Returns the class weight of class {@code c}.
     *
     * @param c the class
     * @return {@code w[c]}, 1 when no weights are set
     */
    double weightOf(long c) {
        return weight == null ? 1 : weight[(int) c];
    }

    /**
     * Returns the coefficient of the target term at position {@code i}.
     *
     * @param i the position
     * @return {@code a[i] = (1 - eps) * w[y[i]] * s}, or 0 if ignored
     */
    double targetCoefficient(int i) {
        return ignored[i] ? 0 : oneMinusSmoothing * weightOf(classes[i]) * scale;
    }

    /**
     * Returns the coefficient of the smoothing term at position {@code i}.
     *
     * @param i the position
     * @return {@code b[i] = eps / C * s}, or 0 if ignored
     */
    double smoothingCoefficient(int i) {
        return ignored[i] ? 0 : smoothingPerClass * scale;
    }

    /**
     * Returns the class indices of positions {@code [offset, offset + rows)} as an int64 {@code
     * (rows, 1)} column made by the engine from the labels (no array from Java data), on the device
     * of {@code like}; ignored positions hold a valid class (their coefficients are 0). It is an
     * engine-owned copy, so autograd may keep it.
     *
     * @param offset the first position
     * @param rows the number of positions
     * @param like the array whose device to use
     * @return the index column
     */
    NDArray indexColumn(int offset, int rows, NDArray like) {
        NDArray slice = labelSlice(offset, rows, like);
        NDArray index =
                anyIgnored
                        ? slice.toType(DataType.INT64, false).clip(0, numClasses - 1)
                        : slice.toType(DataType.INT64, true);
        return index.reshape(rows, 1);
    }

    /**
     * Returns the flat positions {@code i * C + y[offset + i]} of the targets of positions {@code
     * [offset, offset + rows)} in a row-major (rows, C) array, as an int64 {@code (rows)} vector on
     * the device of {@code like}; ignored positions address class 0 of their row. The vector may
     * borrow Java memory: only for indexing arrays outside the autograd graph.
     *
     * @param offset the first position
     * @param rows the number of positions
     * @param like the array whose device to use
     * @return the positions
     */
    NDArray flatIndex(int offset, int rows, NDArray like) {
        long[] positions = new long[rows];
        for (int i = 0; i < rows; i++) {
            positions[i] = (long) i * numClasses + classes[offset + i];
        }
        return OwnedArrays.transientCopy(like, positions);
    }

    /**
     * Returns the row numbers, counted from {@code offset}, of the ignored positions among {@code
     * [offset, offset + rows)}, as an int64 vector on the device of {@code like}. The vector may
     * borrow Java memory: only for indexing arrays outside the autograd graph.
     *
     * @param offset the first position
     * @param rows the number of positions
     * @param like the array whose device to use
     * @return the row numbers, possibly none
     */
    NDArray ignoredRows(int offset, int rows, NDArray like) {
        int count = 0;
        for (int i = 0; i < rows; i++) {
            count += ignored[offset + i] ? 1 : 0;
        }
        long[] numbers = new long[count];
        for (int i = 0, k = 0; i < rows; i++) {
            if (ignored[offset + i]) {
                numbers[k++] = i;
            }
        }
        return OwnedArrays.transientCopy(like, numbers);
    }

    /**
     * Returns which of positions {@code [offset, offset + rows)} are ignored, as a boolean {@code
     * (rows)} mask made by the engine, on the device of {@code like}.
     *
     * @param offset the first position
     * @param rows the number of positions
     * @param like the array whose device to use
     * @return the mask
     */
    NDArray ignoredMask(int offset, int rows, NDArray like) {
        return labelSlice(offset, rows, like).toType(DataType.INT64, false).eq(ignoreIndex);
    }

    private NDArray labelSlice(int offset, int rows, NDArray like) {
        NDArray flat = labels.getShape().dimension() == 1 ? labels : labels.reshape(-1);
        if (offset != 0 || rows != classes.length) {
            flat = flat.get(new NDIndex("{}:{}", offset, offset + rows));
        }
        return flat.getDevice().equals(like.getDevice())
                ? flat
                : flat.toDevice(like.getDevice(), false);
    }
}
