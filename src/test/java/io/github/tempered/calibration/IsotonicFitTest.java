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

/** {@link IsotonicFit}: JSON round trips, and JSON that is not a fit. */
public class IsotonicFitTest {

    @DataProvider
    public static Object[][] cases() {
        return CalibratorFixtures.names("isotonic");
    }

    @Test(dataProvider = "cases")
    public void jsonRoundTripKeepsEveryValue(String name) {
        JsonObject c = CalibratorFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = CalibratorFixtures.fitInputs(manager, c);
            IsotonicFit fit = new IsotonicCalibrator().fit(in.get(0), in.get(1));
            String json = fit.toJson();
            IsotonicFit read = IsotonicFit.fromJson(json);
            assertEquals(read.toJson(), json, name + ": JSON after a round trip");
            assertEquals(read.isBinary(), fit.isBinary(), name + ": binary");
            assertEquals(read.numClasses(), fit.numClasses(), name + ": classes");
            assertEquals(read.nllAfter(), fit.nllAfter(), 0, name + ": nll_after");
            NDArray held = CalibratorFixtures.heldout(manager, c);
            assertEquals(
                    read.apply(held).toDoubleArray(),
                    fit.apply(held).toDoubleArray(),
                    name + ": probabilities after a round trip");
            assertTrue(
                    json.startsWith("{\"format\":\"tempered-calibration\",\"version\":1,"), json);
        }
    }

    @Test
    public void malformedJsonNamesWhatIsWrong() {
        String valid =
                "{\"format\":\"tempered-calibration\",\"version\":1,\"method\":\"isotonic\","
                        + "\"binary\":true,\"classes\":2,\"nll_before\":0.7,\"nll_after\":0.6,"
                        + "\"maps\":[{\"x\":[0,1],\"y\":[0.25,0.75]}]}";
        IsotonicFit fit = IsotonicFit.fromJson(valid);
        assertEquals(fit.thresholds(0), new double[] {0, 1});
        String[][] bad = {
            {"[1, 2]", "json: must be a JSON object"},
            {"{", "json: is not valid JSON"},
            {valid.replace("isotonic", "histogram_binning"), "\"method\" must be \"isotonic\""},
            {valid.replace("\"version\":1", "\"version\":2"), "unsupported \"version\" 2"},
            {valid.replace("[0,1]", "[1,0]"), "maps[0].x must be strictly increasing"},
            {valid.replace("[0.25,0.75]", "[0.75,0.25]"), "maps[0].y must be non-decreasing"},
            {valid.replace("[0.25,0.75]", "[0.25,1.5]"), "maps[0].y[1] must be in [0, 1]"},
            {valid.replace("[0.25,0.75]", "[0.25]"), "must have the same length"},
            {valid.replace("\"classes\":2", "\"classes\":3"), "\"classes\" must be 2"},
            {valid.replace("\"binary\":true", "\"binary\":false"), "\"maps\" must hold 2"},
            {valid.replace("\"nll_after\":0.6,", ""), "\"nll_after\" must be a number"},
        };
        for (String[] row : bad) {
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class, () -> IsotonicFit.fromJson(row[0]));
            assertTrue(
                    e.getMessage().contains(row[1]),
                    "'" + row[0] + "': message '" + e.getMessage() + "' lacks '" + row[1] + "'");
        }
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> fit.thresholds(1));
        assertEquals(e.getMessage(), "k: must be in [0, 1), got 1");
    }
}
