package io.github.tempered.calibration;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;

/** Comparisons of fits with their fixture cases, shared by the calibrators' tests. */
final class FitChecks {

    /**
     * Unpenalised, the NLL at two optima agrees to second order in the parameters' difference; with
     * an ODIR penalty the NLL's own gradient is not zero there, so it agrees to first order only.
     */
    static final double NLL_RTOL = 1e-10;

    /** The NLL tolerance of penalised fits. */
    static final double PENALISED_NLL_RTOL = 1e-7;

    /** Parameters of two fits with gradient norms below 1e-8 agree to about 1e-8 / curvature. */
    static final double PARAMETER_ATOL = 2e-6;

    private FitChecks() {}

    /**
     * Checks the convergence, the NLLs before and after and the held-out probabilities.
     *
     * @param name the case
     * @param c the fixture case
     * @param fit the fit
     * @param convergence its convergence
     * @param gradientNorm its gradient norm
     * @param applied its probabilities of the held-out rows
     */
    static void affine(
            String name,
            JsonObject c,
            Calibration fit,
            Convergence convergence,
            double gradientNorm,
            NDArray applied) {
        assertEquals(convergence, Convergence.CONVERGED, name + ": convergence of " + fit);
        assertTrue(gradientNorm <= 1e-8, name + ": gradient norm " + gradientNorm);
        assertClose(
                name,
                "nll_before",
                new double[] {fit.nllBefore()},
                new double[] {c.get("nll_before").getAsDouble()},
                1e-12,
                0);
        assertClose(
                name,
                "nll_after",
                new double[] {fit.nllAfter()},
                new double[] {c.get("nll_after").getAsDouble()},
                penalised(c) ? PENALISED_NLL_RTOL : NLL_RTOL,
                0);
        assertClose(
                name,
                "apply",
                applied.toDoubleArray(),
                CalibratorFixtures.doubles(c, "apply_expected"),
                0,
                1e-7);
    }

    private static boolean penalised(JsonObject c) {
        return (c.has("offdiag_l2") && c.get("offdiag_l2").getAsDouble() > 0)
                || (c.has("intercept_l2") && c.get("intercept_l2").getAsDouble() > 0);
    }

    /**
     * Checks parameters against the fixture's, to {@link #PARAMETER_ATOL} relative to their size.
     *
     * @param name the case
     * @param what which parameters
     * @param actual the fitted values
     * @param expected the reference values
     */
    static void parameters(String name, String what, double[] actual, double[] expected) {
        double scale = 1;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertClose(name, what, actual, expected, 0, PARAMETER_ATOL * scale);
    }

    /**
     * Checks the NLLs before and after and the held-out probabilities (to 1e-12).
     *
     * @param name the case
     * @param c the fixture case
     * @param fit the fit
     * @param applied its probabilities of the held-out rows
     */
    static void binned(String name, JsonObject c, Calibration fit, NDArray applied) {
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
