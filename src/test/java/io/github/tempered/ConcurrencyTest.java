package io.github.tempered;

import static org.testng.Assert.assertEquals;
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
import io.github.tempered.calibration.NegativeLogLikelihood;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.loss.CrossEntropyLoss;
import io.github.tempered.loss.DistillationLoss;
import io.github.tempered.nn.TemperatureScaledBlock;
import io.github.tempered.nn.TemperatureSoftmax;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/**
 * Thread safety as documented: one loss, block, scaler or evaluator instance used from {@value
 * #THREADS} threads at once, each thread with its own {@code NDManager}, gives bit for bit the
 * single-threaded results (with one PyTorch intra-op thread, as the surefire configuration sets).
 *
 * <p>DJL allows one open {@code GradientCollector} in the whole JVM (a global flag in {@code
 * PtGradientCollector}), so the losses' forward passes run concurrently and their backward passes
 * are serialized by a lock, while the other threads keep running forward passes.
 */
public class ConcurrencyTest {

    private static final int THREADS = 4;
    private static final int INPUTS = 6;
    private static final int ROUNDS = 25;

    private ExecutorService pool;

    @BeforeClass
    public void setUp() {
        pool = Executors.newFixedThreadPool(THREADS);
    }

    @AfterClass
    public void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "pool stopped");
    }

    /** Input {@code k}: logits (8, 5), teacher logits (8, 5), labels (8) with an ignored one. */
    private static NDList input(NDManager m, int k) {
        Random random = new Random(100 + k);
        float[] x = new float[40];
        float[] t = new float[40];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * random.nextGaussian());
            t[i] = (float) (2 * random.nextGaussian());
        }
        long[] y = new long[8];
        for (int i = 0; i < y.length; i++) {
            y[i] = i == k % 8 ? -100 : random.nextInt(5);
        }
        return new NDList(m.create(x, new Shape(8, 5)), m.create(t, new Shape(8, 5)), m.create(y));
    }

    /** Something computed from input {@code k} in {@code m}, copied to Java. */
    private interface Computation {
        double[] compute(NDManager m, int k);
    }

    /** Runs {@code task} on every thread at once (after a barrier) and returns their results. */
    private <T> List<T> onAllThreads(Callable<T> task) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            futures.add(
                    pool.submit(
                            () -> {
                                start.await();
                                return task.call();
                            }));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get(120, TimeUnit.SECONDS));
        }
        return results;
    }

    /**
     * Computes every input single-threaded, then on {@value #THREADS} threads for {@value #ROUNDS}
     * rounds each, each thread starting at another input, and compares bit for bit.
     */
    private void assertSameOnAllThreads(String name, Computation computation) throws Exception {
        double[][] reference = new double[INPUTS][];
        try (NDManager m = NDManager.newBaseManager()) {
            for (int k = 0; k < INPUTS; k++) {
                reference[k] = computation.compute(m, k);
            }
        }
        int[] next = {0};
        List<String> mismatches =
                onAllThreads(
                                () -> {
                                    int offset;
                                    synchronized (next) {
                                        offset = next[0]++;
                                    }
                                    List<String> bad = new ArrayList<>();
                                    try (NDManager m = NDManager.newBaseManager()) {
                                        for (int r = 0; r < ROUNDS; r++) {
                                            for (int i = 0; i < INPUTS; i++) {
                                                int k = (i + offset) % INPUTS;
                                                double[] actual;
                                                try (NDManager call = m.newSubManager()) {
                                                    actual = computation.compute(call, k);
                                                }
                                                if (!Arrays.equals(actual, reference[k])) {
                                                    bad.add(
                                                            "input "
                                                                    + k
                                                                    + ": "
                                                                    + Arrays.toString(actual)
                                                                    + " vs "
                                                                    + Arrays.toString(
                                                                            reference[k]));
                                                }
                                            }
                                        }
                                    }
                                    return String.join("; ", bad);
                                })
                        .stream()
                        .filter(s -> !s.isEmpty())
                        .toList();
        assertTrue(mismatches.isEmpty(), name + ": differs from single-threaded: " + mismatches);
    }

    private static double[] doubles(NDArray array) {
        return array.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static final CrossEntropyLoss CE =
            CrossEntropyLoss.builder()
                    .optTemperature(1.3f)
                    .optWeight(new float[] {1, 2, 0.5f, 1, 3})
                    .optIgnoreIndex(-100)
                    .optLabelSmoothing(0.1f)
                    .optReduction(io.github.tempered.loss.Reduction.NONE)
                    .build();

    private static final DistillationLoss KD =
            DistillationLoss.builder()
                    .optTemperature(3f)
                    .optAlpha(0.7f)
                    .optHardLoss(CrossEntropyLoss.builder().optIgnoreIndex(-100).build())
                    .build();

    @Test
    public void lossForwardPassesFromFourThreadsMatchOneThread() throws Exception {
        assertSameOnAllThreads(
                "CrossEntropyLoss",
                (m, k) -> {
                    NDList in = input(m, k);
                    return doubles(CE.evaluate(new NDList(in.get(2)), new NDList(in.get(0))));
                });
        assertSameOnAllThreads(
                "DistillationLoss",
                (m, k) -> {
                    NDList in = input(m, k);
                    return doubles(
                            KD.evaluate(new NDList(in.get(2), in.get(1)), new NDList(in.get(0))));
                });
    }

    /**
     * Value and gradient from four threads: the backward passes hold a lock (one collector at a
     * time), the forward passes of the other threads run meanwhile.
     */
    @Test
    public void serializedBackwardPassesBesideConcurrentForwardPassesMatchOneThread()
            throws Exception {
        ReentrantLock collectorLock = new ReentrantLock();
        Computation valueAndGradient =
                (m, k) -> {
                    NDList in = input(m, k);
                    NDArray x = in.get(0);
                    // Forward passes of this thread run while another may hold the lock.
                    double[] unlocked =
                            doubles(KD.evaluate(new NDList(in.get(2), in.get(1)), new NDList(x)));
                    collectorLock.lock();
                    try {
                        x.setRequiresGradient(true);
                        double[] value;
                        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                            NDArray v =
                                    KD.evaluate(new NDList(in.get(2), in.get(1)), new NDList(x));
                            value = doubles(v);
                            c.backward(v);
                        }
                        double[] grad = doubles(x.getGradient());
                        double[] out = new double[grad.length + 2];
                        out[0] = value[0];
                        out[1] = unlocked[0];
                        System.arraycopy(grad, 0, out, 2, grad.length);
                        return out;
                    } finally {
                        collectorLock.unlock();
                    }
                };
        assertSameOnAllThreads("DistillationLoss value and gradient", valueAndGradient);
    }

    @Test
    public void blocksShareAcrossThreadsForInference() throws Exception {
        TemperatureSoftmax fixed = TemperatureSoftmax.builder().optTemperature(0.7f).build();
        TemperatureSoftmax learnable =
                TemperatureSoftmax.builder().optTemperature(2.5f).optLearnable(true).build();
        TemperatureScaledBlock scaled =
                TemperatureScaledBlock.builder()
                        .setBlock(new LambdaBlock(x -> new NDList(x.head().mul(2))))
                        .setTemperature(1.9)
                        .optProbabilities(true)
                        .build();
        try (NDManager owner = NDManager.newBaseManager()) {
            learnable.initialize(owner, DataType.FLOAT32, new Shape(8, 5));
            scaled.initialize(owner, DataType.FLOAT32, new Shape(8, 5));
            assertSameOnAllThreads(
                    "TemperatureSoftmax (fixed)",
                    (m, k) ->
                            doubles(
                                    fixed.forward(
                                                    new ParameterStore(m, false),
                                                    new NDList(input(m, k).get(0)),
                                                    false)
                                            .head()));
            assertSameOnAllThreads(
                    "TemperatureSoftmax (learnable)",
                    (m, k) ->
                            doubles(
                                    learnable
                                            .forward(
                                                    new ParameterStore(m, false),
                                                    new NDList(input(m, k).get(0)),
                                                    false)
                                            .head()));
            assertSameOnAllThreads(
                    "TemperatureScaledBlock",
                    (m, k) ->
                            doubles(
                                    scaled.forward(
                                                    new ParameterStore(m, false),
                                                    new NDList(input(m, k).get(0)),
                                                    false)
                                            .head()));
        }
    }

    @Test
    public void calibrationEntryPointsShareAcrossThreads() throws Exception {
        TemperatureScaler scaler = new TemperatureScaler();
        TemperatureFit fit = new TemperatureFit(1.6, 1, 1, 1);
        assertSameOnAllThreads(
                "TemperatureScaler.fit",
                (m, k) -> {
                    NDList in = input(m, k);
                    TemperatureFit f = scaler.fit(in.get(0), in.get(2).abs().mod(5));
                    return new double[] {f.temperature(), f.nllBefore(), f.nllAfter()};
                });
        assertSameOnAllThreads(
                "TemperatureFit.apply", (m, k) -> doubles(fit.apply(input(m, k).get(0))));
        assertSameOnAllThreads(
                "CalibrationReport.ofLogits",
                (m, k) -> {
                    NDList in = input(m, k);
                    CalibrationReport r =
                            CalibrationReport.ofLogits(in.get(0), in.get(2).abs().mod(5), 10);
                    return new double[] {r.ece(), r.mce(), r.nll(), r.brier(), r.adaptiveEce()};
                });
    }

    /**
     * The evaluators' documented thread safety: {@value #THREADS} threads update one key at once;
     * the accumulated count is exact and the metric is that of every batch seen (up to the order of
     * double additions and the final float rounding); {@code evaluate} from four threads gives the
     * single-threaded values bit for bit.
     */
    @Test
    public void evaluatorsTakeUpdatesOfOneKeyFromFourThreads() throws Exception {
        CalibrationEvaluator[] evaluators = {
            new ExpectedCalibrationError(), new NegativeLogLikelihood(), new BrierScore()
        };
        for (CalibrationEvaluator evaluator : evaluators) {
            String name = evaluator.getName();
            assertSameOnAllThreads(
                    name + " evaluate",
                    (m, k) -> {
                        NDList in = input(m, k);
                        return doubles(
                                evaluator.evaluate(
                                        new NDList(in.get(2).abs().mod(5)), new NDList(in.get(0))));
                    });
            evaluator.addAccumulator("shared");
            evaluator.addAccumulator("single");
            try (NDManager m = NDManager.newBaseManager()) {
                for (int t = 0; t < THREADS; t++) {
                    for (int r = 0; r < ROUNDS; r++) {
                        for (int k = 0; k < INPUTS; k++) {
                            NDList in = input(m, k);
                            evaluator.updateAccumulator(
                                    "single",
                                    new NDList(in.get(2).abs().mod(5)),
                                    new NDList(in.get(0)));
                        }
                    }
                }
            }
            onAllThreads(
                    () -> {
                        try (NDManager m = NDManager.newBaseManager()) {
                            for (int r = 0; r < ROUNDS; r++) {
                                for (int k = 0; k < INPUTS; k++) {
                                    try (NDManager call = m.newSubManager()) {
                                        NDList in = input(call, k);
                                        evaluator.updateAccumulator(
                                                "shared",
                                                new NDList(in.get(2).abs().mod(5)),
                                                new NDList(in.get(0)));
                                    }
                                }
                            }
                        }
                        return null;
                    });
            assertEquals(
                    evaluator.getAccumulatedCount("shared"),
                    (long) THREADS * ROUNDS * INPUTS * 8,
                    name + ": samples counted");
            float shared = evaluator.getAccumulator("shared");
            float single = evaluator.getAccumulator("single");
            assertEquals(shared, single, 1e-6f * Math.abs(single), name + ": accumulated metric");
        }
    }
}
