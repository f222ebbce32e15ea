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

/** {@link HistogramBinning}: the definition, binary and one-vs-rest, and its edge cases. */
public class HistogramBinningTest {

    @DataProvider
    public static Object[][] cases() {
        return CalibratorFixtures.names("histogram");
    }

    @Test(dataProvider = "cases")
    public void matchesTheDefinition(String name) {
        JsonObject c = CalibratorFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = CalibratorFixtures.fitInputs(manager, c);
            int bins = c.get("bins").getAsInt();
            HistogramFit fit =
                    HistogramBinning.builder().optBins(bins).build().fit(in.get(0), in.get(1));
            assertEquals(fit.bins(), bins, name + ": bins");
            assertEquals(fit.isBinary(), c.get("binary").getAsBoolean(), name + ": binary");
            JsonArray values = c.getAsJsonArray("values");
            for (int k = 0; k < values.size(); k++) {
                assertClose(
                        name,
                        "values[" + k + "]",
                        fit.values(k),
                        Fixtures.doubles(values.get(k).getAsJsonArray()),
                        0,
                        1e-15);
            }
            FitChecks.binned(name, c, fit, fit.apply(CalibratorFixtures.heldout(manager, c)));
        }
    }

    @Test
    public void rowsWhoseBinsAreAllZeroBecomeUniformAndEmptyBinsTheirMidpoint() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Each class is the label only where its probability is high (above 0.5).
            double h = Math.log(18); // softmax(h, 0, 0) = (0.9, 0.05, 0.05)
            NDArray logits =
                    manager.create(new double[] {h, 0, 0, 0, h, 0, 0, 0, h}, new Shape(3, 3));
            NDArray labels = manager.create(new long[] {0, 1, 2});
            HistogramFit fit = HistogramBinning.builder().optBins(2).build().fit(logits, labels);
            assertEquals(fit.values(0), new double[] {0, 1}, "class 0 bins");
            double[] uniform =
                    fit.apply(manager.zeros(new Shape(1, 3), DataType.FLOAT64)).toDoubleArray();
            assertClose(
                    "all-zero row",
                    "uniform",
                    uniform,
                    new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0},
                    1e-15,
                    0);

            HistogramFit sparse =
                    HistogramBinning.builder()
                            .optBins(4)
                            .build()
                            .fit(
                                    manager.create(new double[] {-5, 5}),
                                    manager.create(new long[] {0, 1}));
            // sigmoid(-5) and sigmoid(5) fall into the first and last of 4 bins.
            assertEquals(sparse.values(0), new double[] {0, 0.375, 0.625, 1}, "midpoints");
        }
    }

    @Test
    public void defaultsAndOptions() {
        assertEquals(new HistogramBinning().getBins(), HistogramBinning.DEFAULT_BINS);
        assertEquals(HistogramBinning.builder().optBins(3).build().getBins(), 3);
    }
}
