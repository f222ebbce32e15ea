package io.github.tempered.loss;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import io.github.tempered.testing.ResidentMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testng.annotations.Test;

/** Resource hygiene of {@link CrossEntropyLoss}: nothing is left behind per call. */
public class CrossEntropyLossMemoryTest {

    private static final Logger LOG = LoggerFactory.getLogger(CrossEntropyLossMemoryTest.class);
    private static final long LIMIT = 5L * 1024 * 1024;
    private static final int CALLS = 10_000;

    @Test
    public void evaluateLeavesOnlyItsResultInTheCallersManager() {
        CrossEntropyLoss loss = allOptions();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = manager.randomNormal(new Shape(16, 10));
            NDArray labels = labels(manager, 16);
            int before = manager.getManagedArrays().size();
            for (int i = 0; i < 100; i++) {
                NDArray value = loss.evaluate(new NDList(labels), new NDList(logits));
                assertEquals(
                        value.getManager(), manager, "result attached to the caller's manager");
                assertEquals(
                        manager.getManagedArrays().size(), before + 1, "only the result is added");
                value.close();
            }
            assertEquals(manager.getManagedArrays().size(), before, "nothing left after close");
        }
    }

    @Test
    public void tenThousandUnscopedEvaluateAndBackwardCallsDoNotGrowResidentMemory() {
        long growth = measure(allOptions(), 2 * CALLS);
        long djlBuiltIn = measure(new SoftmaxCrossEntropyLoss(), 2_000);
        LOG.info(
                "resident memory growth over {} evaluate + backward calls after warm-up:"
                        + " Tempered CrossEntropyLoss {} KB, DJL SoftmaxCrossEntropyLoss {} KB",
                CALLS,
                growth / 1024,
                djlBuiltIn / 1024);
        assertWithinLimit(growth, "");
    }

    /**
     * The softmax-gather path (weights and ignored targets, no smoothing) and the surrogate (all
     * options), pinned: their index and value arrays are made from Java data and closed at once.
     */
    @Test
    public void gradientPathsDoNotGrowResidentMemory() {
        CrossEntropyLoss.Builder[] builders = {
            CrossEntropyLoss.builder()
                    .path(CrossEntropyLoss.Path.SOFTMAX)
                    .optWeight(new float[] {1, 2, 1, 1, 0.5f, 1, 1, 1, 3, 1})
                    .optIgnoreIndex(-1),
            CrossEntropyLoss.builder()
                    .path(CrossEntropyLoss.Path.SURROGATE)
                    .optTemperature(1.5f)
                    .optWeight(new float[] {1, 2, 1, 1, 0.5f, 1, 1, 1, 3, 1})
                    .optIgnoreIndex(-1)
                    .optLabelSmoothing(0.1f)
        };
        for (CrossEntropyLoss.Builder builder : builders) {
            CrossEntropyLoss loss = builder.build();
            long growth = measure(loss, 2 * CALLS);
            LOG.info(
                    "resident memory growth over {} calls on the pinned path: {} KB",
                    CALLS,
                    growth / 1024);
            assertWithinLimit(growth, ", options " + loss.getOptions());
        }
    }

    private static void assertWithinLimit(long growth, String context) {
        assertTrue(
                growth < LIMIT,
                "resident memory grew by "
                        + growth / 1024
                        + " KB over "
                        + CALLS
                        + " calls, limit 5 MB"
                        + context);
    }

    /**
     * Runs unscoped evaluate + backward calls, warm-up first, and returns the growth over {@link
     * #CALLS} measured calls. The arrays come from one long-lived manager, as in a custom loop.
     *
     * <p>The loss runs unscoped. Only {@code collector.backward} gets a per-call manager: DJL's
     * {@code PtGradientCollector.backward(target)} allocates a ones array in the target's manager
     * and never closes it (measured here: about 10 MB per 10,000 calls, growing linearly, with any
     * loss). Warm-up: the first 20,000 calls grow the resident set by JIT and allocator caches
     * (about 40 MB then 14 MB per 10,000 calls), after which it is flat.
     */
    private static long measure(Loss loss, int warmup) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = manager.randomNormal(new Shape(128, 10));
            logits.setRequiresGradient(true);
            NDArray labels = labels(manager, 128);
            if (!(loss instanceof CrossEntropyLoss)) {
                labels = labels.abs(); // DJL's loss has no ignore index
            }
            NDList labelList = new NDList(labels);
            NDList predictions = new NDList(logits);
            return ResidentMemory.growth(
                    warmup,
                    CALLS,
                    () -> {
                        try (GradientCollector collector =
                                Engine.getInstance().newGradientCollector()) {
                            NDArray value = loss.evaluate(labelList, predictions);
                            try (NDManager perCall = manager.newSubManager()) {
                                value.tempAttach(perCall);
                                collector.backward(value);
                            }
                            value.close();
                        }
                    });
        }
    }

    private static CrossEntropyLoss allOptions() {
        return CrossEntropyLoss.builder()
                .optTemperature(1.5f)
                .optWeight(new float[] {1, 2, 1, 1, 0.5f, 1, 1, 1, 3, 1})
                .optIgnoreIndex(-1)
                .optLabelSmoothing(0.1f)
                .build();
    }

    private static NDArray labels(NDManager manager, int n) {
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10 == 3 ? -1 : (i * 7L) % 10;
        }
        return manager.create(y);
    }
}
