package io.github.tempered.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Measures how much a repeated action grows the process's resident memory (Linux only).
 *
 * <p>The surefire JVM runs with a fixed, pre-touched heap ({@code -Xms} = {@code -Xmx}, {@code
 * -XX:+AlwaysPreTouch}), so the Java heap does not grow the resident set and what is measured is
 * native memory: tensors, allocator caches, JIT arenas.
 */
public final class ResidentMemory {

    private ResidentMemory() {}

    /**
     * Returns the resident set size of this process.
     *
     * @return VmRSS in bytes
     */
    public static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS line in /proc/self/status");
    }

    /**
     * Runs {@code action} {@code warmup} times, then {@code calls} times, and returns the growth of
     * the resident set over the measured calls.
     *
     * @param warmup calls before the first reading (JIT, allocator caches)
     * @param calls measured calls
     * @param action the action
     * @return the growth in bytes (negative if the resident set shrank)
     */
    public static long growth(int warmup, int calls, Runnable action) {
        for (int i = 0; i < warmup; i++) {
            action.run();
        }
        settle();
        long before = rssBytes();
        for (int i = 0; i < calls; i++) {
            action.run();
        }
        settle();
        return rssBytes() - before;
    }

    private static void settle() {
        System.gc();
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
