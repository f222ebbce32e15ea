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
import io.github.tempered.loss.CrossEntropyLoss;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The inputs every cross-entropy benchmark times, and the step it times: float32 logits (N, C),
 * standard normal (engine seed 42) and requiring a gradient; int64 labels uniform over the classes
 * ({@code new Random(7)}); the same labels with every tenth (index {@code i % 10 == 3}) set to the
 * ignore index -100; class weights {@code 1 + c % 3}.
 */
final class CrossEntropyInputs {

    /** The ignore index of the labels with ignored targets. */
    static final long IGNORE_INDEX = -100;

    /** The logits, requiring a gradient. */
    final NDList logits;

    /** Class indices, none ignored. */
    final NDList labels;

    /** The same class indices with 10% of them set to {@link #IGNORE_INDEX}. */
    final NDList labelsWithIgnored;

    /** One weight per class, {@code 1 + c % 3}. */
    final float[] weight;

    /**
     * Creates the inputs on a manager.
     *
     * @param manager the manager that owns them
     * @param n rows
     * @param c classes
     */
    CrossEntropyInputs(NDManager manager, int n, int c) {
        manager.getEngine().setRandomSeed(42);
        NDArray x = manager.randomNormal(new Shape(n, c), DataType.FLOAT32);
        x.setRequiresGradient(true);
        logits = new NDList(x);
        Random random = new Random(7);
        long[] y = new long[n];
        long[] yIgnored = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(c);
            yIgnored[i] = i % 10 == 3 ? IGNORE_INDEX : y[i];
        }
        labels = new NDList(manager.create(y));
        labelsWithIgnored = new NDList(manager.create(yIgnored));
        weight = new float[c];
        for (int k = 0; k < c; k++) {
            weight[k] = 1 + k % 3;
        }
    }

    /**
     * Returns the loss with the "all options" of {@code CrossEntropyBenchmark}: label smoothing
     * 0.1, the class weights and the ignore index.
     *
     * @return the loss
     */
    CrossEntropyLoss.Builder allOptions() {
        return CrossEntropyLoss.builder()
                .optLabelSmoothing(0.1f)
                .optWeight(weight)
                .optIgnoreIndex(IGNORE_INDEX);
    }

    /**
     * One training step's worth of loss work: evaluate under a gradient collector, backward into
     * the logits' gradient (accumulating, as DJL's collector does), and close every array the step
     * created. The value is not read (a read is one more native call, the same for every loss);
     * backward's effect on the logits' gradient is what the JIT cannot remove.
     *
     * @param loss evaluates the loss; called inside the collector
     */
    static void step(Supplier<NDArray> loss) {
        try (NDScope scope = new NDScope();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            scope.suppressNotUsedWarning();
            collector.backward(loss.get());
        }
    }

    /**
     * One training step of a DJL loss on the logits.
     *
     * @param loss the loss
     * @param target the labels it is given
     */
    void step(Loss loss, NDList target) {
        step(() -> loss.evaluate(target, logits));
    }
}
