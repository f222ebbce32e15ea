package io.github.tempered;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.tempered.calibration.BrierScore;
import io.github.tempered.calibration.CalibrationEvaluator;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.ExpectedCalibrationError;
import io.github.tempered.calibration.HistogramBinning;
import io.github.tempered.calibration.HistogramFit;
import io.github.tempered.calibration.IsotonicCalibrator;
import io.github.tempered.calibration.IsotonicFit;
import io.github.tempered.calibration.MatrixFit;
import io.github.tempered.calibration.MatrixScaler;
import io.github.tempered.calibration.NegativeLogLikelihood;
import io.github.tempered.calibration.PlattFit;
import io.github.tempered.calibration.PlattScaler;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.calibration.VectorFit;
import io.github.tempered.calibration.VectorScaler;
import io.github.tempered.loss.CrossEntropyLoss;
import io.github.tempered.loss.DistillationLoss;
import io.github.tempered.nn.AffineScaledBlock;
import io.github.tempered.nn.TemperatureScaledBlock;
import io.github.tempered.nn.TemperatureSoftmax;
import io.github.tempered.testing.ResidentMemory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/**
 * Resource hygiene of every block, evaluator and calibration entry point, and of the losses' newer
 * code paths (float16, strict mode, ignored positions): 10,000 unscoped calls grow the resident
 * memory by less than 5 MB, and each call leaves exactly its result in the caller's manager.
 *
 * <p>The losses' default paths have their own tests ({@code CrossEntropyLossMemoryTest}, {@code
 * DistillationLossTest.repeatedCallsDoNotGrowMemory}). Here one warm-up of {@value #WARMUP} calls
 * per entry point, interleaved, settles the JIT and the allocators for all of them (the surefire
 * JVM has a fixed, pre-touched heap, so the resident set measures native memory); then each entry
 * point gets {@value #SETTLE} more calls ({@value #LOSS_SETTLE} for a loss with its backward pass)
 * and is measured alone over {@value #CALLS} calls. A window over the limit is measured once more:
 * a leak grows every window, while glibc's allocator occasionally takes a one-off step of a few MB
 * after another entry's large allocations (seen once in about ten runs). Inputs are small, as the
 * per-call overhead is what could leak.
 */
public class EntryPointMemoryTest {

    private static final Logger LOG = LoggerFactory.getLogger(EntryPointMemoryTest.class);
    private static final long LIMIT = 5L * 1024 * 1024;
    private static final int WARMUP = 2_000;
    private static final int CALLS = 10_000;
    private static final int SETTLE = 3_000;
    private static final int LOSS_SETTLE = 12_000;

    private NDManager manager;
    private final Map<String, Function<NDManager, NDArray>> entries = new LinkedHashMap<>();

    /** Builds every entry point on inputs held by one long-lived manager, as a training loop. */
    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
        NDArray logits = manager.randomNormal(new Shape(16, 5));
        NDArray half = logits.toType(DataType.FLOAT16, false);
        NDArray labels =
                manager.create(new long[] {0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0});
        NDArray ignoring =
                manager.create(new long[] {0, -1, 2, 3, -1, 0, 1, 2, 3, 4, 0, 1, -1, 3, 4, 0});
        NDArray teacher = manager.randomNormal(new Shape(16, 5));
        half.setRequiresGradient(true);

        ParameterStore store = new ParameterStore(manager, false);
        TemperatureSoftmax fixed = TemperatureSoftmax.builder().optTemperature(2f).build();
        entries.put(
                "TemperatureSoftmax (fixed) forward",
                m -> fixed.forward(store, new NDList(logits), false).head());
        TemperatureSoftmax learnable =
                TemperatureSoftmax.builder().optTemperature(2f).optLearnable(true).build();
        learnable.initialize(manager, DataType.FLOAT32, logits.getShape());
        NDArray trainable = logits.duplicate();
        trainable.setRequiresGradient(true);
        entries.put(
                "TemperatureSoftmax (learnable, log) forward + backward",
                m ->
                        backward(
                                m,
                                () ->
                                        learnable
                                                .forward(store, new NDList(trainable), true)
                                                .head()));
        TemperatureScaledBlock scaled =
                TemperatureScaledBlock.builder()
                        .setBlock(new LambdaBlock(in -> in))
                        .setTemperature(1.7)
                        .optProbabilities(true)
                        .build();
        scaled.initialize(manager, DataType.FLOAT32, logits.getShape());
        entries.put(
                "TemperatureScaledBlock forward",
                m -> scaled.forward(store, new NDList(logits), false).head());

        CalibrationEvaluator[] evaluators = {
            new ExpectedCalibrationError(), new NegativeLogLikelihood(), new BrierScore()
        };
        for (CalibrationEvaluator evaluator : evaluators) {
            evaluator.addAccumulator("train");
            entries.put(
                    evaluator.getClass().getSimpleName() + " evaluate + updateAccumulator",
                    m -> {
                        evaluator.updateAccumulator(
                                "train", new NDList(labels), new NDList(logits));
                        return evaluator.evaluate(new NDList(labels), new NDList(logits));
                    });
        }
        TemperatureFit fit = new TemperatureFit(1.7, 1, 1, 1);
        entries.put("TemperatureFit.apply", m -> fit.apply(logits));
        TemperatureScaler scaler = new TemperatureScaler();
        entries.put(
                "TemperatureScaler.fit + CalibrationReport.ofLogits",
                m -> {
                    scaler.fit(logits, labels);
                    CalibrationReport.ofLogits(logits, labels, 10);
                    return null;
                });
        NDArray scores = logits.get(":, 0");
        NDArray binary = labels.lt(2).toType(DataType.INT64, false);
        VectorFit vector = new VectorScaler().fit(logits, labels);
        MatrixFit dirichlet =
                MatrixScaler.builder()
                        .optInput(MatrixScaler.Input.LOG_PROBABILITIES)
                        .optOffDiagonalL2(1)
                        .optInterceptL2(1)
                        .build()
                        .fit(logits, labels);
        PlattFit platt = new PlattScaler().fit(scores, binary);
        IsotonicFit isotonic = new IsotonicCalibrator().fit(logits, labels);
        HistogramFit histogram = new HistogramBinning().fit(scores, binary);
        entries.put("VectorFit.apply", m -> vector.apply(logits));
        entries.put("MatrixFit.apply (Dirichlet)", m -> dirichlet.apply(logits));
        entries.put("PlattFit.apply", m -> platt.apply(scores));
        entries.put("IsotonicFit.apply", m -> isotonic.apply(logits));
        entries.put("HistogramFit.apply (binary)", m -> histogram.apply(scores));
        AffineScaledBlock affine = vector.wrap(new LambdaBlock(in -> in));
        affine.initialize(manager, DataType.FLOAT32, logits.getShape());
        entries.put(
                "AffineScaledBlock forward",
                m -> affine.forward(store, new NDList(logits), false).head());
        entries.put(
                "Vector, Platt, isotonic and histogram fits",
                m -> {
                    new VectorScaler().fit(logits, labels);
                    new PlattScaler().fit(scores, binary);
                    new IsotonicCalibrator().fit(scores, binary);
                    new HistogramBinning().fit(logits, labels);
                    try (NDArray p = platt.apply(scores)) {
                        CalibrationReport.ofBinary(p, binary, 10);
                    }
                    return null;
                });
        // The losses last: their larger allocations would perturb the others' windows.
        CrossEntropyLoss strictHalf =
                CrossEntropyLoss.builder()
                        .optRejectNonFinite(true)
                        .optIgnoreIndex(-1)
                        .optLabelSmoothing(0.1f)
                        .build();
        entries.put(
                "CrossEntropyLoss (float16, strict, ignored positions) + backward",
                m ->
                        backward(
                                m,
                                () -> strictHalf.evaluate(new NDList(ignoring), new NDList(half))));
        DistillationLoss strictKd =
                DistillationLoss.builder()
                        .optRejectNonFinite(true)
                        .optHardLoss(CrossEntropyLoss.builder().optIgnoreIndex(-1).build())
                        .build();
        entries.put(
                "DistillationLoss (float16, strict, ignored positions) + backward",
                m ->
                        backward(
                                m,
                                () ->
                                        strictKd.evaluate(
                                                new NDList(ignoring, teacher), new NDList(half))));
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    /**
     * Evaluates {@code forward} under a gradient collector and runs the backward pass; returns the
     * value. DJL's {@code PtGradientCollector.backward(target)} leaks a ones array into the
     * target's manager on every call (see {@code CrossEntropyLossMemoryTest}), so the value is
     * attached to a per-call sub-manager for the backward pass only.
     */
    private static NDArray backward(NDManager m, Supplier<NDArray> forward) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray value = forward.get();
            try (NDManager perCall = m.newSubManager()) {
                value.tempAttach(perCall);
                collector.backward(value);
            }
            return value;
        }
    }

    private void call(Function<NDManager, NDArray> entry) {
        NDArray result = entry.apply(manager);
        if (result != null) {
            result.close();
        }
    }

    /** Each call adds exactly its result to the caller's manager, and nothing once it is closed. */
    @Test
    public void eachCallLeavesOnlyItsResultInTheCallersManager() {
        for (Map.Entry<String, Function<NDManager, NDArray>> e : entries.entrySet()) {
            call(e.getValue()); // a first backward creates the inputs' gradient arrays
            int before = manager.getManagedArrays().size();
            NDArray result = e.getValue().apply(manager);
            if (result != null) {
                assertSame(result.getManager(), manager, e.getKey() + ": result manager");
                assertEquals(
                        manager.getManagedArrays().size(),
                        before + 1,
                        e.getKey() + ": only the result is added");
                result.close();
            }
            for (int i = 0; i < 50; i++) {
                call(e.getValue());
            }
            assertEquals(
                    manager.getManagedArrays().size(),
                    before,
                    e.getKey() + ": arrays left after 51 calls");
        }
    }

    @Test(dependsOnMethods = "eachCallLeavesOnlyItsResultInTheCallersManager")
    public void tenThousandUnscopedCallsDoNotGrowResidentMemory() {
        for (int i = 0; i < WARMUP; i++) {
            for (Function<NDManager, NDArray> entry : entries.values()) {
                call(entry);
            }
        }
        List<String> over = new ArrayList<>();
        StringBuilder summary = new StringBuilder();
        for (Map.Entry<String, Function<NDManager, NDArray>> e : entries.entrySet()) {
            int arrays = manager.getManagedArrays().size();
            long start = System.nanoTime();
            // A warm-up of its own first: the allocators settle from the other entries. A loss
            // with its backward pass allocates most and takes longest to settle (measured: a few
            // MB over the first 10,000 calls, then flat).
            int settle = e.getKey().contains("Loss") ? LOSS_SETTLE : SETTLE;
            long growth = ResidentMemory.growth(settle, CALLS, () -> call(e.getValue()));
            String first = "";
            if (growth >= LIMIT) {
                // The allocator sometimes takes one step after another entry's large
                // allocations; a leak grows the next window as much, a one-off step does not.
                first = " (first window " + growth / 1024 + " KB)";
                growth = ResidentMemory.growth(0, CALLS, () -> call(e.getValue()));
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(manager.getManagedArrays().size(), arrays, e.getKey() + ": arrays");
            summary.append(
                    String.format(
                            "%n  %-68s %6d KB  (%d ms)%s",
                            e.getKey(), growth / 1024, millis, first));
            if (growth >= LIMIT) {
                over.add(e.getKey() + " grew by " + growth / 1024 + " KB");
            }
        }
        LOG.info("resident memory growth over {} calls after warm-up:{}", CALLS, summary);
        assertTrue(over.isEmpty(), "over 5 MB per " + CALLS + " calls: " + over + summary);
    }
}
