package io.github.tempered.testing;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import io.github.tempered.calibration.CalibrationReport;
import java.util.Locale;

/** Compares two calibration reports number by number. */
public final class ReportAssert {

    private ReportAssert() {}

    /**
     * Asserts that two reports hold the same counts and bin counts, and metrics within {@code
     * atol}, naming the case, the metric and both values on failure.
     *
     * @param name the case
     * @param actual the report under test
     * @param expected the reference report
     * @param atol the absolute tolerance of every metric and bin mean
     */
    public static void assertSameReport(
            String name, CalibrationReport actual, CalibrationReport expected, double atol) {
        assertEquals(actual.count(), expected.count(), name + ": count");
        assertEquals(actual.numClasses(), expected.numClasses(), name + ": classes");
        assertEquals(actual.numBins(), expected.numBins(), name + ": bins");
        String[] metrics = {
            "ece", "mce", "adaptiveEce", "classwiseEce", "brier", "nll", "accuracy", "confidence"
        };
        double[] a = {
            actual.ece(),
            actual.mce(),
            actual.adaptiveEce(),
            actual.classwiseEce(),
            actual.brier(),
            actual.nll(),
            actual.accuracy(),
            actual.meanConfidence()
        };
        double[] e = {
            expected.ece(),
            expected.mce(),
            expected.adaptiveEce(),
            expected.classwiseEce(),
            expected.brier(),
            expected.nll(),
            expected.accuracy(),
            expected.meanConfidence()
        };
        for (int i = 0; i < a.length; i++) {
            assertTrue(
                    Math.abs(a[i] - e[i]) <= atol,
                    String.format(
                            Locale.ROOT,
                            "%s: %s = %.17g, expected %.17g (atol %.1e)",
                            name,
                            metrics[i],
                            a[i],
                            e[i],
                            atol));
        }
        for (int b = 0; b < expected.numBins(); b++) {
            CalibrationReport.Bin x = actual.bins().get(b);
            CalibrationReport.Bin y = expected.bins().get(b);
            assertEquals(x.count(), y.count(), name + ": count of bin " + b);
            if (y.count() > 0) {
                assertEquals(x.meanConfidence(), y.meanConfidence(), atol, name + ": bin " + b);
                assertEquals(x.accuracy(), y.accuracy(), atol, name + ": bin " + b);
            }
        }
    }
}
