package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** {@link HistogramFit}: JSON round trips, and JSON that is not a fit. */
public class HistogramFitTest {

    @DataProvider
    public static Object[][] cases() {
        return CalibratorFixtures.names("histogram");
    }

    @Test(dataProvider = "cases")
    public void jsonRoundTripKeepsEveryValue(String name) {
        JsonObject c = CalibratorFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = CalibratorFixtures.fitInputs(manager, c);
            HistogramFit fit =
                    HistogramBinning.builder()
                            .optBins(c.get("bins").getAsInt())
                            .build()
                            .fit(in.get(0), in.get(1));
            String json = fit.toJson();
            HistogramFit read = HistogramFit.fromJson(json);
            assertEquals(read.toJson(), json, name + ": JSON after a round trip");
            assertEquals(read.bins(), fit.bins(), name + ": bins");
            NDArray held = CalibratorFixtures.heldout(manager, c);
            assertEquals(
                    read.apply(held).toDoubleArray(),
                    fit.apply(held).toDoubleArray(),
                    name + ": probabilities after a round trip");
            assertTrue(fit.toString().startsWith("HistogramFit["), fit.toString());
        }
    }

    @Test
    public void malformedJsonNamesWhatIsWrong() {
        String valid =
                "{\"format\":\"tempered-calibration\",\"version\":1,"
                        + "\"method\":\"histogram_binning\",\"binary\":false,\"classes\":2,"
                        + "\"nll_before\":0.7,\"nll_after\":0.6,\"bins\":2,"
                        + "\"maps\":[[0.1,0.9],[0.2,0.8]]}";
        assertEquals(HistogramFit.fromJson(valid).values(1), new double[] {0.2, 0.8});
        String[][] bad = {
            {valid.replace("\"bins\":2", "\"bins\":0"), "\"bins\" must be at least 1, got 0"},
            {valid.replace("\"bins\":2", "\"bins\":3"), "maps[0] must hold 3 values, got 2"},
            {valid.replace("[0.2,0.8]", "[0.2,\"x\"]"), "maps[1][1] must be a number"},
            {
                valid.replace("\"format\":\"tempered-calibration\"", "\"format\":\"x\""),
                "\"format\" must be \"tempered-calibration\""
            },
            {
                valid.replace("histogram_binning", "isotonic"),
                "\"method\" must be \"histogram_binning\""
            },
            {null, "json: must not be null"},
        };
        for (String[] row : bad) {
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class, () -> HistogramFit.fromJson(row[0]));
            assertTrue(
                    e.getMessage().contains(row[1]),
                    "'" + row[0] + "': message '" + e.getMessage() + "' lacks '" + row[1] + "'");
        }
    }
}
