package io.github.tempered.benchmarks;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import io.github.tempered.loss.CrossEntropyLoss;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A cross-check of {@link CrossEntropyBenchmark} on a shared, noisy machine (not a JMH benchmark):
 * the same three losses and the same operation, but interleaved, so that a change of load hits all
 * three alike. Each round times a batch of calls of each loss in turn; the report gives the median
 * over rounds and the ratios of the medians.
 *
 * <p>Run {@code java -cp benchmarks/target/benchmarks.jar
 * io.github.tempered.benchmarks.InterleavedCrossEntropy N C CALLS_PER_ROUND [ROUNDS]}.
 */
public final class InterleavedCrossEntropy {

    private InterleavedCrossEntropy() {}

    /**
     * Runs the comparison.
     *
     * @param args N, C, calls per round, and optionally rounds (default 15, the first 3 discarded)
     */
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        int c = Integer.parseInt(args[1]);
        int calls = Integer.parseInt(args[2]);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 15;
        try (NDManager manager = NDManager.newBaseManager()) {
            CrossEntropyInputs inputs = new CrossEntropyInputs(manager, n, c);
            Loss[] losses = {
                new SoftmaxCrossEntropyLoss(),
                CrossEntropyLoss.builder().build(),
                inputs.allOptions().build()
            };
            NDList[] labels = {inputs.labels, inputs.labels, inputs.labelsWithIgnored};
            List<List<Double>> times = new ArrayList<>();
            for (int k = 0; k < losses.length; k++) {
                times.add(new ArrayList<>());
            }
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < losses.length; k++) {
                    long start = System.nanoTime();
                    for (int i = 0; i < calls; i++) {
                        inputs.step(losses[k], labels[k]);
                    }
                    if (round >= 3) {
                        times.get(k).add((System.nanoTime() - start) / 1e6 / calls);
                    }
                }
            }
            double[] median = new double[losses.length];
            for (int k = 0; k < losses.length; k++) {
                List<Double> t = times.get(k);
                Collections.sort(t);
                median[k] = t.get(t.size() / 2);
            }
            System.out.printf(
                    Locale.ROOT,
                    "| %dx%d | %.4g | %.4g | %.4g | %.2f | %.2f | %.2f |%n",
                    n,
                    c,
                    median[0],
                    median[1],
                    median[2],
                    median[1] / median[0],
                    median[2] / median[0],
                    median[2] / median[1]);
        }
    }
}
