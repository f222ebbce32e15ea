package io.github.tempered.benchmarks;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import io.github.tempered.loss.CrossEntropyLoss;
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
 * Forward + backward of Tempered's {@link CrossEntropyLoss} against DJL's built-in {@link
 * SoftmaxCrossEntropyLoss} on float32 logits of shape (N, C), class-index labels (int64), mean
 * reduction.
 *
 * <ul>
 *   <li>{@code djlBuiltIn}: {@code new SoftmaxCrossEntropyLoss()} (sparse labels, from logits), the
 *       baseline.
 *   <li>{@code temperedPlain}: {@code CrossEntropyLoss.builder().build()}, the same mathematics.
 *   <li>{@code temperedAllOptions}: label smoothing 0.1, one weight per class (1 + c % 3) and 10%
 *       of the targets set to the ignore index -100.
 * </ul>
 *
 * <p>One operation opens a {@link GradientCollector}, evaluates the loss, runs backward into the
 * logits' gradient (accumulating, as DJL's collector does) and closes every array it created (an
 * {@link NDScope}; DJL's loss leaves its intermediates in the logits' manager, the scope closes
 * them for both). Report ratios of benchmarks in the same run: {@link RatioTable} turns JMH's JSON
 * output into the table of benchmarks/RESULTS.md.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
@State(Scope.Benchmark)
public class CrossEntropyBenchmark {

    /** The logits' shape, {@code NxC}. */
    @Param({"128x10", "256x1000", "1024x32000", "4096x32000"})
    public String shape;

    private NDManager manager;
    private CrossEntropyInputs inputs;
    private final Loss builtIn = new SoftmaxCrossEntropyLoss();
    private final Loss plain = CrossEntropyLoss.builder().build();
    private Loss allOptions;

    /** Creates the logits (standard normal, requiring a gradient) and the labels. */
    @Setup(Level.Trial)
    public void setUp() {
        String[] nc = shape.split("x");
        manager = NDManager.newBaseManager();
        inputs = new CrossEntropyInputs(manager, Integer.parseInt(nc[0]), Integer.parseInt(nc[1]));
        allOptions = inputs.allOptions().build();
    }

    /** Releases the arrays. */
    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    /** DJL's built-in {@link SoftmaxCrossEntropyLoss}. */
    @Benchmark
    public void djlBuiltIn() {
        inputs.step(builtIn, inputs.labels);
    }

    /** Tempered's {@link CrossEntropyLoss} without options. */
    @Benchmark
    public void temperedPlain() {
        inputs.step(plain, inputs.labels);
    }

    /** Tempered's {@link CrossEntropyLoss} with label smoothing, class weights, ignored targets. */
    @Benchmark
    public void temperedAllOptions() {
        inputs.step(allOptions, inputs.labelsWithIgnored);
    }
}
