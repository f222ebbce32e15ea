package io.github.tempered.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A classifier's saved outputs and true labels, read from NumPy or CSV files in chunks of rows and
 * never whole: an {@code Iterable<NDList>} of {@code (logits, labels)} chunks for {@code
 * TemperatureScaler.fit(Iterable)} and {@code CalibrationReport.Accumulator}, with memory bounded
 * by one chunk whatever the number of rows. Multiclass outputs have {@code C >= 2} columns; a
 * binary classifier's outputs, one score per row, are recognised by their shape ({@link
 * #isBinary()}).
 *
 * <h2>Files</h2>
 *
 * <ul>
 *   <li>Outputs: an {@code (N, C)} array of logits or, with {@link OutputKind#PROBABILITIES},
 *       probabilities, in a NumPy {@code .npy} file, a member of an {@code .npz} archive, or a CSV
 *       file ({@code .csv} / {@code .txt}; a non-numeric first row is a header).
 *   <li>Binary outputs: an {@code (N)} or {@code (N, 1)} array (a one-column CSV file) of one score
 *       per row: the logit of the positive class or, with {@link OutputKind#PROBABILITIES}, its
 *       probability {@code P(y = 1)}.
 *   <li>Labels: an {@code (N)} (or {@code (N, 1)}) array of class indices in {@code [0, C)}
 *       (binary: 0 or 1), whole numbers of any numeric type, in another member of the same {@code
 *       .npz} or in a separate {@code .npy}, {@code .npz} or one-column CSV file ({@link
 *       Builder#optLabels}).
 *   <li>NumPy types: float16, float32, float64, int8, uint8, int32, int64, little-endian, in C or
 *       Fortran order; {@code .npz} members stored or deflated ({@code numpy.savez} and {@code
 *       savez_compressed}). Big-endian, int16, unsigned 16- to 64-bit, boolean, object and string
 *       arrays are refused.
 *   <li>Which {@code .npz} member: the one named by {@link Builder#optOutputsKey} / {@link
 *       Builder#optLabelsKey}; else the only one; else the first named {@code logits}, {@code
 *       predictions}, {@code probabilities}, {@code probs}, {@code scores} (outputs) or {@code
 *       labels}, {@code ground_truth}, {@code targets}, {@code y} (labels); else the first 2-D
 *       floating-point member, or the first 1-D one (outputs), or the first non-floating one
 *       (labels).
 * </ul>
 *
 * <h2>Chunks</h2>
 *
 * <p>Each element is an {@link NDList} of two engine-owned arrays attached to the reader's manager:
 * {@code logits}, float64 {@code (n, C)} (the file's values widened exactly; probabilities {@code
 * p} become {@code log(max(p, 1e-38))}, which changes neither the softmax nor temperature scaling,
 * and keeps zeros finite), and {@code labels}, int64 {@code (n)}. Binary chunks hold {@code
 * scores}, float64 {@code (n)}: the logits as they are, or probabilities {@code p = P(y = 1)} as
 * the log-odds {@code log(max(p, 1e-38)) - log(max(1 - p, 1e-38))} (the difference of the logits
 * the row {@code (1 - p, p)} would be read as; {@code p = 0} and {@code 1} give about {@code -87.5}
 * and {@code 87.5}). Chunks hold {@link #getChunkRows()} rows in file order, the last one fewer.
 * The caller owns each chunk and closes it when done ({@code TemperatureScaler.fit} does); open
 * chunks are closed with the reader's own manager at {@link #close()}.
 *
 * <p>Every call of {@link #iterator()} (or of the iterator of a {@link #range}) is a new pass that
 * reads the files again from the first row wanted: {@code .npy} files and stored {@code .npz}
 * members with positioned reads, deflated members through the inflater from the member's start, CSV
 * by parsing from the top. A deflated Fortran-order member is inflated once into a temporary file,
 * deleted at {@link #close()}.
 *
 * <h2>Checks</h2>
 *
 * <p>{@link Builder#build()} reads headers only (and a CSV file once, to count and check its rows)
 * and refuses, with an {@link IllegalArgumentException} that names the file: unknown formats,
 * malformed headers, unsupported types, data shorter than the header declares (an {@code .npz}
 * member must also not hold more, as a zip bomb would), outputs that are not {@code (N, C)}, {@code
 * (N)} or {@code (N, 1)}, labels of another length, and empty arrays. While chunks are read, an
 * {@link IllegalArgumentException} numbering rows from 0 in the file reports a label that is not a
 * whole number in {@code [0, C)} (binary: not 0 or 1), a NaN or infinite output, and (for
 * probabilities) a negative value or a row whose sum is more than {@code 1e-3} from 1 (binary: a
 * value outside {@code [0, 1]}); an I/O failure is an {@link UncheckedIOException}.
 *
 * <h2>Memory</h2>
 *
 * <p>A chunk takes {@code n * C * 8} bytes of engine memory ({@code n * 8} for binary outputs);
 * reading it takes one reused buffer of the file's bytes for a chunk on the Java heap and one
 * reused direct buffer of {@code getChunkRows() * C * 8} bytes. With the Java copy a temperature
 * fit makes of each chunk, about four times the chunk's float64 size is in use at a time: some 64
 * MB for the default chunk of 16 MiB of float64 logits ({@link #DEFAULT_CHUNK_BYTES}; {@code
 * docs/design.md} has the measurements behind that size).
 *
 * <h2>Example</h2>
 *
 * <pre>{@code
 * try (ModelOutputs outputs = ModelOutputs.builder()
 *         .setOutputs(Path.of("eval.npz"))            // members "logits" and "labels"
 *         .build()) {
 *     long half = outputs.getRowCount() / 2;
 *     TemperatureFit fit = new TemperatureScaler().fit(outputs.range(0, half));
 *     CalibrationReport.Accumulator after = CalibrationReport.accumulator(15);
 *     for (NDList chunk : outputs.range(half, outputs.getRowCount())) {
 *         try (chunk) {
 *             after.addLogits(chunk.get(0).div(fit.temperature()), chunk.get(1));
 *         }
 *     }
 *     System.out.println(after.report());
 * }
 * }</pre>
 *
 * <p>Instances are safe to share across threads: chunks are read one at a time under a lock.
 */
public final class ModelOutputs implements Iterable<NDList>, AutoCloseable {

    /**
     * The size of the float64 logits of one chunk when no chunk size is set: 16 MiB, about 64 MB in
     * flight while a chunk is read and fitted (see the class documentation).
     */
    public static final long DEFAULT_CHUNK_BYTES = 16L << 20;

    private final ArrayFile outputsFile;
    private final ArrayFile labelsFile;
    private final ArrayChoice arrays;
    private final ChunkDecoder decoder;
    private final OutputKind kind;
    private final int chunkRows;
    private final NDManager manager;
    private final boolean ownsManager;
    private final Set<StoredArray.RowCursor> openCursors = new LinkedHashSet<>();
    private boolean closed;

    private ModelOutputs(Builder builder, ArrayFile outputsFile, ArrayFile labelsFile) {
        this.outputsFile = outputsFile;
        this.labelsFile = labelsFile;
        this.kind = builder.kind;
        arrays = new ArrayChoice(outputsFile, labelsFile, builder.outputsKey, builder.labelsKey);
        long rowBytes = (long) arrays.columns * Double.BYTES;
        long wanted =
                builder.chunkRows != null
                        ? builder.chunkRows
                        : Math.max(1, DEFAULT_CHUNK_BYTES / rowBytes);
        if (Math.min(wanted, arrays.rows) > ArrayChoice.MAX_BUFFER / rowBytes) {
            throw new IllegalArgumentException(
                    "optChunkRows: "
                            + wanted
                            + " rows of "
                            + arrays.columns
                            + " float64 logits exceed the 2 GB one buffer holds; use at most "
                            + ArrayChoice.MAX_BUFFER / rowBytes);
        }
        chunkRows = (int) Math.min(wanted, arrays.rows);
        decoder = new ChunkDecoder(arrays, kind, chunkRows);
        if (builder.manager != null) {
            manager = builder.manager;
            ownsManager = false;
        } else {
            manager = NDManager.newBaseManager();
            ownsManager = true;
        }
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the number of rows {@code N}.
     *
     * @return the rows, at least 1
     */
    public long getRowCount() {
        return arrays.rows;
    }

    /**
     * Returns the number of classes {@code C}.
     *
     * @return the columns of the outputs, at least 2; 2 for binary outputs
     */
    public int getNumClasses() {
        return arrays.classes;
    }

    /**
     * Returns whether the outputs are a binary classifier's, one score per row ({@code (N)} or
     * {@code (N, 1)}): chunks then hold {@code (n)} scores and labels 0 or 1.
     *
     * @return {@code true} for binary outputs
     */
    public boolean isBinary() {
        return arrays.binary;
    }

    /**
     * Returns the rows per chunk.
     *
     * @return the rows of every chunk but the last, at most {@link #getRowCount()}
     */
    public int getChunkRows() {
        return chunkRows;
    }

    /**
     * Returns what the outputs hold.
     *
     * @return logits or probabilities
     */
    public OutputKind getKind() {
        return kind;
    }

    /**
     * Returns a one-line description of what is read, e.g. {@code "outputs.npz (logits), labels
     * labels: 10000 rows, 100 classes (logits)"}, or for binary outputs {@code "scores.npy, labels
     * y.npy: 5000 rows, binary (one logit per row)"}.
     *
     * @return the description
     */
    public String getDescription() {
        String what;
        if (arrays.binary) {
            what =
                    kind == OutputKind.PROBABILITIES
                            ? "binary (P(y = 1) per row; log-odds taken)"
                            : "binary (one logit per row)";
        } else {
            what =
                    arrays.classes
                            + " classes"
                            + (kind == OutputKind.PROBABILITIES
                                    ? " (probabilities; log taken)"
                                    : " (logits)");
        }
        return String.format(
                Locale.ROOT,
                "%s, labels %s: %d rows, %s",
                arrays.outputsName,
                arrays.labelsName,
                arrays.rows,
                what);
    }

    /**
     * Starts a pass over all rows.
     *
     * @return an iterator of {@code (logits, labels)} chunks ({@code (scores, labels)} for binary
     *     outputs)
     */
    @Override
    public Iterator<NDList> iterator() {
        return new Pass(0, arrays.rows);
    }

    /**
     * Returns the rows {@code [from, to)} as an iterable whose every iterator is a new pass over
     * them, e.g. the first rows to fit a temperature and the rest to score it. Chunks start at
     * {@code from} and hold {@link #getChunkRows()} rows, the last one fewer.
     *
     * @param from the first row, in {@code [0, N]}
     * @param to the row after the last, in {@code [from, N]}
     * @return the rows' chunks
     * @throws IllegalArgumentException if the range is not within {@code [0, N]}
     */
    public Iterable<NDList> range(long from, long to) {
        if (from < 0 || to < from || to > arrays.rows) {
            throw new IllegalArgumentException(
                    "range: must satisfy 0 <= from <= to <= "
                            + arrays.rows
                            + ", got ["
                            + from
                            + ", "
                            + to
                            + ")");
        }
        return () -> new Pass(from, to);
    }

    /**
     * Closes the files, deletes temporary copies and, unless a manager was given to the builder,
     * closes the reader's manager and every chunk still open in it.
     *
     * @throws IOException if closing a file fails
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            for (StoredArray.RowCursor cursor : openCursors) {
                cursor.close();
            }
            openCursors.clear();
            if (labelsFile != outputsFile) {
                labelsFile.close();
            }
        } finally {
            outputsFile.close();
            if (ownsManager) {
                manager.close();
            }
        }
    }

    /** One pass over rows {@code [from, to)}. */
    private final class Pass implements Iterator<NDList> {
        private final long from;
        private final long to;
        private long next;
        private StoredArray.RowCursor outputCursor;
        private StoredArray.RowCursor labelCursor;

        Pass(long from, long to) {
            this.from = from;
            this.to = to;
            this.next = from;
        }

        @Override
        public boolean hasNext() {
            return next < to;
        }

        @Override
        public NDList next() {
            if (!hasNext()) {
                throw new NoSuchElementException("the pass over rows [" + from + ", " + to + ")");
            }
            synchronized (ModelOutputs.this) {
                if (closed) {
                    throw new IllegalStateException("the ModelOutputs reader is closed");
                }
                boolean done = false;
                try {
                    NDList chunk = read((int) Math.min(chunkRows, to - next));
                    done = next == to;
                    return chunk;
                } catch (IOException e) {
                    done = true;
                    throw new UncheckedIOException(e);
                } catch (RuntimeException | Error e) {
                    done = true;
                    throw e;
                } finally {
                    if (done) {
                        closeCursors();
                    }
                }
            }
        }

        private NDList read(int n) throws IOException {
            decoder.staging(); // the largest allocation first: fail before reading anything
            if (outputCursor == null) {
                // At the pass's first row, or where a failed read left off.
                outputCursor = arrays.outputs.open(next, arrays.columns);
                openCursors.add(outputCursor);
                labelCursor = arrays.labels.open(next, 1);
                openCursors.add(labelCursor);
            }
            outputCursor.next(n);
            labelCursor.next(n);
            NDList chunk = decoder.decode(outputCursor, labelCursor, next, n, manager);
            next += n;
            return chunk;
        }

        private void closeCursors() {
            for (StoredArray.RowCursor cursor :
                    new StoredArray.RowCursor[] {outputCursor, labelCursor}) {
                if (cursor != null) {
                    openCursors.remove(cursor);
                    try {
                        cursor.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
            outputCursor = null;
            labelCursor = null;
        }
    }

    /** Builds a {@link ModelOutputs} reader. */
    public static final class Builder {

        private Path outputs;
        private Path labels;
        private String outputsKey;
        private String labelsKey;
        private OutputKind kind = OutputKind.LOGITS;
        private Integer chunkRows;
        private NDManager manager;

        private Builder() {}

        /**
         * Sets the file of outputs: {@code .npy}, {@code .npz} or {@code .csv} / {@code .txt}.
         *
         * @param file the file; required
         * @return this builder
         */
        public Builder setOutputs(Path file) {
            this.outputs = file;
            return this;
        }

        /**
         * Sets a separate file of labels ({@code .npy}, {@code .npz} or one-column CSV); without it
         * the labels are another member of the outputs' {@code .npz}.
         *
         * @param file the labels' file
         * @return this builder
         */
        public Builder optLabels(Path file) {
            this.labels = file;
            return this;
        }

        /**
         * Sets the name of the outputs' member in an {@code .npz} (without {@code .npy}); by
         * default it is guessed as the class documentation says.
         *
         * @param key the member's name
         * @return this builder
         */
        public Builder optOutputsKey(String key) {
            this.outputsKey = key;
            return this;
        }

        /**
         * Sets the name of the labels' member in an {@code .npz}; by default it is guessed.
         *
         * @param key the member's name
         * @return this builder
         */
        public Builder optLabelsKey(String key) {
            this.labelsKey = key;
            return this;
        }

        /**
         * Sets what the outputs hold.
         *
         * @param kind logits (the default) or probabilities
         * @return this builder
         */
        public Builder optKind(OutputKind kind) {
            this.kind = kind;
            return this;
        }

        /**
         * Sets the rows per chunk; by default a chunk's float64 logits take about {@link
         * #DEFAULT_CHUNK_BYTES} ({@code max(1, 16 MiB / (8 C))} rows, {@code C = 1} for binary
         * outputs).
         *
         * @param rows at least 1; a chunk's {@code rows * C * 8} bytes must stay under 2 GB
         * @return this builder
         */
        public Builder optChunkRows(int rows) {
            this.chunkRows = rows;
            return this;
        }

        /**
         * Sets the manager the chunks are attached to; by default the reader creates one and closes
         * it with itself.
         *
         * @param manager the manager, left open by the reader
         * @return this builder
         */
        public Builder optManager(NDManager manager) {
            this.manager = manager;
            return this;
        }

        /**
         * Opens the files, reads their headers (a CSV file once in full) and checks them.
         *
         * @return the reader, to be closed
         * @throws java.nio.file.NoSuchFileException if a file does not exist
         * @throws IOException if a file cannot be read
         * @throws IllegalArgumentException if an option is out of range or a file is not usable
         *     (see the class documentation), naming the option or the file
         */
        public ModelOutputs build() throws IOException {
            if (outputs == null) {
                throw new IllegalArgumentException("outputs: must be set (setOutputs)");
            }
            if (kind == null) {
                throw new IllegalArgumentException("kind: must not be null");
            }
            if (chunkRows != null && chunkRows < 1) {
                throw new IllegalArgumentException(
                        "optChunkRows: must be at least 1, got " + chunkRows);
            }
            ArrayFile outputsFile = ArrayFile.open(outputs);
            ArrayFile labelsFile = outputsFile;
            try {
                if (labels != null) {
                    labelsFile = ArrayFile.open(labels);
                }
                return new ModelOutputs(this, outputsFile, labelsFile);
            } catch (IOException | RuntimeException e) {
                if (labelsFile != outputsFile) {
                    labelsFile.close();
                }
                outputsFile.close();
                throw e;
            }
        }
    }
}
