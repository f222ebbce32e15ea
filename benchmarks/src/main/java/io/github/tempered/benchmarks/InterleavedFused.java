package io.github.tempered.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * The load-robust cross-check of {@link FusedCrossEntropyBenchmark} (not a JMH benchmark): the
 * fused op and Tempered's loss alternate batch by batch, round after round, so a change of load
 * hits both alike; the report gives the median of each and the median of the per-round ratios.
 *
 * <p>Run {@code java -cp benchmarks/target/benchmarks.jar
 * io.github.tempered.benchmarks.InterleavedFused N C OPTIONS CALLS_PER_ROUND [ROUNDS]}, OPTIONS one
 * of {@code PLAIN}, {@code SMOOTHING_IGNORE}, {@code ALL_OPTIONS}.
 */
public final class InterleavedFused {

    private InterleavedFused() {}

    /**
     * Runs the comparison and prints one Markdown table row.
     *
     * @param args N, C, options, calls per round, and optionally rounds (default 15, the first 3
     *     discarded)
     */
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        int c = Integer.parseInt(args[1]);
        FusedCrossEntropy.Options options = FusedCrossEntropy.Options.valueOf(args[2]);
        int calls = Integer.parseInt(args[3]);
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 15;
        try (FusedCrossEntropy comparison = new FusedCrossEntropy(n, c, options)) {
            float[] values = comparison.values();
            if (Math.abs(values[0] - values[1]) > 1e-4 * Math.abs(values[0])) {
                throw new IllegalStateException(
                        "the two losses differ: fused " + values[0] + ", Tempered " + values[1]);
            }
            int kept = rounds - 3;
            double[] fused = new double[kept];
            double[] tempered = new double[kept];
            double[] ratio = new double[kept];
            double[] cpuRatio = new double[kept];
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (int round = 0; round < rounds; round++) {
                long start = System.nanoTime();
                long cpuStart = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) {
                    comparison.fused();
                }
                long middle = System.nanoTime();
                long cpuMiddle = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) {
                    comparison.tempered();
                }
                long end = System.nanoTime();
                long cpuEnd = threads.getCurrentThreadCpuTime();
                if (round >= 3) {
                    fused[round - 3] = (middle - start) / 1e6 / calls;
                    tempered[round - 3] = (end - middle) / 1e6 / calls;
                    ratio[round - 3] = tempered[round - 3] / fused[round - 3];
                    cpuRatio[round - 3] = (double) (cpuEnd - cpuMiddle) / (cpuMiddle - cpuStart);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "| %dx%d | %s | %.4g | %.4g | %.2f (%.2f-%.2f) | %.2f (%.2f-%.2f) |%n",
                    n,
                    c,
                    options,
                    median(fused),
                    median(tempered),
                    median(ratio),
                    min(ratio),
                    max(ratio),
                    median(cpuRatio),
                    min(cpuRatio),
                    max(cpuRatio));
        }
    }

    /**
     * Returns the median (the upper one of an even count).
     *
     * @param values the values, not modified
     * @return the median
     */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }
}
