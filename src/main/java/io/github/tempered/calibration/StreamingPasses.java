package io.github.tempered.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.util.Progress;
import io.github.tempered.internal.ClassIndices.LabelTypes;

/**
 * Passes over batches of (logits, labels) for a streaming temperature fit: one pass per evaluation
 * of the objective, each batch validated, prepared, added to the totals and released before the
 * next one is read, so memory stays bounded by one batch.
 *
 * <p>Checks that every batch has the same number of classes and every pass the same number of rows,
 * and reports each pass to a {@link Progress}, one step per batch ({@link TemperatureSolver} logs
 * each pass).
 */
final class StreamingPasses {

    /**
     * Yields the batches of one pass.
     *
     * @param <E> the checked exception reading a batch may throw
     */
    @FunctionalInterface
    interface Source<E extends Exception> {
        /**
         * Gives every batch of one pass to {@code sink}, in order, each inside its own {@link
         * ai.djl.ndarray.NDScope} that is closed after the sink returns.
         *
         * @param sink receives (logits, labels) of each batch
         * @throws E if reading a batch fails
         */
        void forEach(Sink sink) throws E;
    }

    /** Receives one batch. */
    @FunctionalInterface
    interface Sink {
        /**
         * Accepts one batch.
         *
         * @param logits the batch's logits, {@code (n, C)}
         * @param labels the batch's labels, {@code (n)}
         */
        void accept(NDArray logits, NDArray labels);
    }

    private final String argument;
    private final LabelTypes labelTypes;
    private final Progress progress;
    private long batchesPerPass;
    private int classes = -1;
    private long rowsPerPass = -1;
    private int passes;

    /**
     * Creates the passes of one fit.
     *
     * @param argument the argument name for messages, e.g. {@code "batches"}
     * @param labelTypes the label types accepted
     * @param progress receives per-batch progress, or {@code null}
     * @param knownBatches the number of batches per pass if known in advance, else 0
     */
    StreamingPasses(String argument, LabelTypes labelTypes, Progress progress, long knownBatches) {
        this.argument = argument;
        this.labelTypes = labelTypes;
        this.progress = progress;
        this.batchesPerPass = knownBatches;
    }

    /**
     * Makes one pass over the batches at {@code beta}.
     *
     * @param source the batches
     * @param beta the inverse temperature
     * @param <E> the exception reading a batch may throw
     * @return the totals of the pass
     * @throws E if reading a batch fails
     * @throws IllegalArgumentException if a batch is invalid, the input is empty, or the pass saw a
     *     different number of rows than the first one
     */
    <E extends Exception> PassTotals run(Source<E> source, double beta) throws E {
        passes++;
        PassTotals totals = new PassTotals(beta);
        long[] batch = {0};
        if (progress != null) {
            progress.reset("Fitting T", batchesPerPass, "pass " + passes);
            progress.start(0);
        }
        source.forEach(
                (logits, labels) -> {
                    String name = argument + "[" + batch[0] + "]";
                    long[] classIndices =
                            LogitBlock.readLabels(
                                    logits, labels, name + " logits", name + " labels", labelTypes);
                    int c = Math.toIntExact(logits.getShape().get(1));
                    if (classes < 0) {
                        classes = c;
                    } else if (c != classes) {
                        throw new IllegalArgumentException(
                                name
                                        + " logits: has "
                                        + c
                                        + " classes (shape "
                                        + logits.getShape()
                                        + ") but the earlier batches have "
                                        + classes);
                    }
                    if (classIndices.length > 0) {
                        totals.add(
                                LogitBlock.prepare(
                                        logits,
                                        classIndices,
                                        0,
                                        name + " logits",
                                        logits.getShape()));
                    }
                    batch[0]++;
                    if (progress != null) {
                        progress.increment(1);
                    }
                });
        if (progress != null) {
            progress.end();
        }
        if (passes == 1) {
            if (totals.rows() == 0) {
                throw new IllegalArgumentException(
                        argument
                                + ": empty input, "
                                + batch[0]
                                + " batch(es) with 0 rows in all; a fit needs at least one row");
            }
            rowsPerPass = totals.rows();
            batchesPerPass = batch[0];
        } else if (totals.rows() != rowsPerPass) {
            throw new IllegalArgumentException(
                    argument
                            + ": pass "
                            + passes
                            + " saw "
                            + totals.rows()
                            + " rows but pass 1 saw "
                            + rowsPerPass
                            + "; every pass must yield the same batches");
        }
        return totals;
    }
}
