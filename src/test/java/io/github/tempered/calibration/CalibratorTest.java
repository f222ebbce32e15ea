package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.testng.annotations.Test;

/**
 * {@link Calibrator} and {@link Calibration}: every multiclass method behind the one interface on
 * LeNet-5's CIFAR-10 outputs (first 5,000 rows fit, last 5,000 scored: each lowers the held-out
 * ECE), and every binary method on its cat-versus-rest scores.
 */
public class CalibratorTest {

    private static Map<String, Calibrator> multiclass() {
        Map<String, Calibrator> methods = new LinkedHashMap<>();
        methods.put("temperature", new TemperatureScaler());
        methods.put("vector", new VectorScaler());
        methods.put("matrix", new MatrixScaler());
        methods.put(
                "dirichlet",
                MatrixScaler.builder().optInput(MatrixScaler.Input.LOG_PROBABILITIES).build());
        methods.put("histogram", new HistogramBinning());
        methods.put("isotonic", new IsotonicCalibrator());
        return methods;
    }

    @Test
    public void everyMulticlassMethodCalibratesHeldOutRows() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList data = CalibrationFixtures.npz(manager, CalibrationFixtures.LENET);
            NDArray logits = data.get("predictions").toType(DataType.FLOAT64, false).log();
            NDArray labels = data.get("ground_truth");
            NDArray fitLogits = logits.get("0:5000");
            NDArray testLogits = logits.get("5000:");
            NDArray testLabels = labels.get("5000:");
            CalibrationReport before = CalibrationReport.ofLogits(testLogits, testLabels, 15);
            for (Map.Entry<String, Calibrator> e : multiclass().entrySet()) {
                Calibration fit = e.getValue().fit(fitLogits, labels.get("0:5000"));
                // Histogram binning trades NLL for calibration: 10 values per class lose the
                // ranking within a bin (Guo et al. 2017 report the same).
                assertTrue(
                        fit.nllAfter() < fit.nllBefore() || e.getKey().equals("histogram"),
                        e.getKey() + ": " + fit);
                assertEquals(fit.nllBefore(), before.nll(), 0.05, e.getKey() + ": NLL before");
                NDArray p = fit.apply(testLogits);
                assertEquals(p.getShape(), new Shape(5000, 10), e.getKey() + ": shape");
                CalibrationReport after = CalibrationReport.of(p, testLabels, 15);
                assertTrue(
                        after.ece() < before.ece(),
                        e.getKey() + ": held-out ECE " + after.ece() + " vs " + before.ece());
            }
        }
    }

    @Test
    public void everyBinaryMethodFitsOneScorePerRow() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in =
                    CalibratorFixtures.fitInputs(
                            manager, CalibratorFixtures.find("platt_lenet_cat_2000"));
            Calibrator[] methods = {
                new PlattScaler(), new HistogramBinning(), new IsotonicCalibrator()
            };
            for (Calibrator method : methods) {
                Calibration fit = method.fit(in.get(0), in.get(1));
                assertTrue(
                        fit.nllAfter() < fit.nllBefore() || method instanceof HistogramBinning,
                        fit.toString());
                assertEquals(fit.apply(in.get(0)).getShape(), new Shape(2000), fit.toString());
            }
        }
    }
}
