package io.github.tempered.testing;

import static org.testng.Assert.fail;

/** Element-wise comparisons with a relative tolerance that report the case and the element. */
public final class NumericAssert {

    private NumericAssert() {}

    /**
     * Asserts {@code |actual - expected| <= rtol * |expected| + atol} element by element, with NaN
     * matching only NaN and infinities matching only themselves.
     *
     * @param caseName the case, printed on failure
     * @param what which quantity (e.g. "value", "gradient"), printed on failure
     * @param actual the computed values
     * @param expected the reference values
     * @param rtol the relative tolerance
     * @param atol the absolute tolerance, for elements near zero
     */
    public static void assertClose(
            String caseName,
            String what,
            double[] actual,
            double[] expected,
            double rtol,
            double atol) {
        if (actual.length != expected.length) {
            fail(
                    caseName
                            + ": "
                            + what
                            + " has "
                            + actual.length
                            + " elements, expected "
                            + expected.length);
        }
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i];
            double e = expected[i];
            boolean ok;
            if (Double.isNaN(e) || Double.isInfinite(e)) {
                ok = Double.compare(a, e) == 0;
            } else {
                ok = Math.abs(a - e) <= rtol * Math.abs(e) + atol;
            }
            if (!ok) {
                fail(
                        String.format(
                                "%s: %s[%d] = %.9g, expected %.9g (rtol %.1e, atol %.1e)",
                                caseName, what, i, a, e, rtol, atol));
            }
        }
    }

    /**
     * Returns the largest absolute value in {@code values}, ignoring non-finite entries.
     *
     * @param values the values
     * @return the largest finite magnitude, or 0
     */
    public static double maxAbs(double[] values) {
        double max = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }
}
