package io.github.tempered.nn;

import static io.github.tempered.nn.TemperatureSoftmaxTest.doubles;
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
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.gson.JsonObject;
import io.github.tempered.grad.GradCheck;
import io.github.tempered.loss.CrossEntropyLoss;
import io.github.tempered.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.testng.annotations.Test;

/** {@link TemperatureScaledBlock}: scaling, arg-max, saving, training and bad input. */
public class TemperatureScaledBlockTest {

    private static final Shape INPUT = new Shape(16, 4);

    @Test
    public void scalesTheTrainedLogitsAndKeepsTheArgmax() {
        try (Model model = Model.newInstance("mlp")) {
            NDManager manager = model.getNDManager();
            NDArray x = manager.randomNormal(INPUT);
            Block mlp = trainedMlp(model, x);
            double[] raw = forward(mlp, manager, x);

            TemperatureScaledBlock logits = wrap(mlp, 1.7, false, manager);
            double t = logits.getTemperature();
            assertEquals(t, 1.7, 1.7e-7, "T read back from log T");
            double[] scaled = forward(logits, manager, x);
            double[] expected = new double[raw.length];
            for (int i = 0; i < raw.length; i++) {
                expected[i] = raw[i] / t;
            }
            assertClose("logits / T", "value", scaled, expected, 1e-6, 1e-7);
            assertEquals(argmax(scaled, 3), argmax(raw, 3), "arg-max of logits / T");

            TemperatureScaledBlock probs = wrap(mlp, 0.4, true, manager);
            double[] p = forward(probs, manager, x);
            double[] expectedP = softmaxRows(raw, 3, probs.getTemperature());
            assertClose("softmax(logits / T)", "value", p, expectedP, 1e-5, 1e-7);
            assertEquals(argmax(p, 3), argmax(raw, 3), "arg-max of softmax(logits / T)");
            assertFalse(mlp.getParameters().values().stream().anyMatch(q -> !q.isInitialized()));
        }
    }

    @Test
    public void classAxisOneMatchesPyTorchForKDimLogits() {
        JsonObject c =
                Fixtures.cases("temperature_softmax.json").stream()
                        .filter(x -> x.get("name").getAsString().equals("softmax_T0.7_4d_axis1"))
                        .findFirst()
                        .orElseThrow();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = TemperatureSoftmaxTest.array(manager, c, "x", DataType.FLOAT32);
            TemperatureScaledBlock block =
                    TemperatureScaledBlock.builder()
                            .setBlock(LambdaBlock.singleton(a -> a.mul(1)))
                            .setTemperature(c.get("temperature").getAsFloat())
                            .optProbabilities(true)
                            .optClassAxis(1)
                            .build();
            block.initialize(manager, DataType.FLOAT32, x.getShape());
            double[] expected = Fixtures.doubles(c.getAsJsonArray("expected"));
            assertClose(
                    "softmax_T0.7_4d_axis1",
                    "value",
                    forward(block, manager, x),
                    expected,
                    1e-5,
                    1e-6 * maxAbs(expected));
        }
    }

    @Test
    public void wrappedTrainedModelSurvivesSaveAndLoad()
            throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("tempered-tsb");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(INPUT);
            double[] before;
            float temperature;
            try (Model model = Model.newInstance("calibrated")) {
                Block mlp = trainedMlp(model, x);
                TemperatureScaledBlock scaled = wrap(mlp, 2.3, true, model.getNDManager());
                model.setBlock(scaled);
                before = forward(scaled, manager, x);
                temperature = scaled.getTemperature();
                model.save(dir, "calibrated");
            }
            try (Model loaded = Model.newInstance("calibrated")) {
                TemperatureScaledBlock fresh =
                        TemperatureScaledBlock.builder()
                                .setBlock(mlp())
                                .setTemperature(1.0)
                                .build();
                loaded.setBlock(fresh);
                loaded.load(dir, "calibrated");
                assertEquals(fresh.getTemperature(), temperature, "T after load");
                assertTrue(fresh.isProbabilities(), "output mode after load");
                assertClose("load", "output", forward(fresh, manager, x), before, 0, 0);
                assertTrue(fresh.isInitialized());
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    @Test
    public void fixedTemperatureIsNotTrainedWithTheWrappedModelEvenAfterLoad()
            throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("tempered-tsb");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(INPUT);
            try (Model model = Model.newInstance("fixed")) {
                Block mlp = trainedMlp(model, x);
                TemperatureScaledBlock scaled = wrap(mlp, 1.9, false, model.getNDManager());
                model.setBlock(scaled);
                Parameter logT = scaled.getParameters().get("logTemperature");
                assertFalse(logT.requiresGradient(), "fixed by default");
                scaled.freezeParameters(false);
                assertFalse(logT.requiresGradient(), "freezeParameters(false) keeps it fixed");
                float t = scaled.getTemperature();
                double[] weightsBefore = doubles(firstWeight(mlp).getArray());
                train(model, x, 5);
                assertEquals(scaled.getTemperature(), t, "T after training the wrapped model");
                assertNotEquals(
                        doubles(firstWeight(mlp).getArray()),
                        weightsBefore,
                        "the wrapped model did train");
                model.save(dir, "fixed");
            }
            // PtModel.newTrainer unfreezes every parameter of a loaded model's block.
            try (Model loaded = Model.newInstance("fixed")) {
                TemperatureScaledBlock fresh =
                        TemperatureScaledBlock.builder().setBlock(mlp()).setTemperature(1).build();
                loaded.setBlock(fresh);
                loaded.load(dir, "fixed");
                float t = fresh.getTemperature();
                train(loaded, x, 3);
                assertEquals(fresh.getTemperature(), t, "T after training the loaded model");
                assertFalse(
                        fresh.getParameters().get("logTemperature").requiresGradient(),
                        "Model.newTrainer after load keeps a fixed T frozen");
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    @Test
    public void learnableTemperatureIsTrainedAndChecksAgainstFiniteDifferences() {
        try (Model model = Model.newInstance("learnable")) {
            NDManager manager = model.getNDManager();
            NDArray x = manager.randomNormal(INPUT);
            Block mlp = trainedMlp(model, x);
            TemperatureScaledBlock scaled =
                    TemperatureScaledBlock.builder()
                            .setBlock(mlp)
                            .setTemperature(3.0)
                            .optLearnable(true)
                            .build();
            scaled.initialize(manager, DataType.FLOAT32, INPUT);
            model.setBlock(scaled);
            assertTrue(scaled.isLearnable());
            train(model, x, 5);
            assertTrue(
                    Math.abs(scaled.getTemperature() - 3f) > 1e-3,
                    "T moved: " + scaled.getTemperature());
            assertEquals(
                    scaled.getTemperature(new ParameterStore(manager, false)),
                    scaled.getTemperature());

            GradCheck.Result result =
                    GradCheck.builder()
                            .build()
                            .assertBlockGradients(scaled, new NDList(x.get("0:3")));
            assertEquals(
                    result.getCheckedElements(),
                    12
                            + 1
                            + mlp.getParameters().values().stream()
                                    .mapToLong(p -> p.getArray().size())
                                    .sum());
        }
    }

    @Test
    public void outputShapesAreTheWrappedBlocks() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block mlp = mlp();
            TemperatureScaledBlock scaled = wrap(mlp, 1.2, true, manager);
            assertEquals(
                    scaled.getOutputShapes(new Shape[] {INPUT}), new Shape[] {new Shape(16, 3)});
            assertEquals(scaled.getBlock(), mlp);
            assertEquals(scaled.getClassAxis(), -1);
            assertTrue(scaled.toString().contains("probabilities"), scaled.toString());
        }
    }

    @Test
    public void builderRejectsMissingOrBadArguments() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> TemperatureScaledBlock.builder().setTemperature(2).build());
        assertTrue(e.getMessage().startsWith("block"), e.getMessage());
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> TemperatureScaledBlock.builder().setBlock(mlp()).build());
        assertTrue(e.getMessage().startsWith("temperature"), e.getMessage());
        for (double t : new double[] {0, -2, Double.NaN, Double.POSITIVE_INFINITY}) {
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    TemperatureScaledBlock.builder()
                                            .setBlock(mlp())
                                            .setTemperature(t)
                                            .build());
            assertTrue(
                    e.getMessage().startsWith("temperature")
                            && e.getMessage().contains(Double.isNaN(t) ? "NaN" : t + ""),
                    e.getMessage());
        }
    }

    @Test
    public void badLogitsAreRejectedWithTheShape() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray x = manager.ones(new Shape(2, 3));

            TemperatureScaledBlock axis = identity(2, a -> a.mul(1));
            axis.initialize(manager, DataType.FLOAT32, x.getShape());
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> axis.forward(ps, new NDList(x), false));
            assertTrue(
                    e.getMessage().contains("classAxis: 2") && e.getMessage().contains("(2, 3)"),
                    e.getMessage());

            TemperatureScaledBlock integer = identity(-1, a -> a.toType(DataType.INT32, false));
            integer.initialize(manager, DataType.FLOAT32, x.getShape());
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> integer.forward(ps, new NDList(x), false));
            assertTrue(
                    e.getMessage().contains("logits") && e.getMessage().contains("int32"),
                    e.getMessage());

            TemperatureScaledBlock scalar = identity(-1, a -> a.sum());
            scalar.initialize(manager, DataType.FLOAT32, x.getShape());
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> scalar.forward(ps, new NDList(x), false));
            assertTrue(e.getMessage().contains("scalar of shape ()"), e.getMessage());

            TemperatureScaledBlock uninitialized = identity(-1, a -> a.mul(1));
            assertThrows(
                    IllegalStateException.class,
                    () -> uninitialized.forward(ps, new NDList(x), false));
            assertThrows(IllegalStateException.class, () -> uninitialized.getTemperature(ps));
            assertEquals(uninitialized.getTemperature(), 1.5f, "builder's T before init");
        }
    }

    @Test
    public void repeatedForwardPassesLeaveNoArraysBehind() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TemperatureScaledBlock block = identity(-1, a -> a);
            NDArray x = manager.randomNormal(new Shape(4, 6));
            block.initialize(manager, DataType.FLOAT32, x.getShape());
            ParameterStore ps = new ParameterStore(manager, false);
            block.forward(ps, new NDList(x), false).head().close();
            int before = manager.getManagedArrays().size();
            for (int i = 0; i < 2000; i++) {
                block.forward(ps, new NDList(x), false).head().close();
            }
            assertEquals(manager.getManagedArrays().size(), before, "arrays left behind");
        }
    }

    private static TemperatureScaledBlock identity(
            int axis, java.util.function.Function<NDArray, NDArray> f) {
        return TemperatureScaledBlock.builder()
                .setBlock(LambdaBlock.singleton(f))
                .setTemperature(1.5)
                .optClassAxis(axis)
                .build();
    }

    private static TemperatureScaledBlock wrap(
            Block block, double t, boolean probabilities, NDManager manager) {
        TemperatureScaledBlock scaled =
                TemperatureScaledBlock.builder()
                        .setBlock(block)
                        .setTemperature(t)
                        .optProbabilities(probabilities)
                        .build();
        scaled.initialize(manager, DataType.FLOAT32, INPUT);
        return scaled;
    }

    private static Block mlp() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(3).build());
    }

    /** Builds an MLP as {@code model}'s block and trains it a few steps on synthetic labels. */
    private static Block trainedMlp(Model model, NDArray x) {
        Block mlp = mlp();
        model.setBlock(mlp);
        train(model, x, 10);
        return mlp;
    }

    private static void train(Model model, NDArray x, int steps) {
        // Synthetic labels in {0, 1, 2}: how many of the first two features are positive.
        NDArray labels = x.get(":, 0:2").gt(0).toType(DataType.INT64, false).sum(new int[] {1});
        DefaultTrainingConfig config =
                new DefaultTrainingConfig(CrossEntropyLoss.builder().build())
                        .optOptimizer(
                                Optimizer.sgd()
                                        .setLearningRateTracker(Tracker.fixed(0.3f))
                                        .build());
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(x.getShape());
            for (int step = 0; step < steps; step++) {
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDList out = trainer.forward(new NDList(x));
                    gc.backward(trainer.getLoss().evaluate(new NDList(labels), out));
                }
                trainer.step();
            }
        }
    }

    private static Parameter firstWeight(Block mlp) {
        return mlp.getParameters().values().get(0);
    }

    private static double[] forward(Block block, NDManager manager, NDArray x) {
        try (NDArray out =
                block.forward(new ParameterStore(manager, false), new NDList(x), false).head()) {
            return doubles(out);
        }
    }

    private static int[] argmax(double[] rows, int cols) {
        int[] out = new int[rows.length / cols];
        for (int r = 0; r < out.length; r++) {
            int best = 0;
            for (int c = 1; c < cols; c++) {
                if (rows[r * cols + c] > rows[r * cols + best]) {
                    best = c;
                }
            }
            out[r] = best;
        }
        return out;
    }

    private static double[] softmaxRows(double[] logits, int cols, double t) {
        double[] out = new double[logits.length];
        for (int r = 0; r < logits.length / cols; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, logits[r * cols + c] / t);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += Math.exp(logits[r * cols + c] / t - max);
            }
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = Math.exp(logits[r * cols + c] / t - max) / sum;
            }
        }
        return out;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(p);
            }
        }
    }
}
