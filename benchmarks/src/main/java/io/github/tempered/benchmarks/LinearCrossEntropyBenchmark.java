package io.github.tempered.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.tempered.loss.CrossEntropyLoss;
import io.github.tempered.loss.LinearCrossEntropyLoss;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forward + backward of a large-vocabulary classifier loss: hidden states (N, D) and a classifier
 * weight (V, D), both requiring gradients, float32, class-index labels.
 *
 * <ul>
 *   <li>{@code naive}: {@code hidden.matMul(weight.transpose())}, then {@link CrossEntropyLoss} on
 *       the full (N, V) logits, the baseline.
 *   <li>{@code chunked}: {@link LinearCrossEntropyLoss} with its default chunk size.
 * </ul>
 *
 * <p>Single-shot: one operation takes seconds at the default N = 4096, D = 1024, V = 65536. Peak
 * memory is measured separately, in fresh JVMs, by {@link PeakMemory}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
@State(Scope.Benchmark)
public class LinearCrossEntropyBenchmark {

    /** Positions (rows of hidden states). */
    @Param({"4096"})
    public int n;

    /** Hidden size. */
    @Param({"1024"})
    public int d;

    /** Vocabulary size (classes). */
    @Param({"65536"})
    public int v;

    private NDManager manager;
    private NDArray hidden;
    private NDArray weight;
    private NDList labels;
    private final CrossEntropyLoss crossEntropy = CrossEntropyLoss.builder().build();
    private final LinearCrossEntropyLoss linearCrossEntropy =
            LinearCrossEntropyLoss.builder().build();

    /** Creates the inputs. */
    @Setup(Level.Trial)
    public void setUp() {
        manager = NDManager.newBaseManager();
        Inputs in = Inputs.create(manager, n, d, v);
        hidden = in.hidden;
        weight = in.weight;
        labels = new NDList(in.labels);
    }

    /** Releases the inputs. */
    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    /** Linear, then {@link CrossEntropyLoss} on the full logits. */
    @Benchmark
    public void naive() {
        try (NDScope scope = new NDScope();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            scope.suppressNotUsedWarning();
            NDArray logits = hidden.matMul(weight.transpose());
            collector.backward(crossEntropy.evaluate(labels, new NDList(logits)));
        }
    }

    /** {@link LinearCrossEntropyLoss}, default chunks. */
    @Benchmark
    public void chunked() {
        try (NDScope scope = new NDScope();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            scope.suppressNotUsedWarning();
            collector.backward(linearCrossEntropy.evaluate(labels, new NDList(hidden, weight)));
        }
    }

    /** The benchmark's inputs, shared with {@link PeakMemory}. */
    static final class Inputs {
        final NDArray hidden;
        final NDArray weight;
        final NDArray labels;

        private Inputs(NDArray hidden, NDArray weight, NDArray labels) {
            this.hidden = hidden;
            this.weight = weight;
            this.labels = labels;
        }

        /**
         * Creates standard normal hidden states, a weight scaled by {@code 1 / sqrt(D)} (logits of
         * order 1) and uniform labels, the first two requiring gradients.
         */
        static Inputs create(NDManager manager, int n, int d, int v) {
            manager.getEngine().setRandomSeed(42);
            NDArray hidden = manager.randomNormal(new Shape(n, d));
            NDArray weight =
                    manager.randomNormal(
                            0f, (float) (1 / Math.sqrt(d)), new Shape(v, d), DataType.FLOAT32);
            hidden.setRequiresGradient(true);
            weight.setRequiresGradient(true);
            Random random = new Random(7);
            long[] y = new long[n];
            for (int i = 0; i < n; i++) {
                y[i] = random.nextInt(v);
            }
            return new Inputs(hidden, weight, manager.create(y));
        }
    }
}
