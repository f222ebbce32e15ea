package io.github.tempered.cli;

import ai.djl.util.Progress;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a pass over streamed data, one line per pass when it ends: {@code " Fitting T, pass
 * 2: 13 chunks in 2.1 s"}. Used only when standard output is a terminal.
 */
final class PassProgress implements Progress {

    private final PrintWriter out;
    private String message = "";
    private String trailing = "";
    private long chunks;
    private long start;

    /**
     * Creates the progress of a command's passes.
     *
     * @param out where the lines go
     */
    PassProgress(PrintWriter out) {
        this.out = out;
    }

    /** {@inheritDoc} */
    @Override
    public void reset(String message, long max, String trailingMessage) {
        this.message = message;
        this.trailing = trailingMessage == null ? "" : trailingMessage;
        chunks = 0;
        start = System.nanoTime();
    }

    /** {@inheritDoc} */
    @Override
    public void start(long initialProgress) {
        chunks = initialProgress;
    }

    /** {@inheritDoc} */
    @Override
    public void increment(long increment) {
        chunks += increment;
    }

    /** {@inheritDoc} */
    @Override
    public void update(long progress, String additionalMessage) {
        chunks = progress;
    }

    /** {@inheritDoc} */
    @Override
    public void end() {
        out.printf(
                Locale.ROOT,
                "  %s%s: %d chunk%s in %.1f s%n",
                message,
                trailing.isEmpty() ? "" : ", " + trailing,
                chunks,
                chunks == 1 ? "" : "s",
                (System.nanoTime() - start) / 1e9);
        out.flush();
    }
}
