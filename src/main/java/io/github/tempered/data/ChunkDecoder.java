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
 * rows from 0 in the file), turns probabilities into logits, and copies both into engine-owned
 * arrays through one reused direct buffer. Not thread-safe: {@link ModelOutputs} calls it under its
 * lock.
 */
final class ChunkDecoder {

    private static final double TINY = 1e-38;

    private final ArrayChoice arrays;
    private final OutputKind kind;
    private final int classes;
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
        this.classes = arrays.classes;
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
     * @return {@code (logits, labels)}: float64 {@code (n, C)}, int64 {@code (n)}
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
        double[] row = new double[classes];
        for (int r = 0; r < n; r++) {
            outputs.row(r, row);
            checkRow(row, firstRow + r);
            into.put(row);
        }
        NDArray logits =
                OwnedArrays.copyOf(manager, staging, new Shape(n, classes), DataType.FLOAT64);
        NDArray labelArray;
        try {
            labelArray = OwnedArrays.create(manager, classIndices, new Shape(n));
        } catch (RuntimeException | Error e) {
            logits.close();
            throw e;
        }
        logits.setName("logits");
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
                    ByteBuffer.allocateDirect(chunkRows * classes * Double.BYTES)
                            .order(ByteOrder.nativeOrder());
        }
        return staging;
    }

    private long classIndex(double v, long row) {
        if (v != Math.rint(v) || v < 0 || v >= classes) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "labels %s: row %d holds %s, not a class index in [0, %d)",
                            arrays.labelsName,
                            row,
                            v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v),
                            classes));
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
}
