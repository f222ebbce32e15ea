package io.github.tempered.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import io.github.tempered.loss.CrossEntropyLoss;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

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
            manager.getEngine().setRandomSeed(42);
            NDArray x = manager.randomNormal(new Shape(n, c), DataType.FLOAT32);
            x.setRequiresGradient(true);
            Random random = new Random(7);
            long[] y = new long[n];
            long[] yIgnored = new long[n];
            for (int i = 0; i < n; i++) {
                y[i] = random.nextInt(c);
                yIgnored[i] = i % 10 == 3 ? -100 : y[i];
            }
            float[] weight = new float[c];
            for (int k = 0; k < c; k++) {
                weight[k] = 1 + k % 3;
            }
            NDList logits = new NDList(x);
            String[] names = {"djlBuiltIn", "temperedPlain", "temperedAllOptions"};
            Loss[] losses = {
                new SoftmaxCrossEntropyLoss(),
                CrossEntropyLoss.builder().build(),
                CrossEntropyLoss.builder()
                        .optLabelSmoothing(0.1f)
                        .optWeight(weight)
                        .optIgnoreIndex(-100)
                        .build()
            };
            NDList[] labels = {
                new NDList(manager.create(y)),
                new NDList(manager.create(y)),
                new NDList(manager.create(yIgnored))
            };
            List<List<Double>> times = new ArrayList<>();
            for (int k = 0; k < losses.length; k++) {
                times.add(new ArrayList<>());
            }
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < losses.length; k++) {
                    long start = System.nanoTime();
                    for (int i = 0; i < calls; i++) {
                        try (NDScope scope = new NDScope();
                                GradientCollector collector =
                                        Engine.getInstance().newGradientCollector()) {
                            scope.suppressNotUsedWarning();
                            collector.backward(losses[k].evaluate(labels[k], logits));
                        }
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
