package io.github.tempered.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.Inputs;
import io.github.tempered.internal.OwnedArrays;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.Locale;

/**
 * Turns the rows two cursors have read into one chunk: checks every label and output (numbering
 * rows from 0 in the file), turns probabilities into logits (binary: log-odds), and copies both
 * into engine-owned arrays through one reused direct buffer. Not thread-safe: {@link ModelOutputs}
 * calls it under its lock.
 */
final class ChunkDecoder {

    private static final double TINY = 1e-38;

    private final ArrayChoice arrays;
    private final OutputKind kind;
    private final int chunkRows;
    private ByteBuffer staging;

    /**
     * Creates a decoder.
     *
     * @param arrays the outputs and labels
     * @param kind what the outputs hold
     * @param chunkRows the most rows of a chunk
     */
    ChunkDecoder(ArrayChoice arrays, OutputKind kind, int chunkRows) {
        this.arrays = arrays;
        this.kind = kind;
        this.chunkRows = chunkRows;
    }

    /**
     * Builds the chunk of the rows the cursors read last.
     *
     * @param outputs the outputs' cursor, after {@code next(n)}
     * @param labels the labels' cursor, after {@code next(n)}
     * @param firstRow the file row of the chunk's first row, for messages
     * @param n the rows
     * @param manager the manager of the arrays
     * @return {@code (logits, labels)}: float64 {@code (n, C)} (binary: {@code (n)}), int64 {@code
     *     (n)}
     * @throws IllegalArgumentException for a bad label or output value
     */
    NDList decode(
            StoredArray.RowCursor outputs,
            StoredArray.RowCursor labels,
            long firstRow,
            int n,
            NDManager manager) {
        long[] classIndices = new long[n];
        double[] value = new double[1];
        for (int r = 0; r < n; r++) {
            labels.row(r, value);
            classIndices[r] = classIndex(value[0], firstRow + r);
        }
        DoubleBuffer into = staging().asDoubleBuffer();
        double[] row = new double[arrays.columns];
        for (int r = 0; r < n; r++) {
            outputs.row(r, row);
            checkRow(row, firstRow + r);
            into.put(row);
        }
        Shape shape = arrays.binary ? new Shape(n) : new Shape(n, arrays.classes);
        NDArray logits = OwnedArrays.copyOf(manager, staging, shape, DataType.FLOAT64);
        NDArray labelArray;
        try {
            labelArray = OwnedArrays.create(manager, classIndices, new Shape(n));
        } catch (RuntimeException | Error e) {
            logits.close();
            throw e;
        }
        logits.setName(arrays.binary ? "scores" : "logits");
        labelArray.setName("labels");
        return new NDList(logits, labelArray);
    }

    /**
     * Returns the direct buffer of a full chunk of float64 logits, allocating it once.
     *
     * @return the buffer, in native byte order
     */
    ByteBuffer staging() {
        if (staging == null) {
            staging =
                    ByteBuffer.allocateDirect(chunkRows * arrays.columns * Double.BYTES)
                            .order(ByteOrder.nativeOrder());
        }
        return staging;
    }

    private long classIndex(double v, long row) {
        if (arrays.binary && v != 0 && v != 1) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "labels %s: row %d holds %s, not a binary label 0 or 1 (the outputs"
                                    + " hold one score per row)",
                            arrays.labelsName,
                            row,
                            v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v)));
        }
        if (v != Math.rint(v) || v < 0 || v >= arrays.classes) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "labels %s: row %d holds %s, not a class index in [0, %d)",
                            arrays.labelsName,
                            row,
                            v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v),
                            arrays.classes));
        }
        return (long) v;
    }

    /** Checks one row of outputs and, for probabilities, turns it into logits in place. */
    private void checkRow(double[] row, long index) {
        for (int j = 0; j < row.length; j++) {
            if (!Double.isFinite(row[j])) {
                throw new IllegalArgumentException(
                        String.format(
                                Locale.ROOT,
                                "%s contains a non-finite value (%s) in row %d, column %d",
                                arrays.outputsName,
                                row[j],
                                index,
                                j));
            }
        }
        if (kind != OutputKind.PROBABILITIES) {
            return;
        }
        if (arrays.binary) {
            row[0] = logOdds(row[0], index);
            return;
        }
        double sum = 0;
        for (int j = 0; j < row.length; j++) {
            double p = row[j];
            if (p < 0) {
                throw new IllegalArgumentException(
                        String.format(
                                Locale.ROOT,
                                "%s: row %d has a negative probability %s (column %d);"
                                        + " are these logits? read them with"
                                        + " OutputKind.LOGITS",
                                arrays.outputsName,
                                index,
                                p,
                                j));
            }
            sum += p;
        }
        if (Math.abs(sum - 1) > Inputs.PROBABILITY_ROW_SUM_TOLERANCE) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "%s: row %d sums to %.6f, not 1 (tolerance %s); are these"
                                    + " logits? read them with OutputKind.LOGITS",
                            arrays.outputsName,
                            index,
                            sum,
                            Inputs.PROBABILITY_ROW_SUM_TOLERANCE));
        }
        for (int j = 0; j < row.length; j++) {
            row[j] = Math.log(Math.max(row[j], TINY));
        }
    }

    /**
     * Returns the log-odds {@code log(max(p, 1e-38)) - log(max(1 - p, 1e-38))} of a probability of
     * the positive class: the difference of the two logits a {@code (1 - p, p)} row would be read
     * as, finite at 0 and 1 (about -87.5 and 87.5).
     */
    private double logOdds(double p, long index) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "%s: row %d holds %s, not a probability in [0, 1]; are these"
                                    + " logits? read them with OutputKind.LOGITS",
                            arrays.outputsName,
                            index,
                            p));
        }
        return Math.log(Math.max(p, TINY)) - Math.log(Math.max(1 - p, TINY));
    }
}
