package io.github.tempered.calibration;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import io.github.tempered.testing.Fixtures;
import io.github.tempered.testing.ReportAssert;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * The binary form of {@link CalibrationReport}: the reliability of {@code P(y = 1)}, against the
 * NumPy definition cross-checked with scikit-learn's {@code calibration_curve}.
 */
public class CalibrationReportBinaryTest {

    @DataProvider
    public static Object[][] cases() {
        return CalibratorFixtures.names("binary_report");
    }

    private static CalibrationReport report(NDManager manager, JsonObject c) {
        int bins = c.get("bins").getAsInt();
        if ("logits".equals(c.get("kind").getAsString())) {
            NDList in = CalibratorFixtures.fitInputs(manager, c);
            return CalibrationReport.ofBinaryLogits(in.get(0), in.get(1), bins);
        }
        NDArray p = manager.create(CalibratorFixtures.doubles(c, "probabilities"));
        NDArray y = manager.create(Fixtures.longs(c.getAsJsonArray("labels")));
        return CalibrationReport.ofBinary(p, y, bins);
    }

    @Test(dataProvider = "cases")
    public void matchesTheReference(String name) {
        JsonObject c = CalibratorFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            CalibrationReport r = report(manager, c);
            assertTrue(r.isBinary(), name + ": binary");
            assertEquals(r.count(), c.get("count").getAsLong(), name + ": count");
            assertEquals(r.numClasses(), 2, name + ": classes");
            assertClose(
                    name,
                    "ece, mce, adaptive, classwise, brier, nll, accuracy, mean p",
                    new double[] {
                        r.ece(),
                        r.mce(),
                        r.adaptiveEce(),
                        r.classwiseEce(),
                        r.brier(),
                        r.nll(),
                        r.accuracy(),
                        r.meanConfidence()
                    },
                    new double[] {
                        c.get("ece").getAsDouble(),
                        c.get("mce").getAsDouble(),
                        c.get("adaptive_ece").getAsDouble(),
                        c.get("classwise_ece").getAsDouble(),
                        c.get("brier").getAsDouble(),
                        c.get("nll").getAsDouble(),
                        c.get("accuracy").getAsDouble(),
                        c.get("mean_confidence").getAsDouble()
                    },
                    1e-12,
                    1e-15);
            long[] counts = Fixtures.longs(c.getAsJsonArray("bin_count"));
            double[] meanP = CalibratorFixtures.doubles(c, "bin_mean_p");
            double[] positives = CalibratorFixtures.doubles(c, "bin_positives");
            for (int b = 0; b < counts.length; b++) {
                CalibrationReport.Bin bin = r.bins().get(b);
                assertEquals(bin.count(), counts[b], name + ": count of bin " + b);
                assertClose(
                        name,
                        "bin " + b + " mean p, positives",
                        new double[] {bin.meanConfidence(), bin.accuracy()},
                        new double[] {meanP[b], positives[b]},
                        1e-12,
                        0);
            }
            assertTrue(r.toString().contains("binary"), name + ": " + r);
        }
    }

    @Test
    public void binaryReportsOfHalvesMergeIntoTheWholeAndNotWithMulticlassOnes() {
        JsonObject c = CalibratorFixtures.find("binary_report_probabilities_B10");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray p = manager.create(CalibratorFixtures.doubles(c, "probabilities"));
            NDArray y = manager.create(Fixtures.longs(c.getAsJsonArray("labels")));
            CalibrationReport whole = CalibrationReport.ofBinary(p, y, 10);
            CalibrationReport merged =
                    CalibrationReport.ofBinary(
                                    p.get(new NDIndex("0:77")), y.get(new NDIndex("0:77")), 10)
                            .merge(
                                    CalibrationReport.ofBinary(
                                            p.get(new NDIndex("77:")),
                                            y.get(new NDIndex("77:")),
                                            10));
            assertTrue(merged.isBinary(), "merged report is binary");
            assertEquals(merged.accuracy(), whole.accuracy(), 0, "merged accuracy");
            assertEquals(merged.adaptiveEce(), whole.adaptiveEce(), 1e-15, "merged adaptive ECE");
            assertEquals(merged.ece(), whole.ece(), 1e-15, "merged ECE");
            CalibrationReport multiclass =
                    CalibrationReport.ofLogits(
                            manager.zeros(new Shape(3, 2)),
                            manager.create(new long[] {0, 1, 0}),
                            10);
            assertFalse(multiclass.isBinary(), "multiclass report");
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, () -> whole.merge(multiclass));
            assertTrue(e.getMessage().startsWith("other: is a multiclass report"), e.getMessage());
        }
    }

    @Test(dataProvider = "cases")
    public void accumulatedBatchesEqualTheBinaryReportBitForBit(String name) {
        JsonObject c = CalibratorFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            CalibrationReport whole = report(manager, c);
            boolean logits = "logits".equals(c.get("kind").getAsString());
            NDList in =
                    logits
                            ? CalibratorFixtures.fitInputs(manager, c)
                            : new NDList(
                                    manager.create(CalibratorFixtures.doubles(c, "probabilities")),
                                    manager.create(Fixtures.longs(c.getAsJsonArray("labels"))));
            NDArray x = in.get(0);
            NDArray y = in.get(1);
            long n = y.getShape().get(0);
            CalibrationReport.Accumulator accumulator =
                    CalibrationReport.accumulator(c.get("bins").getAsInt());
            for (long from = 0; from < n; from += 3) {
                NDIndex rows = new NDIndex("{}:{}", from, Math.min(n, from + 3));
                if (logits) {
                    accumulator.addBinaryLogits(x.get(rows), y.get(rows));
                } else {
                    accumulator.addBinaryProbabilities(x.get(rows), y.get(rows));
                }
            }
            CalibrationReport streamed = accumulator.report();
            assertTrue(streamed.isBinary(), name + ": binary");
            ReportAssert.assertSameReport(name + " in batches of 3", streamed, whole, 0);
            assertEquals(streamed.toString(), whole.toString(), name + ": the summary");
        }
    }

    @Test
    public void binaryAccumulatorNumbersRowsAcrossBatchesAndKeepsItsForm() {
        try (NDManager manager = NDManager.newBaseManager()) {
            CalibrationReport.Accumulator binary = CalibrationReport.accumulator(5);
            NDArray y = manager.create(new long[] {0, 1});
            binary.addBinaryProbabilities(manager.create(new double[] {0.2, 0.9}), y);
            IllegalArgumentException range =
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    binary.addBinaryProbabilities(
                                            manager.create(new double[] {0.5, 1.5}), y));
            assertTrue(
                    range.getMessage().contains("must be in [0, 1], got 1.5 at position 3"),
                    range.getMessage());
            IllegalArgumentException mixed =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> binary.addLogits(manager.zeros(new Shape(2, 2)), y));
            assertTrue(
                    mixed.getMessage()
                            .startsWith(
                                    "logits: a multiclass batch, but the earlier batches were"
                                            + " binary"),
                    mixed.getMessage());
            CalibrationReport.Accumulator multiclass = CalibrationReport.accumulator(5);
            multiclass.addLogits(manager.zeros(new Shape(2, 2)), y);
            IllegalArgumentException other =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> multiclass.addBinaryLogits(manager.zeros(new Shape(2)), y));
            assertTrue(
                    other.getMessage()
                            .startsWith(
                                    "scores: a binary batch, but the earlier batches were"
                                            + " multiclass"),
                    other.getMessage());
            assertEquals(binary.report().count(), 3L, "the rows before the offending one");
            assertTrue(binary.report().isBinary(), "binary report");
            assertFalse(multiclass.report().isBinary(), "multiclass report");
        }
    }

    @Test
    public void logitsAndTheirSigmoidGiveTheSameBins() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray s = manager.create(new double[] {-3, -0.5, 0, 0.2, 2, 7});
            NDArray y = manager.create(new long[] {0, 1, 0, 1, 1, 1});
            CalibrationReport fromLogits = CalibrationReport.ofBinaryLogits(s, y, 5);
            NDArray p = s.neg().exp().add(1).pow(-1);
            CalibrationReport fromProbabilities = CalibrationReport.ofBinary(p, y, 5);
            assertEquals(fromLogits.ece(), fromProbabilities.ece(), 1e-15, "ECE");
            assertEquals(fromLogits.nll(), fromProbabilities.nll(), 1e-15, "NLL");
            // sigmoid(0) = 0.5 predicts class 0: five of six rows are right.
            assertEquals(fromLogits.accuracy(), 5 / 6.0, 1e-15, "accuracy");
        }
    }
}
