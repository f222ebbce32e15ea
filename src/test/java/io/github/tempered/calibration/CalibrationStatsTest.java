package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.tempered.testing.ReportAssert;
import java.util.Arrays;
import org.testng.annotations.Test;

/**
 * {@link CalibrationStats} and {@link EqualMassBins} as the extension point for distributed
 * reports: rows added one by one in parts, merged, with the adaptive ECE from the sorted order
 * keys, give {@link CalibrationReport#of} to 1e-12; bad rows and bad calls are rejected.
 */
public class CalibrationStatsTest {

    private static final int BINS = 15;

    /** A part's statistics and the order keys its rows returned. */
    private record Part(CalibrationStats stats, long[] keys) {}

    /** Adds the rows in {@code parts} parts, merges them and builds the report. */
    private static CalibrationReport reportInParts(
            float[][] probabilities, double[][] logits, int[] labels, int parts) {
        int classes = probabilities != null ? probabilities[0].length : logits[0].length;
        Part[] partial = new Part[parts];
        for (int p = 0; p < parts; p++) {
            partial[p] = new Part(new CalibrationStats(BINS, classes), new long[labels.length]);
        }
        int[] sizes = new int[parts];
        for (int i = 0; i < labels.length; i++) {
            Part part = partial[i % parts];
            long key =
                    probabilities != null
                            ? part.stats.addProbabilities(probabilities[i], labels[i])
                            : part.stats.addLogits(logits[i], labels[i]);
            part.keys[sizes[i % parts]++] = key;
        }
        CalibrationStats total = new CalibrationStats(BINS, classes);
        long[] keys = new long[labels.length];
        int n = 0;
        for (int p = 0; p < parts; p++) {
            total.merge(partial[p].stats);
            System.arraycopy(partial[p].keys, 0, keys, n, sizes[p]);
            n += sizes[p];
        }
        Arrays.sort(keys);
        EqualMassBins bins = new EqualMassBins(BINS, total.count());
        for (int rank = keys.length - 1; rank >= 0; rank--) { // any order of adding
            bins.add(rank, keys[rank]);
        }
        return total.report(bins);
    }

    private static void assertSameReport(
            String name, CalibrationReport actual, CalibrationReport expected) {
        ReportAssert.assertSameReport(name, actual, expected, 1e-12);
    }

    @Test
    public void rowsInPartsGiveTheSingleMachineReport() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList data = CalibrationFixtures.npz(manager, CalibrationFixtures.LENET);
            NDArray p = data.get("predictions");
            NDArray labels = data.get("ground_truth");
            NDArray z = p.toType(DataType.FLOAT64, false).log();
            int rows = (int) p.getShape().get(0);
            int classes = (int) p.getShape().get(1);
            float[] flat = p.toFloatArray();
            double[] flatLogits = z.toDoubleArray();
            long[] y = labels.toLongArray();
            float[][] probabilities = new float[rows][classes];
            double[][] logits = new double[rows][classes];
            int[] classIndices = new int[rows];
            for (int i = 0; i < rows; i++) {
                System.arraycopy(flat, i * classes, probabilities[i], 0, classes);
                System.arraycopy(flatLogits, i * classes, logits[i], 0, classes);
                classIndices[i] = (int) y[i];
            }
            CalibrationReport fromProbabilities = CalibrationReport.of(p, labels, BINS);
            CalibrationReport fromLogits = CalibrationReport.ofLogits(z, labels, BINS);
            for (int parts : new int[] {1, 3, 8}) {
                assertSameReport(
                        "float32 probabilities in " + parts + " parts",
                        reportInParts(probabilities, null, classIndices, parts),
                        fromProbabilities);
                assertSameReport(
                        "logits in " + parts + " parts",
                        reportInParts(null, logits, classIndices, parts),
                        fromLogits);
            }
            // float64 probabilities: the double overload.
            CalibrationStats stats = new CalibrationStats(BINS, classes);
            long[] keys = new long[rows];
            double[] row = new double[classes];
            for (int i = 0; i < rows; i++) {
                for (int c = 0; c < classes; c++) {
                    row[c] = probabilities[i][c];
                }
                keys[i] = stats.addProbabilities(row, classIndices[i]);
            }
            Arrays.sort(keys);
            EqualMassBins bins = new EqualMassBins(BINS, rows);
            for (int rank = 0; rank < rows; rank++) {
                bins.add(rank, keys[rank]);
            }
            CalibrationReport wide =
                    CalibrationReport.of(p.toType(DataType.FLOAT64, false), labels, BINS);
            assertSameReport("float64 probabilities", stats.report(bins), wide);
        }
    }

    @Test
    public void reportIsASnapshotAndCannotBeMergedAsAReport() {
        CalibrationStats stats = new CalibrationStats(2, 2);
        long key = stats.addProbabilities(new double[] {0.75, 0.25}, 0);
        EqualMassBins bins = new EqualMassBins(2, 1);
        bins.add(0, key);
        CalibrationReport report = stats.report(bins);
        stats.addProbabilities(new double[] {0.5, 0.5}, 1);
        assertEquals(report.count(), 1, "rows added later do not change a report");
        assertEquals(report.adaptiveEce(), 0.25, 1e-15);
        IllegalStateException e =
                expectThrows(IllegalStateException.class, () -> report.merge(report));
        assertTrue(e.getMessage().contains("merge the CalibrationStats"), e.getMessage());
    }

    @Test
    public void badRowsAndCallsAreRejected() {
        CalibrationStats stats = new CalibrationStats(10, 3);
        assertMessage(() -> new CalibrationStats(0, 3), "numBins: must be at least 1");
        assertMessage(() -> new CalibrationStats(10, 0), "numClasses: must be at least 1");
        assertMessage(
                () -> stats.addProbabilities((double[]) null, 0),
                "probabilities: must not be null");
        assertMessage(
                () -> stats.addProbabilities(new double[] {0.5, 0.5}, 0),
                "probabilities: the row has 2 classes, expected 3");
        assertMessage(
                () -> stats.addProbabilities(new float[] {0.5f, 0.3f, 0.1f}, 0),
                "probabilities: each row must sum to 1 (within 0.001), but the row sums to");
        assertMessage(
                () -> stats.addProbabilities(new double[] {1.5, -0.5, 0}, 0),
                "probabilities: must not be negative, got -0.5 at class 1");
        assertMessage(
                () -> stats.addLogits(new double[] {0, Double.NaN, 1}, 0),
                "logits: must be finite, got NaN at class 1");
        assertMessage(
                () -> stats.addLogits(new double[] {0, 1, 2}, 3),
                "label: must be a class index in [0, 3), got 3");
        assertEquals(stats.count(), 0, "rejected rows are not added");
        assertMessage(() -> stats.report(new EqualMassBins(10, 1)), "no samples");
        stats.addLogits(new double[] {0, 1, 2}, 2);
        assertMessage(() -> stats.report(null), "equalMass: must hold 10 bins for 1 samples");
        assertMessage(() -> stats.report(new EqualMassBins(5, 1)), "got 5 bins for 1 samples");
        assertMessage(() -> stats.merge(new CalibrationStats(10, 4)), "4 classes");
        assertMessage(() -> stats.merge(null), "other: must not be null");
    }

    private static void assertMessage(Runnable call, String fragment) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, call::run);
        assertTrue(
                e.getMessage().contains(fragment),
                "expected a message containing '" + fragment + "', got: " + e.getMessage());
    }
}
