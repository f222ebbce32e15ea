package io.github.tempered;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNull;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.tempered.calibration.BrierScore;
import io.github.tempered.calibration.CalibrationEvaluator;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.ExpectedCalibrationError;
import io.github.tempered.calibration.NegativeLogLikelihood;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.loss.CrossEntropyLoss;
import io.github.tempered.loss.DistillationLoss;
import io.github.tempered.nn.TemperatureScaledBlock;
import io.github.tempered.nn.TemperatureSoftmax;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Data types of every numeric entry point, as the package documentation of {@code
 * io.github.tempered} states them: result and gradient types for float16, float32 and float64
 * input, float16 computed in float32 where documented, and every accepted label type giving the
 * same result. (No bfloat16 case: DJL 0.36's PyTorch engine aborts the JVM creating one; the guards
 * that keep Tempered from creating one are tested in {@code OwnedArraysTest} and {@code
 * BlockBadInputTest}.)
 */
public class DataTypeTest {

    private static final DataType F16 = DataType.FLOAT16;
    private static final DataType F32 = DataType.FLOAT32;
    private static final DataType F64 = DataType.FLOAT64;

    /** 4 x 5 logits, moderate values so that float16 holds them with 3 significant digits. */
    private static final float[] LOGITS = new float[20];

    private static final long[] LABELS = {1, 4, 0, 2};

    static {
        Random random = new Random(17);
        for (int i = 0; i < LOGITS.length; i++) {
            LOGITS[i] = (float) (2 * random.nextGaussian());
        }
    }

    /** What one call gives: its result and, for differentiable entry points, the gradient. */
    private record Outcome(NDArray value, NDArray gradient) {}

    /** Runs an entry point on logits {@code x} (which may require a gradient). */
    private interface EntryPoint extends BiFunction<NDManager, NDArray, NDArray> {}

    private static NDArray logits(NDManager m, DataType type) {
        NDArray x = m.create(LOGITS, new Shape(4, 5));
        return x.toType(type, false);
    }

    private static Outcome run(NDManager m, DataType type, EntryPoint entry, boolean gradient) {
        NDArray x = logits(m, type);
        if (!gradient) {
            return new Outcome(entry.apply(m, x), null);
        }
        x.setRequiresGradient(true);
        NDArray value;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            value = entry.apply(m, x);
            collector.backward(value.getShape().isScalar() ? value : value.sum());
        }
        return new Outcome(value, x.getGradient());
    }

    private static final CrossEntropyLoss CE =
            CrossEntropyLoss.builder().optTemperature(1.5f).optLabelSmoothing(0.1f).build();
    private static final DistillationLoss KD =
            DistillationLoss.builder().optTemperature(2f).optAlpha(0.6f).build();

    private static EntryPoint crossEntropy() {
        return (m, x) -> CE.evaluate(new NDList(m.create(LABELS)), new NDList(x));
    }

    private static EntryPoint distillation() {
        return (m, x) -> {
            NDArray teacher = m.create(LOGITS, new Shape(4, 5)).mul(-0.5f);
            return KD.evaluate(new NDList(m.create(LABELS), teacher), new NDList(x));
        };
    }

    private static EntryPoint softmax(boolean learnable) {
        return (m, x) -> {
            TemperatureSoftmax block =
                    TemperatureSoftmax.builder()
                            .optTemperature(1.5f)
                            .optLearnable(learnable)
                            .optLog(learnable)
                            .build();
            if (learnable) {
                block.initialize(m, F32, x.getShape());
            }
            return block.forward(new ParameterStore(m, false), new NDList(x), true).head();
        };
    }

    private static EntryPoint scaledBlock() {
        return (m, x) -> {
            TemperatureScaledBlock block =
                    TemperatureScaledBlock.builder()
                            .setBlock(new LambdaBlock(in -> in))
                            .setTemperature(1.5)
                            .optProbabilities(true)
                            .build();
            block.initialize(m, F32, x.getShape());
            return block.forward(new ParameterStore(m, false), new NDList(x), false).head();
        };
    }

    private static EntryPoint apply() {
        return (m, x) -> new TemperatureFit(1.5, 1, 1, 1).apply(x);
    }

    private static EntryPoint evaluator(CalibrationEvaluator evaluator) {
        return (m, x) -> evaluator.evaluate(new NDList(m.create(LABELS)), new NDList(x));
    }

    /**
     * Entry point, input type, result type, gradient type (null: not differentiable here), and the
     * relative tolerance against the float64 computation on the same (rounded) values.
     */
    @DataProvider(name = "resultTypes")
    public static Object[][] resultTypes() {
        return new Object[][] {
            {"CrossEntropyLoss", crossEntropy(), F16, F32, F16, 1e-6},
            {"CrossEntropyLoss", crossEntropy(), F32, F32, F32, 1e-6},
            {"CrossEntropyLoss", crossEntropy(), F64, F64, F64, 0.0},
            {"DistillationLoss", distillation(), F16, F32, F16, 1e-6},
            {"DistillationLoss", distillation(), F32, F32, F32, 1e-6},
            {"DistillationLoss", distillation(), F64, F64, F64, 0.0},
            {"TemperatureSoftmax", softmax(false), F16, F16, F16, 2e-3},
            {"TemperatureSoftmax", softmax(false), F32, F32, F32, 1e-6},
            {"TemperatureSoftmax", softmax(false), F64, F64, F64, 0.0},
            {"TemperatureSoftmax (learnable, log)", softmax(true), F16, F16, F16, 2e-3},
            {"TemperatureSoftmax (learnable, log)", softmax(true), F32, F32, F32, 1e-6},
            {"TemperatureSoftmax (learnable, log)", softmax(true), F64, F64, F64, 1e-6},
            {"TemperatureScaledBlock", scaledBlock(), F16, F16, F16, 2e-3},
            {"TemperatureScaledBlock", scaledBlock(), F32, F32, F32, 1e-6},
            {"TemperatureScaledBlock", scaledBlock(), F64, F64, F64, 1e-6},
            {"TemperatureFit.apply", apply(), F16, F32, F16, 1e-6},
            {"TemperatureFit.apply", apply(), F32, F32, F32, 1e-6},
            {"TemperatureFit.apply", apply(), F64, F64, F64, 0.0},
            {
                "ExpectedCalibrationError",
                evaluator(new ExpectedCalibrationError()),
                F16,
                F32,
                null,
                1e-7
            },
            {
                "ExpectedCalibrationError",
                evaluator(new ExpectedCalibrationError()),
                F32,
                F32,
                null,
                1e-7
            },
            {
                "ExpectedCalibrationError",
                evaluator(new ExpectedCalibrationError()),
                F64,
                F64,
                null,
                0.0
            },
            {"NegativeLogLikelihood", evaluator(new NegativeLogLikelihood()), F16, F32, null, 1e-7},
            {"NegativeLogLikelihood", evaluator(new NegativeLogLikelihood()), F64, F64, null, 0.0},
            {"BrierScore", evaluator(new BrierScore()), F16, F32, null, 1e-7},
            {"BrierScore", evaluator(new BrierScore()), F64, F64, null, 0.0},
        };
    }

    /**
     * The result and gradient types, and the value against the same entry point on float64 input
     * holding the same values (those of the input type): equal up to float32 rounding wherever the
     * computation runs in float32, including for float16 input; within float16 rounding for the
     * blocks, which keep float16.
     */
    @Test(dataProvider = "resultTypes")
    public void resultTypesAndValues(
            String name,
            EntryPoint entry,
            DataType input,
            DataType result,
            DataType gradient,
            double rtol) {
        String label = name + " with " + input + " logits";
        try (NDManager m = NDManager.newBaseManager()) {
            Outcome outcome = run(m, input, entry, gradient != null);
            assertEquals(outcome.value().getDataType(), result, label + ": result type");
            assertEquals(outcome.value().getManager(), m, label + ": result manager");
            if (gradient == null) {
                assertNull(outcome.gradient(), label);
            } else {
                assertEquals(outcome.gradient().getDataType(), gradient, label + ": gradient type");
            }
            // The same values, widened exactly to float64.
            NDArray same = logits(m, input).toType(F64, false);
            NDArray reference = entry.apply(m, same);
            assertClose(
                    label,
                    "value vs float64",
                    doubles(outcome.value()),
                    doubles(reference),
                    rtol,
                    rtol * 1e-3);
        }
    }

    /**
     * float16 logits are computed in float32: the losses and {@code TemperatureFit.apply} give bit
     * for bit what they give for float32 logits holding the same values, value and gradient.
     */
    @Test
    public void float16IsComputedInFloat32() {
        Object[][] entries = {
            {"CrossEntropyLoss", crossEntropy()},
            {"DistillationLoss", distillation()},
            {"TemperatureFit.apply", apply()}
        };
        for (Object[] row : entries) {
            String name = (String) row[0];
            EntryPoint entry = (EntryPoint) row[1];
            try (NDManager m = NDManager.newBaseManager()) {
                Outcome half = run(m, F16, entry, true);
                NDArray x = logits(m, F16).toType(F32, false);
                x.setRequiresGradient(true);
                NDArray value;
                try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                    value = entry.apply(m, x);
                    c.backward(value.getShape().isScalar() ? value : value.sum());
                }
                assertClose(name, "value", doubles(half.value()), doubles(value), 0, 0);
                // The float16 gradient is the float32 one rounded to float16.
                assertClose(
                        name,
                        "gradient",
                        doubles(half.gradient()),
                        doubles(x.getGradient().toType(F16, false)),
                        0,
                        0);
            }
        }
    }

    /** The scaler and the report read float16 exactly: the same numbers as float32. */
    @Test
    public void calibrationReadsFloat16Exactly() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray half = logits(m, F16);
            NDArray single = half.toType(F32, false);
            NDArray labels = m.create(LABELS);
            TemperatureScaler scaler = new TemperatureScaler();
            assertEquals(
                    scaler.fit(half, labels).temperature(),
                    scaler.fit(single, labels).temperature(),
                    "fitted temperature");
            CalibrationReport a = CalibrationReport.ofLogits(half, labels, 10);
            CalibrationReport b = CalibrationReport.ofLogits(single, labels, 10);
            assertEquals(
                    new double[] {a.ece(), a.nll(), a.brier(), a.accuracy()},
                    new double[] {b.ece(), b.nll(), b.brier(), b.accuracy()},
                    "report of logits");
            NDArray probabilities = single.softmax(1);
            CalibrationReport c =
                    CalibrationReport.of(probabilities.toType(F16, false), labels, 10);
            CalibrationReport d =
                    CalibrationReport.of(
                            probabilities.toType(F16, false).toType(F32, false), labels, 10);
            assertEquals(c.toString(), d.toString(), "report of probabilities");
        }
    }

    private static NDArray labelsOf(NDManager m, String type) {
        switch (type) {
            case "int64":
                return m.create(LABELS);
            case "int32":
                return m.create(LABELS).toType(DataType.INT32, false);
            case "uint8":
                return m.create(LABELS).toType(DataType.UINT8, false);
            case "int8":
                return m.create(LABELS).toType(DataType.INT8, false);
            case "float32":
                return m.create(LABELS).toType(F32, false);
            case "float64":
                return m.create(LABELS).toType(F64, false);
            case "float16":
                return m.create(LABELS).toType(F16, false);
            default:
                throw new IllegalArgumentException(type);
        }
    }

    @DataProvider(name = "labelTypes")
    public static Object[][] labelTypes() {
        return new Object[][] {
            {"int32"}, {"uint8"}, {"int8"}, {"float32"}, {"float64"}, {"float16"},
        };
    }

    /**
     * Every accepted label type gives exactly the int64 result: the losses and evaluators accept
     * whole-number floats (DJL's datasets give float32 labels); the scaler and the report take
     * integer types only.
     */
    @Test(dataProvider = "labelTypes")
    public void labelTypesGiveTheInt64Result(String type) {
        boolean floating = type.startsWith("float");
        Object[][] entries = {
            {
                "CrossEntropyLoss",
                (Function<NDArray, Double>)
                        y ->
                                CE.evaluate(new NDList(y), new NDList(logits(y.getManager(), F32)))
                                                .getFloat()
                                        * 1.0,
                true
            },
            {
                "DistillationLoss",
                (Function<NDArray, Double>)
                        y -> {
                            NDManager m = y.getManager();
                            NDArray x = logits(m, F32);
                            return KD.evaluate(new NDList(y, x.mul(-0.5f)), new NDList(x))
                                            .getFloat()
                                    * 1.0;
                        },
                true
            },
            {
                "ExpectedCalibrationError",
                (Function<NDArray, Double>)
                        y ->
                                new ExpectedCalibrationError()
                                                .evaluate(
                                                        new NDList(y),
                                                        new NDList(logits(y.getManager(), F32)))
                                                .getFloat()
                                        * 1.0,
                true
            },
            {
                "TemperatureScaler",
                (Function<NDArray, Double>)
                        y ->
                                new TemperatureScaler()
                                        .fit(logits(y.getManager(), F32), y)
                                        .temperature(),
                false
            },
            {
                "CalibrationReport",
                (Function<NDArray, Double>)
                        y -> CalibrationReport.ofLogits(logits(y.getManager(), F32), y, 10).nll(),
                false
            },
        };
        for (Object[] row : entries) {
            @SuppressWarnings("unchecked")
            Function<NDArray, Double> entry = (Function<NDArray, Double>) row[1];
            boolean acceptsFloats = (boolean) row[2];
            if (floating && !acceptsFloats) {
                continue; // refused, see the bad-input matrices
            }
            try (NDManager m = NDManager.newBaseManager()) {
                assertEquals(
                        entry.apply(labelsOf(m, type)),
                        entry.apply(labelsOf(m, "int64")),
                        row[0] + " with " + type + " labels");
            }
        }
    }

    private static double[] doubles(NDArray array) {
        return array.toType(F64, false).toDoubleArray();
    }
}
