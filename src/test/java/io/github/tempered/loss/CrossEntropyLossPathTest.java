package io.github.tempered.loss;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Every computation path of {@link CrossEntropyLoss} ({@link LogSoftmaxDot}, the {@link
 * CrossEntropyChunk} surrogate and the general graph) against the PyTorch fixtures, and against
 * each other on inputs too large for fixtures.
 */
public class CrossEntropyLossPathTest {

    @DataProvider(name = "casesByPath")
    public static Object[][] casesByPath() {
        List<Object[]> rows = new ArrayList<>();
        for (CrossEntropyLoss.Path path : CrossEntropyLoss.Path.values()) {
            for (JsonObject c : CrossEntropyLossTest.CASES) {
                rows.add(new Object[] {path, c.get("name").getAsString()});
            }
        }
        return rows.toArray(new Object[0][]);
    }

    @Test(dataProvider = "casesByPath")
    public void everyPathMatchesPyTorch(CrossEntropyLoss.Path path, String name) {
        JsonObject c = CrossEntropyLossTest.byName(name);
        CrossEntropyLoss loss = CrossEntropyLossTest.builderOf(c).path(path).build();
        CrossEntropyLossTest.assertMatches(c, loss);
    }

    @DataProvider(name = "options")
    public static Object[][] options() {
        float[] weight = new float[700];
        for (int k = 0; k < weight.length; k++) {
            weight[k] = 0.5f + (k % 7) / 4f;
        }
        return new Object[][] {
            {"plain mean", CrossEntropyLoss.builder(), false},
            {
                "sum T=0.7",
                CrossEntropyLoss.builder().optReduction(Reduction.SUM).optTemperature(0.7f),
                false
            },
            {"weights", CrossEntropyLoss.builder().optWeight(weight), false},
            {"ignore", CrossEntropyLoss.builder().optIgnoreIndex(-100), true},
            {"smoothing", CrossEntropyLoss.builder().optLabelSmoothing(0.2f), false},
            {
                "all options",
                CrossEntropyLoss.builder()
                        .optWeight(weight)
                        .optIgnoreIndex(-100)
                        .optLabelSmoothing(0.1f)
                        .optTemperature(1.7f),
                true
            },
            {
                "weights and smoothing, sum",
                CrossEntropyLoss.builder()
                        .optWeight(weight)
                        .optLabelSmoothing(0.3f)
                        .optReduction(Reduction.SUM),
                false
            },
        };
    }

    /**
     * 96 x 700 logits: AUTO takes the softmax gather where there is no smoothing and the graph
     * where there is; DENSE, SOFTMAX and SURROGATE are forced.
     */
    @Test(dataProvider = "options")
    public void surrogateAndDenseMatchTheGraphOnLargerInputs(
            String name, CrossEntropyLoss.Builder builder, boolean ignoreSome) {
        int n = 96;
        int c = 700;
        long[] y = labels(name.hashCode(), n, c, ignoreSome);
        double[][] graph = run(builder.path(CrossEntropyLoss.Path.GRAPH).build(), n, c, y);
        for (CrossEntropyLoss.Path path :
                new CrossEntropyLoss.Path[] {
                    CrossEntropyLoss.Path.AUTO,
                    CrossEntropyLoss.Path.DENSE,
                    CrossEntropyLoss.Path.SOFTMAX,
                    CrossEntropyLoss.Path.SURROGATE
                }) {
            double[][] other = run(builder.path(path).build(), n, c, y);
            assertClose(name + " " + path, "value", other[0], graph[0], 1e-5, 1e-7);
            assertClose(name + " " + path, "gradient", other[1], graph[1], 1e-4, 1e-8);
        }
    }

    /** float64 logits stay float64 on every path, to float64 precision against the graph. */
    @Test(dataProvider = "options")
    public void everyPathMatchesTheGraphInDoublePrecision(
            String name, CrossEntropyLoss.Builder builder, boolean ignoreSome) {
        int n = 48;
        int c = 700;
        long[] y = labels(name.hashCode() + 1, n, c, ignoreSome);
        double[][] graph =
                run(builder.path(CrossEntropyLoss.Path.GRAPH).build(), n, c, y, false, true);
        for (CrossEntropyLoss.Path path : CrossEntropyLoss.Path.values()) {
            double[][] other = run(builder.path(path).build(), n, c, y, false, true);
            assertClose(name + " float64 " + path, "value", other[0], graph[0], 1e-12, 1e-15);
            assertClose(name + " float64 " + path, "gradient", other[1], graph[1], 1e-10, 1e-15);
        }
    }

    /**
     * Logits that are a transposed view (not contiguous): every path, including those that address
     * the softmax output through a flat view, matches the graph.
     */
    @Test(dataProvider = "options")
    public void everyPathMatchesTheGraphOnTransposedLogits(
            String name, CrossEntropyLoss.Builder builder, boolean ignoreSome) {
        int n = 40;
        int c = 700;
        long[] y = labels(name.hashCode() + 2, n, c, ignoreSome);
        double[][] graph =
                runTransposed(builder.path(CrossEntropyLoss.Path.GRAPH).build(), n, c, y);
        for (CrossEntropyLoss.Path path : CrossEntropyLoss.Path.values()) {
            double[][] other = runTransposed(builder.path(path).build(), n, c, y);
            assertClose(name + " transposed " + path, "value", other[0], graph[0], 1e-5, 1e-7);
            assertClose(name + " transposed " + path, "gradient", other[1], graph[1], 1e-4, 1e-8);
        }
    }

    /** Value and gradient for logits given as the transposed view of a (C, N) array. */
    private static double[][] runTransposed(CrossEntropyLoss loss, int n, int c, long[] y) {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(13);
            NDArray base = manager.randomNormal(new Shape(c, n)).mul(3);
            return valueAndGradient(loss, manager.create(y), base, () -> base.transpose(1, 0));
        }
    }

    /**
     * Evaluates the loss on {@code logits.get()} in a gradient collector and returns {value,
     * gradient of {@code leaf}} in float64.
     */
    private static double[][] valueAndGradient(
            CrossEntropyLoss loss, NDArray labels, NDArray leaf, Supplier<NDArray> logits) {
        leaf.setRequiresGradient(true);
        double[] value;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray out = loss.evaluate(new NDList(labels), new NDList(logits.get()));
            value = out.toType(DataType.FLOAT64, false).toDoubleArray();
            collector.backward(out);
        }
        double[] grad = leaf.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
        return new double[][] {value, grad};
    }

    /** Class indices uniform over {@code [0, c)}, every ninth (i % 9 == 4) -100 if asked. */
    private static long[] labels(int seed, int n, int c, boolean ignoreSome) {
        Random random = new Random(seed);
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = ignoreSome && i % 9 == 4 ? -100 : random.nextInt(c);
        }
        return y;
    }

    /** -inf logits (masked classes) would turn 0 * -inf into NaN in a dot product. */
    @Test
    public void infiniteLogitsFallBackToTheGraph() {
        int n = 4;
        int c = 6;
        long[] y = {0, 2, 5, 1};
        for (CrossEntropyLoss.Path path : CrossEntropyLoss.Path.values()) {
            double[][] out =
                    run(CrossEntropyLoss.builder().path(path).build(), n, c, y, true /* mask */);
            double[][] graph =
                    run(
                            CrossEntropyLoss.builder().path(CrossEntropyLoss.Path.GRAPH).build(),
                            n,
                            c,
                            y,
                            true);
            assertEquals(Double.isFinite(out[0][0]), true, path + ": finite value " + out[0][0]);
            assertClose("masked " + path, "value", out[0], graph[0], 1e-6, 0);
            assertClose("masked " + path, "gradient", out[1], graph[1], 1e-6, 0);
        }
    }

    @Test
    public void everyPathLeavesOnlyItsResultInTheCallersManager() {
        float[] weight = new float[700];
        java.util.Arrays.fill(weight, 1.5f);
        weight[3] = 0.5f;
        for (CrossEntropyLoss.Path path : CrossEntropyLoss.Path.values()) {
            CrossEntropyLoss loss =
                    CrossEntropyLoss.builder()
                            .path(path)
                            .optWeight(weight)
                            .optIgnoreIndex(-1)
                            .optLabelSmoothing(0.1f)
                            .optTemperature(1.3f)
                            .build();
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray logits = manager.randomNormal(new Shape(40, 700));
                logits.setRequiresGradient(true);
                long[] y = new long[40];
                for (int i = 0; i < y.length; i++) {
                    y[i] = i % 8 == 1 ? -1 : (i * 37L) % 700;
                }
                NDArray labels = manager.create(y);
                int before = manager.getManagedArrays().size();
                for (int i = 0; i < 20; i++) {
                    try (GradientCollector collector =
                            Engine.getInstance().newGradientCollector()) {
                        NDArray value = loss.evaluate(new NDList(labels), new NDList(logits));
                        assertEquals(
                                manager.getManagedArrays().size(),
                                before + 1,
                                path + ": only the result is added");
                        try (NDManager perCall = manager.newSubManager()) {
                            value.tempAttach(perCall);
                            collector.backward(value);
                        }
                        value.close();
                    }
                }
                assertEquals(
                        manager.getManagedArrays().size(),
                        before,
                        path + ": nothing left after close");
            }
        }
    }

    /**
     * float16 logits: computed in float32 on every path, the gradient flows back in float16; with
     * and without smoothing (the softmax gather applies only without).
     */
    @Test
    public void halfPrecisionLogitsGetGradientsOnEveryPath() {
        for (CrossEntropyLoss.Path path : CrossEntropyLoss.Path.values()) {
            for (float smoothing : new float[] {0.1f, 0f}) {
                CrossEntropyLoss loss =
                        CrossEntropyLoss.builder()
                                .path(path)
                                .optLabelSmoothing(smoothing)
                                .optTemperature(0.8f)
                                .build();
                assertHalfMatchesSingle(
                        path + " float16 " + loss.getOptions(),
                        loss,
                        new Shape(6, 9),
                        new long[] {0, 8, 2, 1, 4, 4});
            }
        }
    }

    /**
     * Asserts that {@code loss} of random float16 logits is float32 and equals the loss of the same
     * logits widened to float32, and that the gradient comes back as float16, equal to the float32
     * one to float16 rounding.
     *
     * @param label how failures name the case
     * @param loss the loss
     * @param shape the logits' shape
     * @param classes the class-index targets
     */
    static void assertHalfMatchesSingle(
            String label, CrossEntropyLoss loss, Shape shape, long[] classes) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray half = manager.randomNormal(shape).toType(DataType.FLOAT16, false);
            NDArray single = half.toType(DataType.FLOAT32, false);
            NDArray labels = manager.create(classes);
            double[][] grads = new double[2][];
            double[] values = new double[2];
            NDArray[] inputs = {half, single};
            for (int k = 0; k < 2; k++) {
                inputs[k].setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray out = loss.evaluate(new NDList(labels), new NDList(inputs[k]));
                    assertEquals(out.getDataType(), DataType.FLOAT32, label + ": result dtype");
                    values[k] = out.getFloat();
                    collector.backward(out);
                }
                NDArray g = inputs[k].getGradient();
                assertEquals(g.getDataType(), inputs[k].getDataType(), label + ": grad dtype");
                grads[k] = g.toType(DataType.FLOAT64, false).toDoubleArray();
            }
            assertClose(
                    label, "value", new double[] {values[0]}, new double[] {values[1]}, 1e-6, 0);
            // The gradient is rounded to float16 on its way back.
            assertClose(label, "gradient", grads[0], grads[1], 1e-2, 1e-3);
        }
    }

    private static double[][] run(CrossEntropyLoss loss, int n, int c, long[] y) {
        return run(loss, n, c, y, false);
    }

    private static double[][] run(CrossEntropyLoss loss, int n, int c, long[] y, boolean mask) {
        return run(loss, n, c, y, mask, false);
    }

    private static double[][] run(
            CrossEntropyLoss loss, int n, int c, long[] y, boolean mask, boolean float64) {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(11);
            NDArray logits = manager.randomNormal(new Shape(n, c)).mul(3);
            if (float64) {
                logits = logits.toType(DataType.FLOAT64, false);
            }
            if (mask) {
                // Class 3 is masked out everywhere (no target is 3).
                float[] m = new float[n * c];
                for (int i = 0; i < n; i++) {
                    m[i * c + 3] = Float.NEGATIVE_INFINITY;
                }
                logits = logits.add(manager.create(m, new Shape(n, c)));
            }
            NDArray leaf = logits;
            return valueAndGradient(loss, manager.create(y), leaf, () -> leaf);
        }
    }
}
