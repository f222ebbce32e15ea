package io.github.tempered.data;

import ai.djl.ndarray.types.Shape;
import java.io.Closeable;
import java.io.IOException;

/**
 * One numeric array of a file ({@code .npy}, a member of an {@code .npz}, or a CSV table), read as
 * rows of doubles from any starting row, a run of rows at a time, without holding the whole array.
 */
abstract class StoredArray {

    /**
     * Reads consecutive rows; the rows of one {@link #next} call stay readable until the next one.
     */
    interface RowCursor extends Closeable {
        /**
         * Reads the next {@code rows} rows.
         *
         * @param rows how many, at least 1, no more than remain
         * @throws IOException if reading fails
         * @throws IllegalArgumentException if the data end early or do not parse
         */
        void next(int rows) throws IOException;

        /**
         * Copies one row of the last {@link #next} call.
         *
         * @param row the row within that call, from 0
         * @param out receives {@link #columns()} values
         */
        void row(int row, double[] out);
    }

    /**
     * Returns the array's name inside its file ({@code .npz} member without {@code .npy}).
     *
     * @return the name, or null for a single-array file
     */
    abstract String name();

    /**
     * Returns the shape.
     *
     * @return the dimensions
     */
    abstract long[] dims();

    /**
     * Returns the element type; for an unsupported type whatever {@link #requireReadable()} will
     * refuse, which may be null.
     *
     * @return the type
     */
    abstract ElementType type();

    /**
     * Checks that the data can be read: a supported type and as many bytes as the shape declares.
     *
     * @throws IllegalArgumentException naming the file and what is wrong
     */
    abstract void requireReadable();

    /**
     * Opens a cursor at a row.
     *
     * @param firstRow the first row to read
     * @param columns the values per row: the second dimension of a 2-D array, 1 for a 1-D one
     * @return the cursor, to be closed
     * @throws IOException if the file cannot be read
     */
    abstract RowCursor open(long firstRow, int columns) throws IOException;

    /**
     * Returns the shape as DJL prints it, e.g. {@code (300, 4)}.
     *
     * @return the shape's text
     */
    final String shapeText() {
        return new Shape(dims()).toString();
    }

    /**
     * Returns whether the array holds floating-point values (for guessing which array is which).
     *
     * @return whether the type is floating point
     */
    final boolean isFloating() {
        return type() != null && type().isFloating();
    }
}
