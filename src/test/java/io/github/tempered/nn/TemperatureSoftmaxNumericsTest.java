package io.github.tempered.nn;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static io.github.tempered.testing.NumericAssert.maxAbs;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.tempered.testing.Fixtures;
import java.util.List;
import java.util.stream.Collectors;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * NaN, infinite and extreme inputs of {@link TemperatureSoftmax} against PyTorch's {@code
 * torch.softmax(x / T)} and {@code torch.log_softmax(x / T)} ({@code tools/fixtures_numerics.py}):
 * the block propagates them exactly as PyTorch does, value and gradients (with respect to the input
 * and to a learnable {@code log T}).
 */
public class TemperatureSoftmaxNumericsTest {

    private static final List<JsonObject> CASES =
            Fixtures.cases("numerics.json").stream()
                    .filter(c -> c.get("area").getAsString().equals("softmax"))
                    .collect(Collectors.toList());

    @DataProvider(name = "pytorch")
    public static Object[][] pytorchCases() {
        Object[][] rows = new Object[CASES.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {CASES.get(i)};
        }
        return rows;
    }

    @Test
    public void fixturesCoverNonFiniteInputs() {
        assertTrue(CASES.size() >= 6, "softmax numerics cases: " + CASES.size());
    }

    @Test(dataProvider = "pytorch")
    public void matchesPyTorch(JsonObject c) {
        String name = c.get("name").getAsString();
        boolean learnable = c.get("learnable").getAsBoolean();
        TemperatureSoftmax block =
                TemperatureSoftmax.builder()
                        .optTemperature(c.get("temperature").getAsFloat())
                        .optAxis(c.get("axis").getAsInt())
                        .optLog(c.get("log").getAsBoolean())
                        .optLearnable(learnable)
                        .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            DataType dtype = TemperatureSoftmaxTest.dtype(c);
            NDArray x = TemperatureSoftmaxTest.array(manager, c, "x", dtype);
            if (learnable) {
                block.initialize(manager, DataType.FLOAT32, x.getShape());
            }
            x.setRequiresGradient(true);
            double[] value;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray out =
                        block.forward(new ParameterStore(manager, false), new NDList(x), true)
                                .singletonOrThrow();
                assertEquals(out.getDataType(), dtype, name + ": dtype");
                value = TemperatureSoftmaxTest.doubles(out);
                NDArray upstream =
                        manager.create(Fixtures.doubles(c.getAsJsonArray("upstream")))
                                .reshape(out.getShape())
                                .toType(dtype, false);
                collector.backward(out.mul(upstream).sum());
            }
            double[] expected = Fixtures.doubles(c.getAsJsonArray("expected"));
            assertClose(name, "value", value, expected, 1e-5, 1e-6 * maxAbs(expected));
            double[] expectedGrad = Fixtures.doubles(c.getAsJsonArray("grad_x"));
            assertClose(
                    name,
                    "gradient wrt x",
                    TemperatureSoftmaxTest.doubles(x.getGradient()),
                    expectedGrad,
                    1e-4,
                    1e-6 * maxAbs(expectedGrad));
            if (learnable) {
                JsonArray wrapped = new JsonArray();
                wrapped.add(c.get("grad_log_temperature"));
                double expectedLogT = Fixtures.doubles(wrapped)[0];
                assertClose(
                        name,
                        "gradient wrt log T",
                        TemperatureSoftmaxTest.doubles(
                                TemperatureSoftmaxTest.logTemperature(block)
                                        .getArray()
                                        .getGradient()),
                        new double[] {expectedLogT},
                        1e-4,
                        1e-7);
            }
        }
    }
}
