package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.testng.annotations.Test;

/**
 * Extreme inputs of the calibration classes, checked against closed forms: probabilities of {@code
 * 1e-30} (normal in float32), below float32's smallest normal number and exactly 0, and logits of
 * magnitude {@code 1e4}.
 */
public class CalibrationNumericsTest {

    /** One row [p, 1 - p] with label 0: NLL = -log(p), Brier = 2 (1 - p)^2, ECE = 1 - p. */
    private static CalibrationReport oneRow(NDManager m, double p, DataType type) {
        return CalibrationReport.of(
                m.create(new double[] {p, 1 - p}, new Shape(1, 2)).toType(type, false),
                m.create(new long[] {0}),
                15);
    }

    @Test
    public void tinyProbabilitiesOfTheTrueClass() {
        try (NDManager m = NDManager.newBaseManager()) {
            CalibrationReport d = oneRow(m, 1e-30, DataType.FLOAT64);
            assertEquals(d.nll(), -Math.log(1e-30), 1e-12, "float64 NLL of 1e-30");
            assertEquals(d.brier(), 2 * (1 - 1e-30) * (1 - 1e-30), 1e-15, "Brier");
            assertEquals(d.ece(), 1.0, 1e-15, "ECE: confidence 1, wrong");
            CalibrationReport f = oneRow(m, 1e-30, DataType.FLOAT32);
            assertEquals(f.nll(), -Math.log((double) 1e-30f), 1e-12, "float32 NLL of 1e-30");
            // Below float32's smallest normal number the probability clamps at 2^-126.
            CalibrationReport sub = oneRow(m, 1e-40, DataType.FLOAT32);
            assertEquals(sub.nll(), 126 * Math.log(2), 1e-12, "float32 NLL clamps at 2^-126");
            CalibrationReport zero = oneRow(m, 0, DataType.FLOAT64);
            assertEquals(zero.nll(), 1022 * Math.log(2), 1e-9, "float64 NLL clamps at 2^-1022");
        }
    }

    @Test
    public void logitsOfMagnitude1e4() {
        try (NDManager m = NDManager.newBaseManager()) {
            // Rows [1e4, -1e4] labelled 1 and [-1e4, 1e4] labelled 1: NLL 2e4 and ~0.
            NDArray logits = m.create(new float[] {1e4f, -1e4f, -1e4f, 1e4f}, new Shape(2, 2));
            NDArray labels = m.create(new long[] {1, 1});
            CalibrationReport r = CalibrationReport.ofLogits(logits, labels, 10);
            assertEquals(r.nll(), 2e4 / 2, 1e-9, "exact float64 log-softmax, mean of 2e4 and 0");
            assertEquals(r.accuracy(), 0.5);
            assertEquals(r.brier(), 1.0, 1e-15, "one certain miss (2), one certain hit (0)");
            NDArray p = new TemperatureFit(0.01, 1, 1, 1).apply(logits);
            double[] v = p.toType(DataType.FLOAT64, false).toDoubleArray();
            for (double x : v) {
                assertTrue(x == 0 || x == 1, "1e4 / 0.01 = 1e6: one-hot, finite: " + x);
            }
            TemperatureFit fit = new TemperatureScaler().fit(logits, labels);
            assertTrue(
                    Double.isFinite(fit.temperature()) && Double.isFinite(fit.nllAfter()),
                    fit.toString());
            assertTrue(fit.nllAfter() <= fit.nllBefore(), fit.toString());
        }
    }
}
