package io.github.tempered.calibration;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;
import static org.testng.Assert.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import io.github.tempered.calibration.TemperatureFit.Outcome;
import io.github.tempered.testing.Fixtures;
import java.util.List;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** Tests {@link TemperatureFit}: applying a temperature, printing, validation. */
public class TemperatureFitTest {

    private static final List<JsonObject> CASES = Fixtures.cases("temperature.json");

    private NDManager manager;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    @DataProvider(name = "apply")
    public static Object[][] applyCases() {
        return CASES.stream()
                .filter(c -> "apply".equals(c.get("kind").getAsString()))
                .map(c -> new Object[] {c.get("name").getAsString()})
                .toArray(Object[][]::new);
    }

    @Test
    public void fixturesHaveApplyCases() {
        assertTrue(applyCases().length >= 4, "apply cases: " + applyCases().length);
    }

    @Test(dataProvider = "apply")
    public void applyMatchesPyTorchSoftmax(String name) {
        JsonObject c =
                CASES.stream()
                        .filter(x -> x.get("name").getAsString().equals(name))
                        .findFirst()
                        .orElseThrow();
        boolean single = "float32".equals(c.get("dtype").getAsString());
        DataType type = single ? DataType.FLOAT32 : DataType.FLOAT64;
        try (NDManager m = manager.newSubManager()) {
            NDArray logits =
                    m.create(
                                    Fixtures.doubles(c.getAsJsonArray("logits")),
                                    new Shape(Fixtures.longs(c.getAsJsonArray("shape"))))
                            .toType(type, false);
            TemperatureFit fit = new TemperatureFit(c.get("temperature").getAsDouble(), 1, 1, 1);
            int arrays = m.getManagedArrays().size();
            NDArray probabilities = fit.apply(logits);
            assertEquals(probabilities.getDataType(), type, name + ": type");
            assertEquals(probabilities.getShape(), logits.getShape(), name + ": shape");
            assertSame(probabilities.getManager(), m, name + ": manager");
            assertEquals(m.getManagedArrays().size(), arrays + 1, name + ": temporaries left");
            double[] actual = probabilities.toType(DataType.FLOAT64, false).toDoubleArray();
            double[] expected = Fixtures.doubles(c.getAsJsonArray("expected"));
            assertClose(name, "probabilities", actual, expected, single ? 1e-5 : 1e-12, 1e-7);
        }
    }

    @Test
    public void applyOfFloat16ComputesInFloat32() {
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.create(new float[] {1, 2, 3, 0.5f}).toType(DataType.FLOAT16, false);
            NDArray probabilities = new TemperatureFit(2, 1, 1, 1).apply(logits);
            assertEquals(probabilities.getDataType(), DataType.FLOAT32);
            float[] p = probabilities.toFloatArray();
            double z = Math.exp(0.5) + Math.exp(1) + Math.exp(1.5) + Math.exp(0.25);
            double[] expected = {
                Math.exp(0.5) / z, Math.exp(1) / z, Math.exp(1.5) / z, Math.exp(0.25) / z
            };
            for (int i = 0; i < p.length; i++) {
                assertEquals(p[i], expected[i], 1e-6, "float16 element " + i);
            }
        }
    }

    @Test
    public void applyInsideACallerScopeBelongsToThatScope() {
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.randomNormal(new Shape(3, 4));
            NDArray kept;
            NDArray scoped;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                scoped = new TemperatureFit(1.5, 1, 1, 1).apply(logits);
                kept = new TemperatureFit(1.5, 1, 1, 1).apply(logits);
                NDScope.unregister(kept);
            }
            assertTrue(scoped.isReleased(), "the caller's scope closes the result");
            assertFalse(kept.isReleased(), "an unregistered result survives the scope");
            assertFalse(logits.isReleased(), "the logits are never closed");
        }
    }

    @Test
    public void repeatedApplyDoesNotGrowMemory() {
        try (NDManager m = manager.newSubManager()) {
            // Small logits: PyTorch's softmax over 10 classes costs ~20 ns per logit.
            NDArray logits = m.randomNormal(new Shape(16, 10));
            TemperatureFit fit = new TemperatureFit(1.7, 1, 1, 1);
            int arrays = m.getManagedArrays().size();
            for (int i = 0; i < 1000; i++) {
                fit.apply(logits).close(); // warm-up
            }
            long before = TemperatureScalerTest.residentKb();
            for (int i = 0; i < 10_000; i++) {
                fit.apply(logits).close();
            }
            long after = TemperatureScalerTest.residentKb();
            assertEquals(m.getManagedArrays().size(), arrays, "arrays left on the manager");
            assertTrue(
                    after - before < 5 * 1024,
                    "resident memory grew by " + (after - before) + " kB over 10,000 calls");
        }
    }

    @Test
    public void applyRejectsBadLogits() {
        TemperatureFit fit = new TemperatureFit(2, 1, 1, 1);
        try (NDManager m = manager.newSubManager()) {
            assertMessage(
                    expectThrows(IllegalArgumentException.class, () -> fit.apply(null)),
                    "logits",
                    "null");
            assertMessage(
                    expectThrows(IllegalArgumentException.class, () -> fit.apply(m.create(1f))),
                    "logits",
                    "scalar");
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> fit.apply(m.create(new int[] {1, 2, 3}))),
                    "logits",
                    "floating point",
                    "int32");
        }
    }

    @Test
    public void toStringIsReadable() {
        assertEquals(
                new TemperatureFit(2.1213, 1.6931, 1.0823, 7).toString(),
                "TemperatureFit[T=2.1213, NLL 1.6931 -> 1.0823, 7 iterations]");
        assertEquals(
                new TemperatureFit(1, 0.5, 0.5, 1, Outcome.UNDETERMINED).toString(),
                "TemperatureFit[T=1.0000, NLL 0.50000 -> 0.50000, 1 iteration, undetermined:"
                        + " every row of the logits is constant]");
        assertTrue(
                new TemperatureFit(1e-3, 0.3, 0.001, 2, Outcome.AT_MIN_TEMPERATURE)
                        .toString()
                        .endsWith(", stopped at the minimum temperature]"));
        assertTrue(
                new TemperatureFit(1e3, 3, 1.8, 2, Outcome.AT_MAX_TEMPERATURE)
                        .toString()
                        .endsWith(", stopped at the maximum temperature]"));
        assertTrue(
                new TemperatureFit(16, 3, 2, 2, Outcome.MAX_ITERATIONS)
                        .toString()
                        .endsWith(", iteration limit reached before convergence]"));
    }

    @Test
    public void fourArgumentConstructorConverged() {
        TemperatureFit fit = new TemperatureFit(2.5, 1.2, 0.9, 4);
        assertEquals(fit.outcome(), Outcome.CONVERGED);
        assertFalse(fit.atBound());
        assertEquals(fit.temperature(), 2.5);
        assertEquals(fit.nllBefore(), 1.2);
        assertEquals(fit.nllAfter(), 0.9);
        assertEquals(fit.iterations(), 4);
        assertEquals(fit, new TemperatureFit(2.5, 1.2, 0.9, 4, Outcome.CONVERGED));
        assertTrue(new TemperatureFit(1e-3, 1, 0, 2, Outcome.AT_MIN_TEMPERATURE).atBound());
        assertTrue(new TemperatureFit(1e3, 1, 0, 2, Outcome.AT_MAX_TEMPERATURE).atBound());
        assertFalse(new TemperatureFit(1, 1, 1, 1, Outcome.UNDETERMINED).atBound());
        assertFalse(new TemperatureFit(1, 1, 1, 1, Outcome.MAX_ITERATIONS).atBound());
    }

    @Test
    public void rejectsBadComponents() {
        for (double t : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class, () -> new TemperatureFit(t, 1, 1, 1)),
                    "temperature",
                    String.valueOf(t));
        }
        assertMessage(
                expectThrows(IllegalArgumentException.class, () -> new TemperatureFit(1, 1, 1, -1)),
                "iterations",
                "-1");
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class, () -> new TemperatureFit(1, 1, 1, 1, null)),
                "outcome",
                "null");
    }

    private static void assertMessage(Throwable e, String... parts) {
        String message = e.getMessage();
        for (String part : parts) {
            if (message == null || !message.contains(part)) {
                fail("message \"" + message + "\" should contain \"" + part + "\"");
            }
        }
    }

    @Test
    public void wrappedClassifierSurvivesSaveAndLoad()
            throws java.io.IOException, ai.djl.MalformedModelException {
        SavedCalibrations.roundTrip(
                "temperature",
                3,
                in -> new TemperatureScaler().fit(in.get(0), in.get(1)),
                TemperatureFit::wrap,
                classifier ->
                        io.github.tempered.nn.TemperatureScaledBlock.builder()
                                .setBlock(classifier)
                                .setTemperature(1)
                                .build());
    }
}
