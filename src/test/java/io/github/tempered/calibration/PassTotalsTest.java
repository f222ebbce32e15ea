package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;
import org.testng.annotations.Test;

/**
 * {@link PassTotals} and {@link TemperatureScaler#fitPasses}, the extension point for distributed
 * fits: rows added one by one in any number of parts and merged give the fit of the same rows held
 * in memory, up to the order of the float64 sums; bad rows and bad passes are rejected.
 */
public class PassTotalsTest {

    /** Rows of {@code logits} split into {@code parts} parts (row i in part i % parts). */
    private static TemperatureFit fitInParts(double[][] logits, int[] labels, int parts) {
        return new TemperatureScaler()
                .fitPasses(
                        beta -> {
                            PassTotals[] partial = new PassTotals[parts];
                            for (int p = 0; p < parts; p++) {
                                partial[p] = new PassTotals(beta);
                            }
                            for (int i = 0; i < labels.length; i++) {
                                partial[i % parts].addRow(logits[i], labels[i]);
                            }
                            PassTotals total = new PassTotals(beta);
                            for (PassTotals p : partial) {
                                total.merge(p);
                            }
                            return total;
                        });
    }

    private static TemperatureFit fitInMemory(double[][] logits, int[] labels) {
        try (NDManager manager = NDManager.newBaseManager()) {
            int classes = logits[0].length;
            double[] flat = new double[logits.length * classes];
            long[] y = new long[labels.length];
            for (int i = 0; i < logits.length; i++) {
                System.arraycopy(logits[i], 0, flat, i * classes, classes);
                y[i] = labels[i];
            }
            return new TemperatureScaler()
                    .fit(
                            manager.create(flat, new Shape(logits.length, classes)),
                            manager.create(y));
        }
    }

    private static void assertSameFit(String name, TemperatureFit actual, TemperatureFit expected) {
        assertEquals(actual.outcome(), expected.outcome(), name + ": " + actual);
        assertEquals(actual.iterations(), expected.iterations(), name + ": passes");
        double error = Math.abs(actual.temperature() - expected.temperature());
        assertTrue(
                error <= 1e-10 * expected.temperature(),
                String.format(
                        Locale.ROOT,
                        "%s: T = %.15g, in memory %.15g",
                        name,
                        actual.temperature(),
                        expected.temperature()));
        assertEquals(actual.nllAfter(), expected.nllAfter(), 1e-12, name + ": NLL after");
    }

    @Test
    public void rowsInPartsGiveTheInMemoryFit() {
        double[][] logits;
        int[] labels;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList data = CalibrationFixtures.npz(manager, CalibrationFixtures.LENET);
            NDArray p = data.get("predictions").toType(DataType.FLOAT64, false).log();
            int rows = (int) p.getShape().get(0);
            int classes = (int) p.getShape().get(1);
            double[] flat = p.toDoubleArray();
            long[] y = data.get("ground_truth").toLongArray();
            logits = new double[rows][classes];
            labels = new int[rows];
            for (int i = 0; i < rows; i++) {
                System.arraycopy(flat, i * classes, logits[i], 0, classes);
                labels[i] = (int) y[i];
            }
        }
        TemperatureFit expected = fitInMemory(logits, labels);
        for (int parts : new int[] {1, 3, 8}) {
            assertSameFit(
                    "LeNet-5 in " + parts + " parts", fitInParts(logits, labels, parts), expected);
        }
    }

    @Test
    public void edgeCasesEndAsInMemory() {
        double[][] separable = {{3, 0, 0}, {0, 2, 1}, {1, 1, 4}};
        int[] right = {0, 1, 2};
        assertSameFit("separable", fitInParts(separable, right, 2), fitInMemory(separable, right));
        assertEquals(
                fitInParts(separable, right, 2).outcome(),
                TemperatureFit.Outcome.AT_MIN_TEMPERATURE);
        double[][] constant = {{1, 1}, {2, 2}};
        int[] any = {0, 1};
        assertEquals(fitInParts(constant, any, 2).outcome(), TemperatureFit.Outcome.UNDETERMINED);
        double[][] wrong = {{3, 0}, {0, 3}};
        int[] swapped = {1, 0};
        assertSameFit("anti-ranked", fitInParts(wrong, swapped, 2), fitInMemory(wrong, swapped));
    }

    @Test
    public void badRowsAreRejectedAndNotAdded() {
        PassTotals totals = new PassTotals(1);
        totals.addRow(new double[] {1, 2, 3}, 0);
        assertMessage(() -> totals.addRow(null, 0), "logits: must not be null");
        assertMessage(() -> totals.addRow(new double[0], 0), "logits: the row is empty");
        assertMessage(() -> totals.addRow(new double[] {1, 2, 3}, 3), "label: must be a class");
        assertMessage(() -> totals.addRow(new double[] {1, 2, 3}, -1), "got -1");
        assertMessage(
                () -> totals.addRow(new double[] {1, Double.NaN, 3}, 0),
                "logits: must be finite, got NaN at class 1");
        assertMessage(
                () -> totals.addRow(new double[] {-Double.MAX_VALUE, Double.MAX_VALUE}, 0),
                "logits: the row spans more than the float64 range");
        assertMessage(
                () -> totals.addRow(new double[] {1, 2}, 0),
                "logits: the row has 2 classes but the rows before have 3");
        assertEquals(totals.rows(), 1, "rejected rows are not added");
        assertMessage(() -> new PassTotals(0), "beta: must be finite and greater than 0");
        assertMessage(() -> totals.merge(new PassTotals(2)), "beta = 2.0");
        assertMessage(() -> totals.merge(null), "other: must not be null");
        PassTotals two = new PassTotals(1);
        two.addRow(new double[] {1, 2}, 1);
        assertMessage(() -> totals.merge(two), "has 2 classes but the rows before have 3");
    }

    @Test
    public void badPassesAreRejected() {
        TemperatureScaler scaler = new TemperatureScaler();
        assertMessage(() -> scaler.fitPasses(null), "passes: must not be null");
        assertMessage(() -> scaler.fitPasses(beta -> null), "got null");
        assertMessage(() -> scaler.fitPasses(beta -> new PassTotals(2)), "got beta = 2.0");
        assertMessage(() -> scaler.fitPasses(PassTotals::new), "passes: empty input");
        int[] calls = {0};
        assertMessage(
                () ->
                        scaler.fitPasses(
                                beta -> {
                                    PassTotals totals = new PassTotals(beta);
                                    for (int i = 0; i <= calls[0]; i++) {
                                        totals.addRow(new double[] {1, 0}, i % 2);
                                    }
                                    calls[0]++;
                                    return totals;
                                }),
                "saw 2 rows but the first pass saw 1");
    }

    private static void assertMessage(Runnable call, String fragment) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, call::run);
        assertTrue(
                e.getMessage().contains(fragment),
                "expected a message containing '" + fragment + "', got: " + e.getMessage());
    }
}
