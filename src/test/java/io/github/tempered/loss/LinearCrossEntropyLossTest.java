package io.github.tempered.loss;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static io.github.tempered.testing.NumericAssert.maxAbs;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tempered.grad.GradCheck;
import io.github.tempered.internal.OwnedArrays;
import io.github.tempered.testing.Fixtures;
import io.github.tempered.testing.ResidentMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * {@link LinearCrossEntropyLoss}: values and gradients (hidden states, weight, bias) against
 * PyTorch and against the naive Linear + {@link CrossEntropyLoss}, for several chunk sizes; bad
 * input; resource hygiene.
 */
public class LinearCrossEntropyLossTest {

    private static final Logger LOG = LoggerFactory.getLogger(LinearCrossEntropyLossTest.class);
    private static final double VALUE_RTOL = 1e-5;
    private static final double GRAD_RTOL = 1e-4;
    private static final List<JsonObject> CASES = Fixtures.cases("linear_cross_entropy.json");

    /**
     * Chunk sizes: automatic (one chunk here), one row at a time, and a size that leaves a rest.
     */
    private static final int[] CHUNKS = {0, 1, 4};

    @DataProvider(name = "pytorch")
    public static Object[][] pytorchCases() {
        List<Object[]> rows = new ArrayList<>();
        for (JsonObject c : CASES) {
            for (int chunk : CHUNKS) {
                rows.add(new Object[] {c.get("name").getAsString(), chunk});
            }
        }
        return rows.toArray(new Object[0][]);
    }

    @Test
    public void fixturesCoverEnoughCases() {
        assertTrue(CASES.size() >= 10, "at least 10 PyTorch cases, got " + CASES.size());
    }

    @Test(dataProvider = "pytorch")
    public void matchesPyTorch(String name, int chunk) {
        JsonObject c =
                CASES.stream()
                        .filter(x -> x.get("name").getAsString().equals(name))
                        .findFirst()
                        .orElseThrow();
        String label = name + " (chunk " + chunk + ")";
        DataType type =
                "float64".equals(c.get("dtype").getAsString())
                        ? DataType.FLOAT64
                        : DataType.FLOAT32;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray hidden = array(manager, c, "hidden", "hidden_shape", type);
            NDArray weight = array(manager, c, "weight", "weight_shape", type);
            NDArray bias =
                    c.get("bias").isJsonNull()
                            ? null
                            : manager.create(Fixtures.doubles(c.getAsJsonArray("bias")))
                                    .toType(type, false);
            NDArray labels =
                    manager.create(
                            toLongs(Fixtures.doubles(c.getAsJsonArray("target"))),
                            new Shape(Fixtures.longs(c.getAsJsonArray("target_shape"))));
            LinearCrossEntropyLoss loss = lossOf(c, chunk);
            NDList predictions =
                    bias == null ? new NDList(hidden, weight) : new NDList(hidden, weight, bias);
            for (NDArray p : predictions) {
                p.setRequiresGradient(true);
            }
            double value;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = loss.evaluate(new NDList(labels), predictions);
                assertEquals(out.getShape(), new Shape(), label + ": scalar result");
                assertEquals(out.getDataType(), type, label + ": result dtype");
                value = out.toType(DataType.FLOAT64, false).toDoubleArray()[0];
                double upstream = c.get("upstream").getAsDouble();
                collector.backward(out.mul(OwnedArrays.scalar(manager, upstream, type)));
            }
            double[] expected = Fixtures.doubles(c.getAsJsonArray("expected"));
            assertClose(
                    label,
                    "value",
                    new double[] {value},
                    expected,
                    VALUE_RTOL,
                    1e-6 * maxAbs(expected));
            assertGradient(label, "grad_hidden", hidden, c);
            assertGradient(label, "grad_weight", weight, c);
            if (bias != null) {
                assertGradient(label, "grad_bias", bias, c);
            }
        }
    }

    @DataProvider(name = "naive")
    public static Object[][] naiveOptions() {
        float[] classWeight = new float[1500];
        for (int k = 0; k < classWeight.length; k++) {
            classWeight[k] = 0.4f + (k % 5) / 3f;
        }
        return new Object[][] {
            {"plain", LinearCrossEntropyLoss.builder(), CrossEntropyLoss.builder(), false, false},
            {
                "all options with bias",
                LinearCrossEntropyLoss.builder()
                        .optTemperature(1.3f)
                        .optWeight(classWeight)
                        .optIgnoreIndex(-100)
                        .optLabelSmoothing(0.1f),
                CrossEntropyLoss.builder()
                        .optTemperature(1.3f)
                        .optWeight(classWeight)
                        .optIgnoreIndex(-100)
                        .optLabelSmoothing(0.1f),
                true,
                true
            },
            {
                "sum, smoothing",
                LinearCrossEntropyLoss.builder()
                        .optReduction(Reduction.SUM)
                        .optLabelSmoothing(0.2f),
                CrossEntropyLoss.builder().optReduction(Reduction.SUM).optLabelSmoothing(0.2f),
                false,
                false
            },
        };
    }

    /** Parity with Linear + CrossEntropyLoss at 257 x 40 x 1500, values and gradients, to 1e-4. */
    @Test(dataProvider = "naive")
    public void matchesNaiveLinearPlusCrossEntropy(
            String name,
            LinearCrossEntropyLoss.Builder chunked,
            CrossEntropyLoss.Builder naive,
            boolean withBias,
            boolean ignoreSome) {
        int n = 257;
        int d = 40;
        int v = 1500;
        Random random = new Random(name.hashCode());
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = ignoreSome && i % 7 == 2 ? -100 : random.nextInt(v);
        }
        double[][] reference = runNaive(naive.build(), n, d, v, y, withBias);
        for (int chunk : new int[] {0, 64, 100, 257}) {
            if (chunk > 0) {
                chunked.optChunkSize(chunk);
            }
            double[][] out = runChunked(chunked.build(), n, d, v, y, withBias);
            String label = name + " (chunk " + chunk + ")";
            assertClose(label, "value", out[0], reference[0], 1e-4, 0);
            for (int k = 1; k < reference.length; k++) {
                assertClose(
                        label,
                        k == 1 ? "grad_hidden" : k == 2 ? "grad_weight" : "grad_bias",
                        out[k],
                        reference[k],
                        1e-4,
                        1e-4 * maxAbs(reference[k]));
            }
        }
    }

    @Test
    public void passesGradCheckInFloat64() {
        LinearCrossEntropyLoss loss =
                LinearCrossEntropyLoss.builder()
                        .optChunkSize(2)
                        .optTemperature(0.9f)
                        .optLabelSmoothing(0.1f)
                        .optIgnoreIndex(-1)
                        .optWeight(new float[] {1, 0.5f, 2, 1.5f, 1, 0.8f, 1.2f})
                        .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            NDArray hidden = manager.randomNormal(new Shape(5, 3), DataType.FLOAT64);
            NDArray weight = manager.randomNormal(new Shape(7, 3), DataType.FLOAT64);
            NDArray bias = manager.randomNormal(new Shape(7), DataType.FLOAT64);
            NDArray labels = manager.create(new long[] {3, -1, 0, 6, 3});
            GradCheck.Result result =
                    GradCheck.builder()
                            .build()
                            .check(
                                    in ->
                                            loss.evaluate(
                                                    new NDList(in.get(3)),
                                                    new NDList(in.get(0), in.get(1), in.get(2))),
                                    new NDList(hidden, weight, bias, labels));
            assertTrue(result.passed(), result.toString());
            assertEquals(result.getCheckedElements(), 15 + 21 + 7);
        }
    }

    /** A frozen body (hidden states without gradient): only the weight's gradient is computed. */
    @Test
    public void onlyTheInputsThatRequireAGradientGetOne() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(9);
            NDArray hidden = manager.randomNormal(new Shape(10, 4));
            NDArray weight = manager.randomNormal(new Shape(30, 4));
            NDArray bias = manager.randomNormal(new Shape(30));
            NDArray labels = manager.create(new long[] {1, 5, 29, 0, 3, 3, 7, 12, 18, 22});
            weight.setRequiresGradient(true);
            double chunked;
            double naive;
            double[] chunkedGrad;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out =
                        b().optChunkSize(3)
                                .build()
                                .evaluate(new NDList(labels), new NDList(hidden, weight, bias));
                chunked = out.getFloat();
                collector.backward(out);
            }
            chunkedGrad = weight.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
            weight.getGradient().subi(weight.getGradient());
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out =
                        CrossEntropyLoss.builder()
                                .build()
                                .evaluate(
                                        new NDList(labels),
                                        new NDList(hidden.matMul(weight.transpose()).add(bias)));
                naive = out.getFloat();
                collector.backward(out);
            }
            double[] naiveGrad =
                    weight.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
            assertClose(
                    "frozen body", "value", new double[] {chunked}, new double[] {naive}, 1e-5, 0);
            assertClose("frozen body", "grad_weight", chunkedGrad, naiveGrad, 1e-4, 1e-7);
            assertFalse(hidden.hasGradient(), "the hidden states get no gradient");
        }
    }

    @Test
    @SuppressWarnings("try") // the collector is never read: opening it is what the test needs
    public void outsideAGradientCollectorOnlyTheValueIsComputed() {
        LinearCrossEntropyLoss loss =
                LinearCrossEntropyLoss.builder().optChunkSize(3).optLabelSmoothing(0.1f).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray hidden = manager.randomNormal(new Shape(8, 4));
            NDArray weight = manager.randomNormal(new Shape(9, 4));
            NDArray labels = manager.create(new long[] {0, 1, 2, 3, 4, 5, 6, 7});
            weight.setRequiresGradient(true);
            NDArray outside = loss.evaluate(new NDList(labels), new NDList(hidden, weight));
            double inside;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = loss.evaluate(new NDList(labels), new NDList(hidden, weight));
                inside = out.getFloat();
            }
            assertClose(
                    "value outside a collector",
                    "value",
                    new double[] {outside.getFloat()},
                    new double[] {inside},
                    1e-6,
                    0);
            NDArray naive =
                    CrossEntropyLoss.builder()
                            .optLabelSmoothing(0.1f)
                            .build()
                            .evaluate(
                                    new NDList(labels),
                                    new NDList(hidden.matMul(weight.transpose())));
            assertClose(
                    "value against the naive loss",
                    "value",
                    new double[] {outside.getFloat()},
                    new double[] {naive.getFloat()},
                    1e-5,
                    0);
        }
    }

    @Test
    public void evaluateLeavesOnlyItsResultAndResidentMemoryStaysFlat() {
        LinearCrossEntropyLoss loss =
                LinearCrossEntropyLoss.builder()
                        .optChunkSize(6)
                        .optLabelSmoothing(0.1f)
                        .optIgnoreIndex(-1)
                        .optTemperature(1.5f)
                        .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray hidden = manager.randomNormal(new Shape(12, 6));
            NDArray weight = manager.randomNormal(new Shape(20, 6));
            NDArray bias = manager.randomNormal(new Shape(20));
            hidden.setRequiresGradient(true);
            weight.setRequiresGradient(true);
            bias.setRequiresGradient(true);
            long[] y = new long[12];
            for (int i = 0; i < y.length; i++) {
                y[i] = i % 4 == 1 ? -1 : (i * 7L) % 20;
            }
            NDList labels = new NDList(manager.create(y));
            NDList predictions = new NDList(hidden, weight, bias);
            int before = manager.getManagedArrays().size();
            Runnable call =
                    () -> {
                        try (GradientCollector collector =
                                Engine.getInstance().newGradientCollector()) {
                            NDArray value = loss.evaluate(labels, predictions);
                            assertEquals(
                                    manager.getManagedArrays().size(),
                                    before + 1,
                                    "only the result is added");
                            try (NDManager perCall = manager.newSubManager()) {
                                value.tempAttach(perCall);
                                collector.backward(value);
                            }
                            value.close();
                        }
                    };
            long growth = ResidentMemory.growth(15_000, 10_000, call);
            LOG.info(
                    "LinearCrossEntropyLoss: resident memory growth over 10,000 evaluate +"
                            + " backward calls after warm-up: {} KB",
                    growth / 1024);
            assertEquals(manager.getManagedArrays().size(), before, "nothing left behind");
            assertTrue(
                    growth < 5L * 1024 * 1024,
                    "resident memory grew by " + growth / 1024 + " KB over 10,000 calls");
        }
    }

    @DataProvider(name = "badBuilds")
    public static Object[][] badBuilds() {
        return new Object[][] {
            {
                "reduction NONE",
                (Supplier<?>) () -> b().optReduction(Reduction.NONE).build(),
                "NONE"
            },
            {"null reduction", (Supplier<?>) () -> b().optReduction(null).build(), "reduction"},
            {"chunk 0", (Supplier<?>) () -> b().optChunkSize(0).build(), "chunkSize"},
            {"chunk -3", (Supplier<?>) () -> b().optChunkSize(-3).build(), "-3"},
            {"temperature 0", (Supplier<?>) () -> b().optTemperature(0f).build(), "temperature"},
            {"temperature NaN", (Supplier<?>) () -> b().optTemperature(Float.NaN).build(), "NaN"},
            {"smoothing 1.5", (Supplier<?>) () -> b().optLabelSmoothing(1.5f).build(), "1.5"},
            {
                "negative class weight",
                (Supplier<?>) () -> b().optWeight(new float[] {1, -1}).build(),
                "weight: entry 1"
            },
            {
                "empty class weight",
                (Supplier<?>) () -> b().optWeight(new float[0]).build(),
                "weight"
            },
            {"empty name", (Supplier<?>) () -> b().optName("").build(), "name"},
        };
    }

    @Test(dataProvider = "badBuilds")
    public void builderRejects(String name, Supplier<?> build, String fragment) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, build::get);
        assertTrue(
                e.getMessage().contains(fragment),
                name + ": message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    public void badInputsAreRejectedWithTheArgumentAndShapesNamed() {
        LinearCrossEntropyLoss loss = b().optIgnoreIndex(-100).build();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray h = m.randomNormal(new Shape(4, 3));
            NDArray w = m.randomNormal(new Shape(5, 3));
            NDArray y = m.create(new long[] {0, 1, 4, -100});
            Object[][] cases = {
                {"one prediction", new NDList(y), new NDList(h), "predictions"},
                {"four predictions", new NDList(y), new NDList(h, w, w, w), "4 arrays"},
                {"no labels", new NDList(), new NDList(h, w), "labels"},
                {"integer hidden", new NDList(y), new NDList(y.reshape(4, 1), w), "hidden"},
                {"rank-1 hidden", new NDList(y), new NDList(h.get(0), w), "(3)"},
                {"D mismatch", new NDList(y), new NDList(h, m.zeros(new Shape(5, 4))), "(5, 4)"},
                {
                    "weight type",
                    new NDList(y),
                    new NDList(h, w.toType(DataType.FLOAT64, false)),
                    "float64"
                },
                {"bias shape", new NDList(y), new NDList(h, w, m.zeros(new Shape(4))), "bias"},
                {"labels shape", new NDList(y.reshape(2, 2)), new NDList(h, w), "(2, 2)"},
                {"label out of range", new NDList(m.create(new long[] {0, 1, 5, 2})), null, "5"},
                {"label negative", new NDList(m.create(new long[] {0, -1, 3, 2})), null, "-1"},
            };
            for (Object[] c : cases) {
                NDList predictions = c[2] == null ? new NDList(h, w) : (NDList) c[2];
                IllegalArgumentException e =
                        expectThrows(
                                IllegalArgumentException.class,
                                () -> loss.evaluate((NDList) c[1], predictions));
                assertTrue(
                        e.getMessage().contains((String) c[3]),
                        c[0] + ": message '" + e.getMessage() + "' lacks '" + c[3] + "'");
            }
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    b().optWeight(new float[] {1, 1})
                                            .build()
                                            .evaluate(new NDList(y.abs()), new NDList(h, w)));
            assertTrue(e.getMessage().contains("V = 5"), e.getMessage());
        }
    }

    @Test
    public void accessorsReturnTheOptions() {
        LinearCrossEntropyLoss loss =
                b().optChunkSize(7)
                        .optTemperature(2f)
                        .optWeight(new float[] {1, 2})
                        .optIgnoreIndex(-5)
                        .optLabelSmoothing(0.25f)
                        .optReduction(Reduction.SUM)
                        .optName("lce")
                        .build();
        assertEquals(loss.getChunkSize(), 7);
        assertEquals(loss.getTemperature(), 2f);
        assertEquals(loss.getWeight(), new float[] {1, 2});
        assertTrue(loss.hasIgnoreIndex());
        assertEquals(loss.getIgnoreIndex(), -5L);
        assertEquals(loss.getLabelSmoothing(), 0.25f);
        assertEquals(loss.getReduction(), Reduction.SUM);
        assertEquals(loss.getName(), "lce");
        assertFalse(b().build().hasIgnoreIndex());
        assertEquals(b().build().getChunkSize(), 0);
    }

    private static LinearCrossEntropyLoss.Builder b() {
        return LinearCrossEntropyLoss.builder();
    }

    private static double[][] runNaive(
            CrossEntropyLoss loss, int n, int d, int v, long[] y, boolean withBias) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = inputs(manager, n, d, v, withBias);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits = in.get(0).matMul(in.get(1).transpose());
                if (withBias) {
                    logits = logits.add(in.get(2));
                }
                NDArray out = loss.evaluate(new NDList(manager.create(y)), new NDList(logits));
                collector.backward(out);
                return results(out, in);
            }
        }
    }

    private static double[][] runChunked(
            LinearCrossEntropyLoss loss, int n, int d, int v, long[] y, boolean withBias) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = inputs(manager, n, d, v, withBias);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = loss.evaluate(new NDList(manager.create(y)), in);
                collector.backward(out);
                return results(out, in);
            }
        }
    }

    private static NDList inputs(NDManager manager, int n, int d, int v, boolean withBias) {
        manager.getEngine().setRandomSeed(5);
        NDList in =
                new NDList(
                        manager.randomNormal(new Shape(n, d)),
                        manager.randomNormal(new Shape(v, d)).mul(0.3f));
        if (withBias) {
            in.add(manager.randomNormal(new Shape(v)));
        }
        for (NDArray a : in) {
            a.setRequiresGradient(true);
        }
        return in;
    }

    private static double[][] results(NDArray out, NDList in) {
        double[][] r = new double[1 + in.size()][];
        r[0] = new double[] {out.toType(DataType.FLOAT64, false).toDoubleArray()[0]};
        for (int k = 0; k < in.size(); k++) {
            r[k + 1] = in.get(k).getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
        }
        return r;
    }

    private static void assertGradient(String label, String key, NDArray input, JsonObject c) {
        double[] expected = Fixtures.doubles(c.getAsJsonArray(key));
        double[] actual = input.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
        assertClose(label, key, actual, expected, GRAD_RTOL, 1e-6 * maxAbs(expected));
    }

    private static NDArray array(
            NDManager manager, JsonObject c, String key, String shapeKey, DataType type) {
        return manager.create(
                        Fixtures.doubles(c.getAsJsonArray(key)),
                        new Shape(Fixtures.longs(c.getAsJsonArray(shapeKey))))
                .toType(type, false);
    }

    private static long[] toLongs(double[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (long) values[i];
        }
        return out;
    }

    private static LinearCrossEntropyLoss lossOf(JsonObject c, int chunk) {
        LinearCrossEntropyLoss.Builder b =
                LinearCrossEntropyLoss.builder()
                        .optTemperature(c.get("temperature").getAsFloat())
                        .optLabelSmoothing(c.get("label_smoothing").getAsFloat())
                        .optReduction(
                                Reduction.valueOf(c.get("reduction").getAsString().toUpperCase()));
        if (chunk > 0) {
            b.optChunkSize(chunk);
        }
        if (!c.get("class_weight").isJsonNull()) {
            double[] w = Fixtures.doubles(c.getAsJsonArray("class_weight"));
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
        return b.build();
    }
}
