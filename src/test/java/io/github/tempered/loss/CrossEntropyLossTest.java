package io.github.tempered.loss;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static io.github.tempered.testing.NumericAssert.maxAbs;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tempered.testing.DirectMemory;
import io.github.tempered.testing.Fixtures;
import java.nio.ByteBuffer;
import java.util.List;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** Parity of {@link CrossEntropyLoss} with PyTorch, values and gradients, from fixtures. */
public class CrossEntropyLossTest {

    private static final double VALUE_RTOL = 1e-5;
    private static final double GRAD_RTOL = 1e-4;

    static final List<JsonObject> CASES = Fixtures.cases("cross_entropy.json");

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
        assertTrue(CASES.size() >= 40, "at least 40 PyTorch cases, got " + CASES.size());
    }

    @Test(dataProvider = "pytorch")
    public void matchesPyTorch(String name) {
        JsonObject c = byName(name);
        assertMatches(c, lossOf(c));
    }

    static JsonObject byName(String name) {
        return CASES.stream()
                .filter(x -> x.get("name").getAsString().equals(name))
                .findFirst()
                .orElseThrow();
    }

    /** Evaluates {@code loss} on fixture case {@code c} and compares value and gradient. */
    static void assertMatches(JsonObject c, CrossEntropyLoss loss) {
        String name = c.get("name").getAsString();
        try (NDManager manager = NDManager.newBaseManager()) {
            DataType dtype =
                    "float64".equals(c.get("dtype").getAsString())
                            ? DataType.FLOAT64
                            : DataType.FLOAT32;
            NDArray logits =
                    manager.create(
                                    Fixtures.doubles(c.getAsJsonArray("logits")),
                                    new Shape(Fixtures.longs(c.getAsJsonArray("logits_shape"))))
                            .toType(dtype, false);
            NDArray target = target(manager, c);
            logits.setRequiresGradient(true);
            double[] value;
            Shape valueShape;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = loss.evaluate(new NDList(target), new NDList(logits));
                assertEquals(out.getDataType(), dtype, name + ": result dtype");
                value = out.toType(DataType.FLOAT64, false).toDoubleArray();
                valueShape = out.getShape();
                NDArray scalar = out;
                if (!c.get("upstream").isJsonNull()) {
                    NDArray upstream =
                            manager.create(Fixtures.doubles(c.getAsJsonArray("upstream")))
                                    .reshape(out.getShape())
                                    .toType(dtype, false);
                    scalar = out.mul(upstream).sum();
                }
                collector.backward(scalar);
            }
            assertEquals(
                    valueShape,
                    new Shape(Fixtures.longs(c.getAsJsonArray("expected_shape"))),
                    name + ": result shape");
            double[] expected = Fixtures.doubles(c.getAsJsonArray("expected"));
            assertClose(name, "value", value, expected, VALUE_RTOL, 1e-6 * maxAbs(expected));
            double[] grad = logits.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
            double[] expectedGrad = Fixtures.doubles(c.getAsJsonArray("grad"));
            assertClose(
                    name, "gradient", grad, expectedGrad, GRAD_RTOL, 1e-6 * maxAbs(expectedGrad));
        }
    }

    @Test
    public void halfPrecisionLogitsAreComputedInFloat32AndStillGetGradients() {
        CrossEntropyLoss loss =
                CrossEntropyLoss.builder().optTemperature(0.7f).optLabelSmoothing(0.1f).build();
        // Only float16: DJL 0.36's PyTorch engine aborts the JVM ("terminate called without an
        // active exception") on creating any bfloat16 array, even zeros, so none can reach us.
        CrossEntropyLossPathTest.assertHalfMatchesSingle(
                "FLOAT16", loss, new Shape(4, 5), new long[] {0, 4, 2, 1});
    }

    /**
     * The gradient does not change when the garbage collector frees Java memory between {@code
     * evaluate} and the backward pass (arrays made from Java data must not be kept by autograd).
     */
    @Test
    public void gradientSurvivesGarbageCollectionBeforeBackward() throws InterruptedException {
        CrossEntropyLoss loss =
                CrossEntropyLoss.builder()
                        .optTemperature(1.5f)
                        .optWeight(new float[] {1f, 2f, 3f, 4f, 5f})
                        .optIgnoreIndex(4)
                        .optLabelSmoothing(0.1f)
                        .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = manager.randomNormal(new Shape(8, 5));
            NDArray target = manager.create(new long[] {0, 1, 2, 3, 4, 0, 1, 2});
            double[] reference = gradient(loss, logits, target, false);
            for (int i = 0; i < 3; i++) {
                assertClose(
                        "gc before backward",
                        "gradient",
                        gradient(loss, logits, target, true),
                        reference,
                        0,
                        0);
            }
        }
    }

    private static double[] gradient(
            CrossEntropyLoss loss, NDArray logits, NDArray target, boolean recycle)
            throws InterruptedException {
        NDArray x = logits.duplicate();
        x.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray out = loss.evaluate(new NDList(target), new NDList(x));
            if (recycle) {
                DirectMemory.recycle();
            }
            collector.backward(out);
        }
        return x.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
    }

    static CrossEntropyLoss lossOf(JsonObject c) {
        return builderOf(c).build();
    }

    static CrossEntropyLoss.Builder builderOf(JsonObject c) {
        CrossEntropyLoss.Builder b =
                CrossEntropyLoss.builder()
                        .optTemperature(c.get("temperature").getAsFloat())
                        .optClassAxis(c.get("class_axis").getAsInt())
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

    static NDArray target(NDManager manager, JsonObject c) {
        Shape shape = new Shape(Fixtures.longs(c.getAsJsonArray("target_shape")));
        double[] values = Fixtures.doubles(c.getAsJsonArray("target"));
        switch (c.get("target_dtype").getAsString()) {
            case "int64":
                {
                    long[] v = new long[values.length];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (long) values[i];
                    }
                    return manager.create(v, shape);
                }
            case "int32":
                {
                    int[] v = new int[values.length];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (int) values[i];
                    }
                    return manager.create(v, shape);
                }
            case "uint8":
                {
                    ByteBuffer bb = ByteBuffer.allocate(values.length);
                    for (double v : values) {
                        bb.put((byte) v);
                    }
                    bb.rewind();
                    return manager.create(bb, shape, DataType.UINT8);
                }
            case "float32":
                return manager.create(values, shape).toType(DataType.FLOAT32, false);
            case "float64":
                return manager.create(values, shape);
            default:
                throw new IllegalArgumentException(c.get("target_dtype").getAsString());
        }
    }
}
