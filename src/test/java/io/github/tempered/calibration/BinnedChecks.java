package io.github.tempered.calibration;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;

/** Comparisons of a non-parametric fit with its fixture case, shared by their tests. */
final class BinnedChecks {

    private BinnedChecks() {}

    /**
     * Checks the NLLs before and after and the held-out probabilities (to 1e-12).
     *
     * @param name the case
     * @param c the fixture case
     * @param fit the fit
     * @param applied its probabilities of the held-out rows
     */
    static void check(String name, JsonObject c, Calibration fit, NDArray applied) {
        assertEquals(applied.getDataType(), DataType.FLOAT64, name + ": float64 in, float64 out");
        assertClose(
                name,
                "nll_before, nll_after",
                new double[] {fit.nllBefore(), fit.nllAfter()},
                new double[] {c.get("nll_before").getAsDouble(), c.get("nll_after").getAsDouble()},
                1e-12,
                0);
        assertClose(
                name,
                "apply",
                applied.toDoubleArray(),
                CalibratorFixtures.doubles(c, "apply_expected"),
                0,
                1e-12);
    }
}
