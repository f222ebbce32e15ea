package io.github.tempered.grad;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import io.github.tempered.loss.CrossEntropyLoss;
import io.github.tempered.loss.Reduction;
import io.github.tempered.nn.TemperatureSoftmax;
import java.util.function.Function;
import org.testng.annotations.Test;

/** {@link GradCheck}: passes correct gradients, catches wrong ones, cleans up after itself. */
public class GradCheckTest {

    private static final GradCheck CHECK = GradCheck.builder().build();

    @Test
    public void softmaxPasses() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(3, 5));
            GradCheck.Result result = CHECK.check(in -> in.head().softmax(-1), new NDList(x));
            assertTrue(result.passed(), result.toString());
            assertEquals(result.getCheckedElements(), 15);
            assertTrue(result.getMaxAbsoluteError() < 1e-8, result.toString());
        }
    }

    @Test
    public void crossEntropyPassesWithIntegerLabelsPassedThrough() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = manager.randomNormal(new Shape(4, 3));
            NDArray labels = manager.create(new long[] {0, 2, 1, 2});
            for (Reduction reduction : Reduction.values()) {
                CrossEntropyLoss loss =
                        CrossEntropyLoss.builder()
                                .optTemperature(0.6f)
                                .optLabelSmoothing(0.1f)
                                .optReduction(reduction)
                                .build();
                GradCheck.Result result =
                        CHECK.assertGradients(
                                in -> loss.evaluate(new NDList(in.get(1)), new NDList(in.get(0))),
                                new NDList(logits, labels));
                assertEquals(result.getCheckedElements(), 12, "only the logits are checked");
                assertEquals(result.getVariable(), "input 0");
            }
        }
    }

    @Test
    public void temperatureSoftmaxPassesForInputAndLogTemperature() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(2, 4));
            TemperatureSoftmax block =
                    TemperatureSoftmax.builder()
                            .optTemperature(1.8f)
                            .optLearnable(true)
                            .optLog(true)
                            .build();
            block.initialize(manager, DataType.FLOAT32, x.getShape());
            float t = block.getTemperature();
            GradCheck.Result result = CHECK.assertBlockGradients(block, new NDList(x));
            assertEquals(result.getCheckedElements(), 9);
            assertEquals(block.getTemperature(), t, "the parameter itself is left unchanged");
            NDArray logT = block.getParameters().get("logTemperature").getArray();
            assertEquals(logT.getGradient().getFloat(), 0f, "no gradient given to the parameter");
        }
    }

    @Test
    public void linearBlockParametersPass() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Linear linear = Linear.builder().setUnits(3).build();
            NDArray x = manager.randomNormal(new Shape(2, 4));
            linear.initialize(manager, DataType.FLOAT32, x.getShape());
            GradCheck.Result result = CHECK.assertBlockGradients(linear, new NDList(x));
            assertEquals(result.getCheckedElements(), 8 + 12 + 3);
        }
    }

    @Test
    public void wrongGradientFailsAtTheRightElement() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.randomNormal(new Shape(2, 3));
            NDArray b = manager.randomNormal(new Shape(3, 2));
            // The value depends on b[2, 1] through 3 * b[2, 1], but stopGradient hides that term
            // from autograd: analytic 2 b[2, 1], numeric 2 b[2, 1] + 3.
            Function<NDList, NDArray> wrong =
                    in -> {
                        NDArray x = in.get(0);
                        NDArray y = in.get(1);
                        return x.mul(x)
                                .sum()
                                .add(y.mul(y).sum())
                                .add(y.stopGradient().get("2, 1").mul(3));
                    };
            GradCheck.Result result = CHECK.check(wrong, new NDList(a, b));
            assertFalse(result.passed(), result.toString());
            assertEquals(result.getVariable(), "input 1");
            assertEquals(result.getVariableIndex(), 1);
            assertEquals(result.getIndex(), new long[] {2, 1});
            double b21 = b.getFloat(2, 1);
            assertEquals(result.getAnalytic(), 2 * b21, 1e-9, result.toString());
            assertEquals(result.getNumeric(), 2 * b21 + 3, 1e-6, result.toString());
            assertEquals(result.getAbsoluteError(), 3, 1e-6);
            String text = result.toString();
            assertTrue(
                    text.contains("FAILED") && text.contains("input 1 at [2, 1]"),
                    "readable description: " + text);

            AssertionError e =
                    expectThrows(
                            AssertionError.class,
                            () -> CHECK.assertGradients(wrong, new NDList(a, b)));
            assertTrue(e.getMessage().contains("input 1 at [2, 1]"), e.getMessage());
        }
    }

    @Test
    public void wrongGradientOfNonScalarOutputIsCaught() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(4));
            // x * stopGradient(x): autograd says x, the truth is 2 x.
            GradCheck.Result result =
                    CHECK.check(in -> in.head().mul(in.head().stopGradient()), new NDList(x));
            assertFalse(result.passed(), result.toString());
            assertEquals(result.getNumeric(), 2 * result.getAnalytic(), 1e-6, result.toString());
        }
    }

    @Test
    public void tolerancesDecide() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(3));
            // A gradient that is off by 1e-7 everywhere.
            Function<NDList, NDArray> slightlyWrong =
                    in ->
                            in.head()
                                    .mul(in.head())
                                    .sum()
                                    .add(in.head().stopGradient().sum().mul(1e-7));
            assertTrue(CHECK.check(slightlyWrong, new NDList(x)).passed(), "within atol 1e-5");
            GradCheck strict = GradCheck.builder().optAtol(1e-9).optRtol(0).build();
            GradCheck.Result result = strict.check(slightlyWrong, new NDList(x));
            assertFalse(result.passed(), result.toString());
            assertEquals(result.getAbsoluteError(), 1e-7, 1e-8, result.toString());
        }
    }

    @Test
    public void leavesNoArraysGradientsOrCollectorBehind() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(3, 4));
            x.setRequiresGradient(true);
            int before = manager.getManagedArrays().size();
            CHECK.check(in -> in.head().softmax(0).mul(2), new NDList(x));
            expectThrows(
                    IllegalArgumentException.class,
                    () ->
                            CHECK.check(
                                    in -> in.head().toType(DataType.INT32, false), new NDList(x)));
            assertEquals(manager.getManagedArrays().size(), before, "arrays left behind");
            float[] grad = x.getGradient().toFloatArray();
            for (float g : grad) {
                assertEquals(g, 0f, "the caller's array got no gradient");
            }
            // Only one collector may be open at a time: this fails if GradCheck left one open.
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                collector.backward(x.mul(x).sum());
            }
            assertEquals(
                    x.getGradient().toFloatArray(),
                    x.mul(2).toFloatArray(),
                    "the caller's own backward sees only its own gradient");
        }
    }

    @Test
    public void badArgumentsAreRejected() {
        for (double eps : new double[] {0, -1e-6, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> GradCheck.builder().optEps(eps).build());
            assertTrue(e.getMessage().startsWith("eps") && e.getMessage().contains("" + eps));
        }
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> GradCheck.builder().optAtol(-1).build());
        assertTrue(e.getMessage().startsWith("atol"), e.getMessage());
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> GradCheck.builder().optRtol(Double.NaN).build());
        assertTrue(e.getMessage().startsWith("rtol"), e.getMessage());

        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.ones(new Shape(2));
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> CHECK.check(in -> in.head(), new NDList()));
            assertTrue(e.getMessage().startsWith("inputs"), e.getMessage());
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    CHECK.check(
                                            in -> in.head().toType(DataType.FLOAT32, false),
                                            new NDList(manager.create(new int[] {1, 2}))));
            assertTrue(e.getMessage().contains("nothing to check"), e.getMessage());
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> CHECK.check(in -> null, new NDList(x)));
            assertTrue(e.getMessage().contains("returned null"), e.getMessage());
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    CHECK.check(
                                            in -> in.head().toType(DataType.INT64, false),
                                            new NDList(x)));
            assertTrue(e.getMessage().contains("int64"), e.getMessage());
            e =
                    expectThrows(
                            IllegalArgumentException.class, () -> CHECK.check(null, new NDList(x)));
            assertTrue(e.getMessage().startsWith("function"), e.getMessage());
            Linear uninitialized = Linear.builder().setUnits(2).build();
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> CHECK.checkBlock(uninitialized, new NDList(x)));
            assertTrue(e.getMessage().contains("not initialized"), e.getMessage());
        }
    }

    @Test
    public void defaultsAreTorchGradchecks() {
        assertEquals(CHECK.getEps(), 1e-6);
        assertEquals(CHECK.getAtol(), 1e-5);
        assertEquals(CHECK.getRtol(), 1e-3);
    }
}
