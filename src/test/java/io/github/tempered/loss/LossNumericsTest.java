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
import io.github.tempered.testing.Fixtures;
import java.util.List;
import java.util.stream.Collectors;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * NaN, infinite and extreme inputs of {@link CrossEntropyLoss} and {@link DistillationLoss} against
 * PyTorch ({@code tools/fixtures_numerics.py}): values and gradients, NaN matching NaN and
 * infinities matching themselves exactly.
 */
public class LossNumericsTest {

    private static final double VALUE_RTOL = 1e-5;
    private static final double GRAD_RTOL = 1e-4;

    private static final List<JsonObject> CASES = Fixtures.cases("numerics.json");

    private static List<JsonObject> area(String area) {
        return CASES.stream()
                .filter(c -> c.get("area").getAsString().equals(area))
                .collect(Collectors.toList());
    }

    @DataProvider(name = "crossEntropy")
    public static Object[][] crossEntropyCases() {
        return names(area("cross_entropy"));
    }

    @DataProvider(name = "distillation")
    public static Object[][] distillationCases() {
        return names(area("distillation"));
    }

    @Test
    public void fixturesCoverNonFiniteInputs() {
        assertTrue(area("cross_entropy").size() >= 30, "cross-entropy numerics cases");
        assertTrue(area("distillation").size() >= 5, "distillation numerics cases");
    }

    @Test(dataProvider = "crossEntropy")
    public void crossEntropyMatchesPyTorch(String name) {
        JsonObject c = find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            DataType dtype = dtype(c);
            NDArray logits =
                    manager.create(
                                    Fixtures.doubles(c.getAsJsonArray("logits")),
                                    new Shape(Fixtures.longs(c.getAsJsonArray("logits_shape"))))
                            .toType(dtype, false);
            NDArray target = CrossEntropyLossTest.target(manager, c);
            CrossEntropyLoss loss = CrossEntropyLossTest.lossOf(c);
            logits.setRequiresGradient(true);
            double[] value;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = loss.evaluate(new NDList(target), new NDList(logits));
                assertEquals(out.getDataType(), dtype, name + ": result dtype");
                assertEquals(
                        out.getShape(),
                        new Shape(Fixtures.longs(c.getAsJsonArray("expected_shape"))),
                        name + ": result shape");
                value = doubles(out);
                NDArray scalar = out;
                JsonElement upstream = c.get("upstream");
                if (!upstream.isJsonNull()) {
                    scalar =
                            out.mul(
                                            manager.create(
                                                            Fixtures.doubles(
                                                                    upstream.getAsJsonArray()))
                                                    .reshape(out.getShape())
                                                    .toType(dtype, false))
                                    .sum();
                }
                collector.backward(scalar);
            }
            double[] expected = Fixtures.doubles(c.getAsJsonArray("expected"));
            assertClose(name, "value", value, expected, VALUE_RTOL, 1e-6 * maxAbs(expected));
            double[] expectedGrad = Fixtures.doubles(c.getAsJsonArray("grad"));
            assertClose(
                    name,
                    "gradient",
                    doubles(logits.getGradient()),
                    expectedGrad,
                    GRAD_RTOL,
                    1e-6 * maxAbs(expectedGrad));
        }
    }

    @Test(dataProvider = "distillation")
    public void distillationMatchesPyTorch(String name) {
        JsonObject c = find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            DataType dtype = dtype(c);
            Shape shape = new Shape(Fixtures.longs(c.getAsJsonArray("shape")));
            NDArray student =
                    manager.create(Fixtures.doubles(c.getAsJsonArray("student")), shape)
                            .toType(dtype, false);
            NDArray teacher =
                    manager.create(Fixtures.doubles(c.getAsJsonArray("teacher")), shape)
                            .toType(dtype, false);
            double[] hardValues = Fixtures.doubles(c.getAsJsonArray("hard"));
            long[] hard = new long[hardValues.length];
            for (int i = 0; i < hard.length; i++) {
                hard[i] = (long) hardValues[i];
            }
            NDList labels =
                    new NDList(
                            manager.create(
                                    hard,
                                    new Shape(Fixtures.longs(c.getAsJsonArray("hard_shape")))),
                            teacher);
            CrossEntropyLoss.Builder hardLoss =
                    CrossEntropyLoss.builder()
                            .optTemperature(c.get("hard_temperature").getAsFloat())
                            .optLabelSmoothing(c.get("label_smoothing").getAsFloat());
            if (!c.get("ignore_index").isJsonNull()) {
                hardLoss.optIgnoreIndex(c.get("ignore_index").getAsLong());
            }
            DistillationLoss loss =
                    DistillationLoss.builder()
                            .optTemperature(c.get("temperature").getAsFloat())
                            .optAlpha(c.get("alpha").getAsFloat())
                            .optHardLoss(hardLoss.build())
                            .build();
            student.setRequiresGradient(true);
            double[] value;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out = loss.evaluate(labels, new NDList(student));
                assertEquals(out.getDataType(), dtype, name + ": result dtype");
                value = doubles(out);
                collector.backward(out);
            }
            double[] expected = Fixtures.doubles(c.getAsJsonArray("expected"));
            assertClose(name, "value", value, expected, VALUE_RTOL, 1e-6 * maxAbs(expected));
            double[] expectedGrad = Fixtures.doubles(c.getAsJsonArray("grad"));
            assertClose(
                    name,
                    "student gradient",
                    doubles(student.getGradient()),
                    expectedGrad,
                    GRAD_RTOL,
                    1e-6 * maxAbs(expectedGrad));
        }
    }

    private static Object[][] names(List<JsonObject> cases) {
        Object[][] rows = new Object[cases.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {cases.get(i).get("name").getAsString()};
        }
        return rows;
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

    private static double[] doubles(NDArray array) {
        return array.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
