package io.github.tempered.loss;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static io.github.tempered.testing.NumericAssert.maxAbs;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tempered.testing.DirectMemory;
import io.github.tempered.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testng.SkipException;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** {@link DistillationLoss}: parity with PyTorch, its conventions, bad input and memory. */
public class DistillationLossTest {

    private static final Logger logger = LoggerFactory.getLogger(DistillationLossTest.class);

    private static final double VALUE_RTOL = 1e-5;
    private static final double GRAD_RTOL = 1e-4;

    private static final List<JsonObject> CASES = Fixtures.cases("distillation.json");

    @DataProvider(name = "pytorch")
    public static Object[][] pytorchCases() {
        Object[][] rows = new Object[CASES.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {CASES.get(i).get("name").getAsString()};
        }
        return rows;
    }

    @Test
    public void fixturesCoverEnoughCases() {
        assertTrue(CASES.size() >= 15, "at least 15 PyTorch cases, got " + CASES.size());
    }

    /**
     * Value and student gradient equal PyTorch's; the teacher, which requires a gradient here, gets
     * none.
     */
    @Test(dataProvider = "pytorch")
    public void matchesPyTorch(String name) {
        JsonObject c = find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            DataType dtype = dtype(c);
            NDArray student = logits(manager, c, "student");
            NDArray teacher = logits(manager, c, "teacher");
            NDList labels = labels(manager, c, teacher);
            DistillationLoss loss = lossOf(c);
            student.setRequiresGradient(true);
            teacher.setRequiresGradient(true);
            double[] value;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = loss.evaluate(labels, new NDList(student));
                assertEquals(out.getDataType(), dtype, name + ": result dtype");
                assertEquals(out.getShape(), new Shape(), name + ": result shape");
                assertSame(out.getManager(), student.getManager(), name + ": result manager");
                value = out.toType(DataType.FLOAT64, false).toDoubleArray();
                collector.backward(out);
            }
            double floor = dtype == DataType.FLOAT64 ? 1e-12 : 0;
            double[] expected = Fixtures.doubles(c.getAsJsonArray("expected"));
            assertClose(
                    name, "value", value, expected, VALUE_RTOL, 1e-6 * maxAbs(expected) + floor);
            double[] expectedGrad = Fixtures.doubles(c.getAsJsonArray("grad"));
            assertClose(
                    name,
                    "student gradient",
                    doubles(student.getGradient()),
                    expectedGrad,
                    GRAD_RTOL,
                    1e-6 * maxAbs(expectedGrad) + floor);
            double[] teacherGrad = doubles(teacher.getGradient());
            assertClose(
                    name, "teacher gradient", teacherGrad, new double[teacherGrad.length], 0, 0);
        }
    }

    @Test
    public void teacherGetsNoGradientWhileTheCheckCanSeeOne() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray student = manager.randomNormal(new Shape(4, 5));
            NDArray teacher = manager.randomNormal(new Shape(4, 5));
            NDArray hard = manager.create(new long[] {0, 1, 2, 3});
            student.setRequiresGradient(true);
            teacher.setRequiresGradient(true);
            DistillationLoss loss = DistillationLoss.builder().optAlpha(0.8f).build();
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(loss.evaluate(new NDList(hard, teacher), new NDList(student)));
            }
            assertTrue(maxAbs(doubles(student.getGradient())) > 1e-3, "student gradient");
            assertEquals(maxAbs(doubles(teacher.getGradient())), 0.0, "teacher gradient");

            // Control: the same teacher array does receive a gradient through a plain softmax.
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(teacher.div(2f).softmax(-1).mul(student).sum());
            }
            assertTrue(maxAbs(doubles(teacher.getGradient())) > 1e-3, "control gradient");
        }
    }

    /**
     * The gradient does not change when the garbage collector frees Java memory between {@code
     * evaluate} and the backward pass (arrays made from Java data must not be kept by autograd).
     */
    @Test
    public void gradientSurvivesGarbageCollectionBeforeBackward() throws InterruptedException {
        DistillationLoss loss =
                DistillationLoss.builder()
                        .optAlpha(0.6f)
                        .optHardLoss(
                                CrossEntropyLoss.builder()
                                        .optWeight(new float[] {1f, 2f, 3f, 4f, 5f})
                                        .optIgnoreIndex(-100)
                                        .build())
                        .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray student = manager.randomNormal(new Shape(2, 4, 5));
            NDArray teacher = manager.randomNormal(new Shape(2, 4, 5));
            NDArray hard =
                    manager.create(new long[] {0, 1, -100, 3, 4, -100, 1, 2}, new Shape(2, 4));
            NDList labels = new NDList(hard, teacher);
            double[] reference = gradient(loss, labels, student, false);
            for (int i = 0; i < 3; i++) {
                assertClose(
                        "gc before backward",
                        "gradient",
                        gradient(loss, labels, student, true),
                        reference,
                        0,
                        0);
            }
        }
    }

    private static double[] gradient(
            DistillationLoss loss, NDList labels, NDArray student, boolean recycle)
            throws InterruptedException {
        NDArray x = student.duplicate();
        x.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray out = loss.evaluate(labels, new NDList(x));
            if (recycle) {
                DirectMemory.recycle();
            }
            collector.backward(out);
        }
        return doubles(x.getGradient());
    }

    @Test
    public void defaults() {
        DistillationLoss loss = DistillationLoss.builder().build();
        assertEquals(loss.getTemperature(), 2f);
        assertEquals(loss.getAlpha(), 0.5f);
        assertEquals(loss.getClassAxis(), -1);
        assertEquals(loss.getName(), "DistillationLoss");
        CrossEntropyLoss hard = loss.getHardLoss();
        assertEquals(hard.getReduction(), Reduction.MEAN);
        assertEquals(hard.getTemperature(), 1f);
        assertEquals(hard.getClassAxis(), -1);
        assertEquals(hard.getLabelSmoothing(), 0f);
        assertTrue(!hard.hasIgnoreIndex() && hard.getWeight() == null, "plain hard loss");
        assertEquals(DistillationLoss.builder().optName("kd").build().getName(), "kd");
    }

    /** The class axis set on either the distillation loss or the hard loss applies to both. */
    @Test
    public void classAxisFromEitherSide() {
        JsonObject c = find("seq_NCT_axis1_ignore_T3_alpha0.7");
        CrossEntropyLoss.Builder hard = hardLossBuilder(c);
        DistillationLoss fromHard =
                DistillationLoss.builder()
                        .optTemperature(3f)
                        .optAlpha(0.7f)
                        .optHardLoss(hard.optClassAxis(1).build())
                        .build();
        assertEquals(fromHard.getClassAxis(), 1);
        DistillationLoss fromDistill =
                DistillationLoss.builder()
                        .optTemperature(3f)
                        .optAlpha(0.7f)
                        .optClassAxis(1)
                        .optHardLoss(hardLossBuilder(c).optClassAxis(-2).build())
                        .build();
        DistillationLoss defaultHard = DistillationLoss.builder().optClassAxis(1).build();
        assertEquals(defaultHard.getHardLoss().getClassAxis(), 1);
        double[] expected = Fixtures.doubles(c.getAsJsonArray("expected"));
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray student = logits(manager, c, "student");
            NDList labels = labels(manager, c, logits(manager, c, "teacher"));
            for (DistillationLoss loss : List.of(fromHard, fromDistill)) {
                double[] value = doubles(loss.evaluate(labels, new NDList(student)));
                assertClose(c.get("name").getAsString(), "value", value, expected, 1e-5, 0);
            }
            // (2, 5, 7) logits with the default hard loss work on axis 1 too.
            NDArray seq = manager.randomNormal(new Shape(2, 5, 7));
            NDArray hardLabels = manager.zeros(new Shape(2, 7), DataType.INT64);
            NDArray out =
                    defaultHard.evaluate(
                            new NDList(hardLabels, manager.randomNormal(new Shape(2, 5, 7))),
                            new NDList(seq));
            assertTrue(Float.isFinite(out.getFloat()), "finite loss on axis 1");
        }
    }

    @Test
    public void alphaOneAcceptsTheTeacherAloneAndIgnoresUnmaskedHardLabels() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray student = manager.randomNormal(new Shape(3, 4, 6));
            NDArray teacher = manager.randomNormal(new Shape(3, 4, 6));
            NDArray hard = manager.create(new long[] {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5});
            hard = hard.reshape(3, 4);
            DistillationLoss loss = DistillationLoss.builder().optAlpha(1f).build();
            float alone = loss.evaluate(new NDList(teacher), new NDList(student)).getFloat();
            float both = loss.evaluate(new NDList(hard, teacher), new NDList(student)).getFloat();
            assertEquals(both, alone, 0f, "[hard, teacher] vs [teacher] at alpha = 1");
            // With an ignore index the hard labels mask the KL term, so the value changes.
            DistillationLoss masked =
                    DistillationLoss.builder()
                            .optAlpha(1f)
                            .optHardLoss(CrossEntropyLoss.builder().optIgnoreIndex(5).build())
                            .build();
            float maskedValue =
                    masked.evaluate(new NDList(hard, teacher), new NDList(student)).getFloat();
            assertTrue(
                    Math.abs(maskedValue - alone) > 1e-4 * Math.abs(alone),
                    "masked " + maskedValue + " vs unmasked " + alone);
            assertEquals(
                    masked.evaluate(new NDList(teacher), new NDList(student)).getFloat(),
                    alone,
                    0f,
                    "no hard labels, nothing masked");
        }
    }

    @Test
    public void alphaZeroIsTheHardLoss() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray student = manager.randomNormal(new Shape(5, 4));
            NDArray teacher = manager.randomNormal(new Shape(5, 4));
            NDArray hard = manager.create(new long[] {3, 1, 0, 2, 1});
            CrossEntropyLoss ce =
                    CrossEntropyLoss.builder()
                            .optWeight(new float[] {1f, 2f, 0.5f, 1.5f})
                            .optLabelSmoothing(0.1f)
                            .build();
            DistillationLoss loss = DistillationLoss.builder().optAlpha(0f).optHardLoss(ce).build();
            assertEquals(
                    loss.evaluate(new NDList(hard, teacher), new NDList(student)).getFloat(),
                    ce.evaluate(new NDList(hard), new NDList(student)).getFloat(),
                    0f);
        }
    }

    @Test
    public void badOptionsAreRejected() {
        assertMessage(
                () -> DistillationLoss.builder().optTemperature(0f).build(), "temperature", "0.0");
        assertMessage(
                () -> DistillationLoss.builder().optTemperature(-1f).build(),
                "temperature",
                "-1.0");
        assertMessage(
                () -> DistillationLoss.builder().optTemperature(Float.NaN).build(),
                "temperature",
                "NaN");
        assertMessage(
                () -> DistillationLoss.builder().optTemperature(Float.POSITIVE_INFINITY).build(),
                "temperature",
                "Infinity");
        assertMessage(() -> DistillationLoss.builder().optAlpha(-0.1f).build(), "alpha", "-0.1");
        assertMessage(() -> DistillationLoss.builder().optAlpha(1.5f).build(), "alpha", "1.5");
        assertMessage(() -> DistillationLoss.builder().optAlpha(Float.NaN).build(), "alpha", "NaN");
        assertMessage(() -> DistillationLoss.builder().optName("").build(), "name");
        assertMessage(() -> DistillationLoss.builder().optClassAxis(0).build(), "classAxis", "0");
        assertMessage(
                () ->
                        DistillationLoss.builder()
                                .optHardLoss(CrossEntropyLoss.builder().optClassAxis(0).build())
                                .build(),
                "classAxis",
                "hard loss");
        assertMessage(
                () ->
                        DistillationLoss.builder()
                                .optClassAxis(1)
                                .optHardLoss(CrossEntropyLoss.builder().optClassAxis(2).build())
                                .build(),
                "classAxis",
                "1",
                "2");
        assertMessage(
                () ->
                        DistillationLoss.builder()
                                .optHardLoss(
                                        CrossEntropyLoss.builder()
                                                .optReduction(Reduction.NONE)
                                                .build())
                                .build(),
                "hardLoss",
                "NONE");
    }

    @Test
    public void badInputsAreRejected() {
        DistillationLoss loss = DistillationLoss.builder().build();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray student = manager.randomNormal(new Shape(4, 5));
            NDArray teacher = manager.randomNormal(new Shape(4, 5));
            NDArray hard = manager.create(new long[] {0, 1, 2, 3});
            NDList predictions = new NDList(student);
            // The teacher missing.
            assertMessage(
                    () -> loss.evaluate(new NDList(hard), predictions),
                    "labels",
                    "teacher logits are missing",
                    "(4)",
                    "alpha = 0.5");
            assertMessage(() -> loss.evaluate(new NDList(), predictions), "labels", "empty");
            assertMessage(() -> loss.evaluate(null, predictions), "labels", "null");
            NDList nullTeacher = new NDList(hard);
            nullTeacher.add(null);
            assertMessage(() -> loss.evaluate(nullTeacher, predictions), "labels", "missing");
            NDList nullHard = new NDList();
            nullHard.add(null);
            nullHard.add(teacher);
            assertMessage(() -> loss.evaluate(nullHard, predictions), "labels", "null");
            assertMessage(
                    () -> loss.evaluate(new NDList(hard, teacher, teacher), predictions),
                    "labels",
                    "3 arrays");
            // Teacher and student shapes differ.
            assertMessage(
                    () ->
                            loss.evaluate(
                                    new NDList(hard, manager.randomNormal(new Shape(4, 6))),
                                    predictions),
                    "teacher",
                    "(4, 6)",
                    "(4, 5)");
            assertMessage(
                    () ->
                            DistillationLoss.builder()
                                    .optAlpha(1f)
                                    .build()
                                    .evaluate(new NDList(hard), predictions),
                    "teacher",
                    "(4)",
                    "(4, 5)",
                    "single label array");
            assertMessage(
                    () ->
                            loss.evaluate(
                                    new NDList(hard, teacher.toType(DataType.INT32, false)),
                                    predictions),
                    "teacher",
                    "floating",
                    "int32");
            // Student logits.
            assertMessage(
                    () -> loss.evaluate(new NDList(hard, teacher), new NDList()), "predictions");
            assertMessage(
                    () ->
                            loss.evaluate(
                                    new NDList(hard, manager.randomNormal(new Shape(5))),
                                    new NDList(manager.randomNormal(new Shape(5)))),
                    "predictions",
                    "(5)");
            assertMessage(
                    () ->
                            loss.evaluate(
                                    new NDList(hard, teacher),
                                    new NDList(student.toType(DataType.INT64, false))),
                    "predictions",
                    "floating",
                    "int64");
            // Hard labels that fit neither indices nor probabilities, or probabilities with an
            // ignore index.
            assertMessage(
                    () ->
                            loss.evaluate(
                                    new NDList(manager.zeros(new Shape(5)), teacher), predictions),
                    "hard labels",
                    "(5)",
                    "(4)");
            DistillationLoss ignoring =
                    DistillationLoss.builder()
                            .optAlpha(1f)
                            .optHardLoss(CrossEntropyLoss.builder().optIgnoreIndex(-100).build())
                            .build();
            assertMessage(
                    () -> ignoring.evaluate(new NDList(teacher.softmax(1), teacher), predictions),
                    "ignore index",
                    "(4)",
                    "(4, 5)");
            // Class axes that only disagree once the rank is known: -1 is axis 2 of 3, not 1.
            DistillationLoss mixed =
                    DistillationLoss.builder()
                            .optClassAxis(-1)
                            .optHardLoss(CrossEntropyLoss.builder().optClassAxis(1).build())
                            .build();
            NDArray seq = manager.randomNormal(new Shape(2, 3, 4));
            assertMessage(
                    () ->
                            mixed.evaluate(
                                    new NDList(manager.zeros(new Shape(2, 3), DataType.INT64), seq),
                                    new NDList(seq)),
                    "classAxis",
                    "axis 2",
                    "axis 1");
            DistillationLoss batchAxis = DistillationLoss.builder().optClassAxis(-3).build();
            assertMessage(
                    () ->
                            batchAxis.evaluate(
                                    new NDList(manager.zeros(new Shape(3, 4), DataType.INT64), seq),
                                    new NDList(seq)),
                    "classAxis",
                    "batch axis");
            assertMessage(
                    () ->
                            DistillationLoss.builder()
                                    .optClassAxis(3)
                                    .build()
                                    .evaluate(new NDList(hard, teacher), predictions),
                    "classAxis",
                    "3",
                    "(4, 5)");
        }
    }

    @Test
    public void extremeLogitsAndMaskedClassesStayFinite() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray student = manager.create(new float[] {1e4f, -1e4f, 0f, -1e4f, 1e4f, 5f});
            student = student.reshape(2, 3);
            NDArray teacher =
                    manager.create(
                            new float[] {Float.NEGATIVE_INFINITY, 1e4f, -1e4f, 1e4f, 0f, -1e4f});
            teacher = teacher.reshape(2, 3);
            student.setRequiresGradient(true);
            DistillationLoss loss =
                    DistillationLoss.builder().optTemperature(1f).optAlpha(0.9f).build();
            float value;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out =
                        loss.evaluate(
                                new NDList(manager.create(new long[] {1, 0}), teacher),
                                new NDList(student));
                value = out.getFloat();
                collector.backward(out);
            }
            assertTrue(Float.isFinite(value), "value " + value);
            for (double g : doubles(student.getGradient())) {
                assertTrue(Double.isFinite(g), "gradient " + g);
            }
        }
    }

    @Test
    public void emptyBatchIsNaN() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray student = manager.zeros(new Shape(0, 5));
            NDArray teacher = manager.zeros(new Shape(0, 5));
            DistillationLoss loss = DistillationLoss.builder().optAlpha(1f).build();
            assertTrue(
                    Float.isNaN(loss.evaluate(new NDList(teacher), new NDList(student)).getFloat()),
                    "0 / 0");
        }
    }

    /**
     * 10,000 evaluate + backward calls under a GradientCollector leave no array behind and do not
     * grow resident memory by 5 MB after a warm-up; the accumulators close theirs too.
     */
    @Test
    public void repeatedCallsDoNotGrowMemory() throws IOException, InterruptedException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            throw new SkipException("no /proc/self/status on this platform");
        }
        DistillationLoss loss =
                DistillationLoss.builder()
                        .optTemperature(3f)
                        .optAlpha(0.7f)
                        .optHardLoss(
                                CrossEntropyLoss.builder()
                                        .optIgnoreIndex(-100)
                                        .optLabelSmoothing(0.1f)
                                        .build())
                        .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray student = manager.randomNormal(new Shape(4, 6, 5));
            NDArray teacher = manager.randomNormal(new Shape(4, 6, 5));
            long[] y = new long[24];
            for (int i = 0; i < y.length; i++) {
                y[i] = i % 7 == 3 ? -100 : i % 5;
            }
            NDList labels = new NDList(manager.create(y, new Shape(4, 6)), teacher);
            NDList predictions = new NDList(student);
            student.setRequiresGradient(true);

            // The allocators settle within the first 2,000 calls.
            step(loss, labels, predictions, 2000);
            long arraysBefore = manager.getManagedArrays().size();
            long rssBefore = settledResidentKb(status);
            step(loss, labels, predictions, 10_000);
            long rssAfter = settledResidentKb(status);
            long arraysAfter = manager.getManagedArrays().size();
            logger.info(
                    "10,000 evaluate + backward calls: VmRSS {} kB -> {} kB, {} -> {} arrays",
                    rssBefore,
                    rssAfter,
                    arraysBefore,
                    arraysAfter);
            assertEquals(arraysAfter, arraysBefore, "arrays left in the caller's manager");
            assertTrue(
                    rssAfter - rssBefore < 5 * 1024,
                    "resident memory grew by " + (rssAfter - rssBefore) + " kB");

            loss.addAccumulator("train");
            for (int i = 0; i < 100; i++) {
                loss.updateAccumulators(new String[] {"train"}, labels, predictions);
            }
            assertEquals(
                    manager.getManagedArrays().size(), arraysBefore, "arrays left by accumulators");
            float single = loss.evaluate(labels, predictions).getFloat();
            assertEquals(loss.getAccumulator("train"), single, 1e-5f * Math.abs(single));
        }
    }

    private static void step(DistillationLoss loss, NDList labels, NDList predictions, int n) {
        for (int i = 0; i < n; i++) {
            if (i % 500 == 0) {
                // DJL makes a direct buffer for every Java-made array (scalar operands included),
                // freed only after a collection; bound how many wait, so that the allocator's
                // high-water mark does not depend on when the collector happens to run.
                System.gc();
            }
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = loss.evaluate(labels, predictions);
                // DJL's backward creates its ones array in the result's manager; scope it.
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    collector.backward(out);
                }
                out.close();
            }
        }
    }

    /**
     * Reads VmRSS once the collector has run and the cleaner has freed unreachable direct buffers
     * (DJL makes one for every scalar operand): the least of three readings.
     */
    private static long settledResidentKb(Path status) throws IOException, InterruptedException {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            least = Math.min(least, residentKb(status));
        }
        return least;
    }

    private static long residentKb(Path status) throws IOException {
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS line in " + status);
    }

    /**
     * A small student MLP trained by EasyTrain with labels [hard, teacher logits] from an
     * ArrayDataset learns the fixed teacher: the distillation loss falls by more than half.
     */
    @Test
    public void easyTrainLowersTheLoss() throws IOException, TranslateException {
        Engine.getInstance().setRandomSeed(1234);
        int n = 256;
        int features = 8;
        int classes = 4;
        DistillationLoss loss =
                DistillationLoss.builder().optTemperature(2f).optAlpha(0.7f).build();
        try (NDManager manager = NDManager.newBaseManager();
                Model model = Model.newInstance("student")) {
            NDArray x = manager.randomNormal(new Shape(n, features));
            NDArray teacherWeights = manager.randomNormal(new Shape(features, classes)).mul(1.5f);
            NDArray teacher = x.dot(teacherWeights);
            NDArray hard = teacher.argMax(1);
            ArrayDataset dataset =
                    new ArrayDataset.Builder()
                            .setData(x)
                            .optLabels(hard, teacher)
                            .setSampling(32, true)
                            .build();
            SequentialBlock block =
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(32).build())
                            .add(Activation::relu)
                            .add(Linear.builder().setUnits(classes).build());
            model.setBlock(block);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(loss)
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(0.01f))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(32, features));
                NDList labels = new NDList(hard, teacher);
                float before = loss.evaluate(labels, trainer.evaluate(new NDList(x))).getFloat();
                EasyTrain.fit(trainer, 8, dataset, null);
                float after = loss.evaluate(labels, trainer.evaluate(new NDList(x))).getFloat();
                logger.info("EasyTrain distillation loss: {} before, {} after", before, after);
                assertTrue(after < 0.5f * before, "loss before " + before + ", after " + after);
            }
        }
    }

    private static void assertMessage(Runnable call, String... fragments) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, call::run);
        for (String fragment : fragments) {
            assertTrue(
                    e.getMessage().contains(fragment),
                    "message \"" + e.getMessage() + "\" should contain \"" + fragment + "\"");
        }
    }

    private static JsonObject find(String name) {
        return CASES.stream()
                .filter(x -> x.get("name").getAsString().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static DataType dtype(JsonObject c) {
        return "float64".equals(c.get("dtype").getAsString()) ? DataType.FLOAT64 : DataType.FLOAT32;
    }

    private static NDArray logits(NDManager manager, JsonObject c, String key) {
        return manager.create(
                        Fixtures.doubles(c.getAsJsonArray(key)),
                        new Shape(Fixtures.longs(c.getAsJsonArray("shape"))))
                .toType(dtype(c), false);
    }

    private static NDList labels(NDManager manager, JsonObject c, NDArray teacher) {
        if ("teacher_only".equals(c.get("labels_form").getAsString())) {
            return new NDList(teacher);
        }
        double[] values = Fixtures.doubles(c.getAsJsonArray("hard"));
        long[] classes = new long[values.length];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = (long) values[i];
        }
        NDArray hard =
                manager.create(classes, new Shape(Fixtures.longs(c.getAsJsonArray("hard_shape"))));
        return new NDList(hard, teacher);
    }

    private static CrossEntropyLoss.Builder hardLossBuilder(JsonObject c) {
        CrossEntropyLoss.Builder b =
                CrossEntropyLoss.builder()
                        .optTemperature(c.get("hard_temperature").getAsFloat())
                        .optLabelSmoothing(c.get("label_smoothing").getAsFloat())
                        .optReduction(
                                Reduction.valueOf(c.get("reduction").getAsString().toUpperCase()));
        if (!c.get("weight").isJsonNull()) {
            double[] w = Fixtures.doubles(c.getAsJsonArray("weight"));
            float[] f = new float[w.length];
            for (int i = 0; i < w.length; i++) {
                f[i] = (float) w[i];
            }
            b.optWeight(f);
        }
        JsonElement ignore = c.get("ignore_index");
        if (!ignore.isJsonNull()) {
            b.optIgnoreIndex(ignore.getAsLong());
        }
        return b;
    }

    private static DistillationLoss lossOf(JsonObject c) {
        int axis = c.get("class_axis").getAsInt();
        return DistillationLoss.builder()
                .optTemperature(c.get("temperature").getAsFloat())
                .optAlpha(c.get("alpha").getAsFloat())
                .optClassAxis(axis)
                .optHardLoss(hardLossBuilder(c).optClassAxis(axis).build())
                .build();
    }

    private static double[] doubles(NDArray array) {
        return array.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
