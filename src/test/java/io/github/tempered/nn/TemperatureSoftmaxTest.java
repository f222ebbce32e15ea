package io.github.tempered.nn;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static io.github.tempered.testing.NumericAssert.maxAbs;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.gson.JsonObject;
import io.github.tempered.grad.GradCheck;
import io.github.tempered.loss.CrossEntropyLoss;
import io.github.tempered.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** {@link TemperatureSoftmax}: parity with PyTorch, initialization, saving and bad input. */
public class TemperatureSoftmaxTest {

    private static final double VALUE_RTOL = 1e-5;
    private static final double GRAD_RTOL = 1e-4;

    private static final List<JsonObject> CASES = Fixtures.cases("temperature_softmax.json");

    @DataProvider(name = "pytorch")
    public static Object[][] pytorchCases() {
        return CASES.stream()
                .map(c -> new Object[] {c.get("name").getAsString()})
                .toArray(Object[][]::new);
    }

    @Test
    public void fixturesCoverEnoughCases() {
        assertTrue(CASES.size() >= 30, "at least 30 PyTorch cases, got " + CASES.size());
        assertTrue(CASES.stream().anyMatch(c -> c.get("learnable").getAsBoolean()));
        assertTrue(CASES.stream().anyMatch(c -> "float64".equals(c.get("dtype").getAsString())));
    }

    @Test(dataProvider = "pytorch")
    public void matchesPyTorch(String name) {
        JsonObject c = find(name);
        boolean learnable = c.get("learnable").getAsBoolean();
        float temperature = c.get("temperature").getAsFloat();
        TemperatureSoftmax block =
                TemperatureSoftmax.builder()
                        .optTemperature(temperature)
                        .optAxis(c.get("axis").getAsInt())
                        .optLog(c.get("log").getAsBoolean())
                        .optLearnable(learnable)
                        .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            DataType dtype = dtype(c);
            NDArray x = array(manager, c, "x", dtype);
            if (learnable) {
                block.initialize(manager, DataType.FLOAT32, x.getShape());
                assertEquals(block.getTemperature(), temperature, 1e-6 * temperature, name + ": T");
            }
            x.setRequiresGradient(true);
            ParameterStore ps = new ParameterStore(manager, false);
            double[] value;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = block.forward(ps, new NDList(x), true).singletonOrThrow();
                assertEquals(out.getDataType(), dtype, name + ": dtype");
                assertEquals(out.getShape(), x.getShape(), name + ": shape");
                value = doubles(out);
                NDArray upstream =
                        manager.create(Fixtures.doubles(c.getAsJsonArray("upstream")))
                                .reshape(out.getShape())
                                .toType(dtype, false);
                collector.backward(out.mul(upstream).sum());
            }
            double[] expected = Fixtures.doubles(c.getAsJsonArray("expected"));
            assertClose(name, "value", value, expected, VALUE_RTOL, 1e-6 * maxAbs(expected));
            double[] expectedGrad = Fixtures.doubles(c.getAsJsonArray("grad_x"));
            assertClose(
                    name,
                    "gradient wrt x",
                    doubles(x.getGradient()),
                    expectedGrad,
                    GRAD_RTOL,
                    1e-6 * maxAbs(expectedGrad));
            if (learnable) {
                NDArray logT = logTemperature(block).getArray();
                double expectedLogTGrad = c.get("grad_log_temperature").getAsDouble();
                assertClose(
                        name,
                        "gradient wrt log T",
                        doubles(logT.getGradient()),
                        new double[] {expectedLogTGrad},
                        GRAD_RTOL,
                        1e-7);
            }
        }
    }

    @Test
    public void fixedTemperatureHasNoParametersAndWorksWithoutInitialization() {
        TemperatureSoftmax block = TemperatureSoftmax.builder().optTemperature(2f).build();
        assertTrue(block.getParameters().isEmpty());
        assertFalse(block.isLearnable());
        assertEquals(block.getTemperature(null), 2f);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1f, 2f, 4f});
            NDArray out =
                    block.forward(new ParameterStore(manager, false), new NDList(x), false).head();
            double e1 = Math.exp(0.5);
            double e2 = Math.exp(1.0);
            double e3 = Math.exp(2.0);
            double sum = e1 + e2 + e3;
            assertClose(
                    "fixed T=2",
                    "value",
                    doubles(out),
                    new double[] {e1 / sum, e2 / sum, e3 / sum},
                    1e-6,
                    0);
        }
    }

    @Test
    public void learnableStartsAtConfiguredTemperatureWhicheverWayItIsInitialized() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Block.initialize.
            TemperatureSoftmax a = learnable(0.35f);
            assertEquals(a.getTemperature(), 0.35f, "before initialization: the starting T");
            a.initialize(manager, DataType.FLOAT32, new Shape(2, 3));
            assertEquals(a.getTemperature(), 0.35f, 1e-7, "Block.initialize");
            assertTrue(logTemperature(a).requiresGradient());
            assertEquals(logTemperature(a).getType(), Parameter.Type.OTHER);

            // A forward pass in training mode initializes on the fly.
            TemperatureSoftmax b = learnable(3f);
            NDArray x = manager.randomNormal(new Shape(2, 3));
            ParameterStore ps = new ParameterStore(manager, false);
            b.forward(ps, new NDList(x), true);
            assertEquals(b.getTemperature(ps), 3f, 3e-7, "forward(training)");

            // Trainer.initialize, even with an initializer configured for WEIGHT parameters.
            TemperatureSoftmax c = learnable(5f);
            try (Model model = Model.newInstance("ts");
                    Trainer trainer =
                            newTrainer(
                                    model,
                                    c,
                                    new DefaultTrainingConfig(CrossEntropyLoss.builder().build())
                                            .optInitializer(
                                                    new NormalInitializer(10f),
                                                    Parameter.Type.WEIGHT))) {
                trainer.initialize(new Shape(2, 3));
                assertEquals(c.getTemperature(), 5f, 5e-7, "Trainer.initialize");
            }
        }
    }

    @Test
    public void uninitializedLearnableTemperatureIsReported() {
        TemperatureSoftmax block = learnable(2f);
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            NDList in = new NDList(manager.ones(new Shape(2, 3)));
            IllegalStateException e =
                    expectThrows(IllegalStateException.class, () -> block.forward(ps, in, false));
            assertTrue(e.getMessage().contains("initialize"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> block.getTemperature(ps));
        }
    }

    @Test
    public void gradientWithRespectToInputAndTemperatureMatchesFiniteDifferences() {
        GradCheck check = GradCheck.builder().build();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(3, 4)).mul(2);
            for (boolean log : new boolean[] {false, true}) {
                TemperatureSoftmax learnable =
                        TemperatureSoftmax.builder()
                                .optTemperature(0.7f)
                                .optLearnable(true)
                                .optLog(log)
                                .optAxis(0)
                                .build();
                learnable.initialize(manager, DataType.FLOAT32, x.getShape());
                GradCheck.Result result = check.assertBlockGradients(learnable, new NDList(x));
                assertEquals(result.getCheckedElements(), 13, "12 inputs and log T");

                TemperatureSoftmax fixed =
                        TemperatureSoftmax.builder().optTemperature(2.5f).optLog(log).build();
                fixed.initialize(manager, DataType.FLOAT32, x.getShape());
                assertEquals(
                        check.assertBlockGradients(fixed, new NDList(x)).getCheckedElements(), 12);
            }
        }
    }

    @Test
    public void learnableTemperatureSurvivesSaveAndLoad()
            throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("tempered-ts");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = manager.randomNormal(new Shape(8, 5)).mul(3);
            NDArray labels = manager.create(new long[] {0, 1, 2, 3, 4, 0, 1, 2});
            float trained;
            double[] before;
            try (Model model = Model.newInstance("ts")) {
                TemperatureSoftmax block =
                        TemperatureSoftmax.builder()
                                .optTemperature(1.5f)
                                .optLearnable(true)
                                .optLog(true)
                                .build();
                try (Trainer trainer =
                        newTrainer(
                                model,
                                block,
                                new DefaultTrainingConfig(CrossEntropyLoss.builder().build())
                                        .optOptimizer(
                                                Optimizer.sgd()
                                                        .setLearningRateTracker(Tracker.fixed(0.5f))
                                                        .build()))) {
                    trainer.initialize(logits.getShape());
                    for (int step = 0; step < 5; step++) {
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList out = trainer.forward(new NDList(logits));
                            gc.backward(trainer.getLoss().evaluate(new NDList(labels), out));
                        }
                        trainer.step();
                    }
                }
                trained = block.getTemperature();
                assertTrue(Math.abs(trained - 1.5f) > 1e-3, "training moved T: " + trained);
                before = forward(block, manager, logits);
                model.save(dir, "ts");
            }
            try (Model loaded = Model.newInstance("ts")) {
                TemperatureSoftmax fresh =
                        TemperatureSoftmax.builder().optLearnable(true).optLog(true).build();
                loaded.setBlock(fresh);
                loaded.load(dir, "ts");
                assertEquals(fresh.getTemperature(), trained, "T after load");
                assertClose("load", "output", forward(fresh, manager, logits), before, 0, 0);
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    @Test
    public void fixedConfigurationSurvivesSaveAndLoad()
            throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("tempered-ts");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(2, 3, 4));
            double[] before;
            try (Model model = Model.newInstance("fixed")) {
                TemperatureSoftmax block =
                        TemperatureSoftmax.builder()
                                .optTemperature(0.4f)
                                .optAxis(1)
                                .optLog(true)
                                .build();
                model.setBlock(block);
                block.initialize(model.getNDManager(), DataType.FLOAT32, x.getShape());
                before = forward(block, manager, x);
                model.save(dir, "fixed");
            }
            try (Model loaded = Model.newInstance("fixed")) {
                TemperatureSoftmax fresh = TemperatureSoftmax.builder().build();
                loaded.setBlock(fresh);
                loaded.load(dir, "fixed");
                assertEquals(fresh.getTemperature(), 0.4f);
                assertEquals(fresh.getAxis(), 1);
                assertTrue(fresh.isLog());
                assertClose("load fixed", "output", forward(fresh, manager, x), before, 0, 0);
            }
            try (Model mismatch = Model.newInstance("fixed")) {
                mismatch.setBlock(TemperatureSoftmax.builder().optLearnable(true).build());
                MalformedModelException e =
                        expectThrows(
                                MalformedModelException.class, () -> mismatch.load(dir, "fixed"));
                assertTrue(e.getMessage().contains("optLearnable(true)"), e.getMessage());
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    @Test
    public void badTemperatureIsRejectedByTheBuilder() {
        for (float t : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> TemperatureSoftmax.builder().optTemperature(t).build());
            assertTrue(
                    e.getMessage().contains("temperature") && e.getMessage().contains(t + ""),
                    e.getMessage());
        }
    }

    @Test
    public void badInputIsRejectedWithTheShape() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            TemperatureSoftmax axis2 = TemperatureSoftmax.builder().optAxis(2).build();
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    axis2.forward(
                                            ps, new NDList(manager.ones(new Shape(2, 3))), false));
            assertTrue(
                    e.getMessage().contains("axis: 2") && e.getMessage().contains("(2, 3)"),
                    e.getMessage());
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> axis2.getOutputShapes(new Shape[] {new Shape(4)}));
            assertTrue(e.getMessage().contains("axis: 2"), e.getMessage());

            TemperatureSoftmax block = TemperatureSoftmax.builder().build();
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    block.forward(
                                            ps,
                                            new NDList(manager.create(new int[] {1, 2, 3})),
                                            false));
            assertTrue(
                    e.getMessage().contains("input")
                            && e.getMessage().contains("int32")
                            && e.getMessage().contains("(3)"),
                    e.getMessage());
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> block.forward(ps, new NDList(manager.create(1f)), false));
            assertTrue(e.getMessage().contains("scalar of shape ()"), e.getMessage());
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    block.forward(
                                            ps,
                                            new NDList(
                                                    manager.ones(new Shape(2)),
                                                    manager.ones(new Shape(2))),
                                            false));
            assertTrue(e.getMessage().contains("exactly one array"), e.getMessage());
        }
    }

    @Test
    public void outputShapeIsInputShape() {
        TemperatureSoftmax block = TemperatureSoftmax.builder().optAxis(1).build();
        Shape shape = new Shape(2, 5, 3);
        assertEquals(block.getOutputShapes(new Shape[] {shape}), new Shape[] {shape});
    }

    @Test
    public void halfPrecisionStaysHalfPrecision() {
        TemperatureSoftmax block = TemperatureSoftmax.builder().optTemperature(0.5f).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(3, 4));
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray half =
                    block.forward(ps, new NDList(x.toType(DataType.FLOAT16, false)), false).head();
            assertEquals(half.getDataType(), DataType.FLOAT16);
            double[] reference =
                    forward(
                            block,
                            manager,
                            x.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false));
            assertClose("float16", "value", doubles(half), reference, 2e-3, 1e-4);
        }
    }

    @Test
    public void extremeLogitsGiveFiniteLogProbabilities() {
        TemperatureSoftmax block =
                TemperatureSoftmax.builder().optTemperature(0.1f).optLog(true).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            double[] out = forward(block, manager, manager.create(new float[] {1e4f, -1e4f, 0f}));
            assertTrue(Stream.of(out[0], out[1], out[2]).allMatch(Double::isFinite));
            assertEquals(out[0], 0.0, 1e-6);
            assertEquals(out[1], -2e5, 1.0);
        }
    }

    @Test
    public void repeatedForwardPassesLeaveNoArraysBehind() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TemperatureSoftmax block = learnable(1.3f);
            NDArray x = manager.randomNormal(new Shape(4, 6));
            block.initialize(manager, DataType.FLOAT32, x.getShape());
            ParameterStore ps = new ParameterStore(manager, false);
            block.forward(ps, new NDList(x), false).head().close(); // warm up the store
            int before = manager.getManagedArrays().size();
            for (int i = 0; i < 2000; i++) {
                block.forward(ps, new NDList(x), false).head().close();
            }
            assertEquals(manager.getManagedArrays().size(), before, "arrays left behind");
        }
    }

    @Test
    public void toStringNamesTheConfiguration() {
        String s = TemperatureSoftmax.builder().optTemperature(2f).optLog(true).build().toString();
        assertTrue(s.contains("temperature=2.0") && s.contains("log"), s);
        assertNotEquals(learnable(1f).toString(), s);
    }

    private static TemperatureSoftmax learnable(float t) {
        return TemperatureSoftmax.builder().optTemperature(t).optLearnable(true).build();
    }

    private static Trainer newTrainer(
            Model model, TemperatureSoftmax block, DefaultTrainingConfig config) {
        model.setBlock(block);
        return model.newTrainer(config);
    }

    static Parameter logTemperature(TemperatureSoftmax block) {
        return block.getParameters().get("logTemperature");
    }

    private static double[] forward(TemperatureSoftmax block, NDManager manager, NDArray x) {
        try (NDArray out =
                block.forward(new ParameterStore(manager, false), new NDList(x), false).head()) {
            return doubles(out);
        }
    }

    private static JsonObject find(String name) {
        return CASES.stream()
                .filter(x -> x.get("name").getAsString().equals(name))
                .findFirst()
                .orElseThrow();
    }

    static DataType dtype(JsonObject c) {
        return "float64".equals(c.get("dtype").getAsString()) ? DataType.FLOAT64 : DataType.FLOAT32;
    }

    static NDArray array(NDManager manager, JsonObject c, String key, DataType dtype) {
        return manager.create(
                        Fixtures.doubles(c.getAsJsonArray(key)),
                        new Shape(Fixtures.longs(c.getAsJsonArray(key + "_shape"))))
                .toType(dtype, false);
    }

    static double[] doubles(NDArray array) {
        try (NDArray wide = array.toType(DataType.FLOAT64, true)) {
            return wide.toDoubleArray();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(p);
            }
        }
    }
}
