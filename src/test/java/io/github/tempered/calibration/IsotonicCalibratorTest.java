package io.github.tempered.calibration;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.tempered.testing.Fixtures;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * {@link IsotonicCalibrator}: equal to scikit-learn's {@code IsotonicRegression(y_min=0, y_max=1,
 * out_of_bounds="clip")} to 1e-12, ties included, binary and one-vs-rest.
 */
public class IsotonicCalibratorTest {

    private static final double TOLERANCE = 1e-12;

    @DataProvider
    public static Object[][] cases() {
        return CalibratorFixtures.names("isotonic");
    }

    @Test(dataProvider = "cases")
    public void matchesScikitLearn(String name) {
        JsonObject c = CalibratorFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = CalibratorFixtures.fitInputs(manager, c);
            IsotonicFit fit = new IsotonicCalibrator().fit(in.get(0), in.get(1));
            assertEquals(fit.isBinary(), c.get("binary").getAsBoolean(), name + ": binary");
            JsonArray thresholds = c.getAsJsonArray("thresholds");
            JsonArray values = c.getAsJsonArray("values");
            for (int k = 0; k < thresholds.size(); k++) {
                assertClose(
                        name,
                        "thresholds[" + k + "]",
                        fit.thresholds(k),
                        Fixtures.doubles(thresholds.get(k).getAsJsonArray()),
                        TOLERANCE,
                        TOLERANCE);
                assertClose(
                        name,
                        "values[" + k + "]",
                        fit.values(k),
                        Fixtures.doubles(values.get(k).getAsJsonArray()),
                        0,
                        TOLERANCE);
            }
            FitChecks.binned(name, c, fit, fit.apply(CalibratorFixtures.heldout(manager, c)));
        }
    }

    @Test
    public void aSingleDistinctScoreGivesAConstant() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray scores = manager.create(new double[] {0.5, 0.5, 0.5, 0.5});
            NDArray labels = manager.create(new long[] {1, 0, 1, 1});
            IsotonicFit fit = new IsotonicCalibrator().fit(scores, labels);
            assertEquals(fit.thresholds(0), new double[] {0.5}, "one threshold");
            double[] p = fit.apply(manager.create(new double[] {-3, 0.5, 9})).toDoubleArray();
            assertEquals(p, new double[] {0.75, 0.75, 0.75}, "constant map");
        }
    }

    @Test
    public void float32LogitsGiveFloat32ProbabilitiesThatSumToOne() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits =
                    manager.create(
                            new float[] {5, 0, 0, 0, 5, 0, 0, 0, 5, 4, 0, 0}, new Shape(4, 3));
            NDArray labels = manager.create(new long[] {0, 1, 2, 0});
            IsotonicFit fit = new IsotonicCalibrator().fit(logits, labels);
            NDArray applied = fit.apply(logits);
            assertEquals(applied.getDataType(), DataType.FLOAT32, "float32 in, float32 out");
            assertEquals(applied.getShape(), new Shape(4, 3), "shape");
            double[] sums =
                    applied.sum(new int[] {1}).toType(DataType.FLOAT64, false).toDoubleArray();
            assertClose("rows", "sum", sums, new double[] {1, 1, 1, 1}, 1e-6, 0);
        }
    }
}
