package io.github.tempered.calibration;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import io.github.tempered.testing.Fixtures;
import java.util.List;
import java.util.function.Function;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** {@link CalibrationReport} against NumPy/PyTorch fixtures, merging, bad input and leaks. */
public class CalibrationReportTest {

    /** All sums are in double; the reference is float64 NumPy. */
    private static final double RTOL = 1e-9;

    private static final double ATOL = 1e-12;

    @DataProvider(name = "fixtures")
    public static Object[][] fixtureNames() {
        return CalibrationFixtures.names();
    }

    @Test
    public void fixturesCoverEnoughCases() {
        assertTrue(
                CalibrationFixtures.CASES.size() >= 30,
                "at least 30 cases, got " + CalibrationFixtures.CASES.size());
    }

    @Test(dataProvider = "fixtures")
    public void matchesNumPy(String name) {
        JsonObject c = CalibrationFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            CalibrationReport report =
                    CalibrationFixtures.report(CalibrationFixtures.inputs(manager, c), c);
            assertMatches(name, report, c);
        }
    }

    static void assertMatches(String name, CalibrationReport report, JsonObject c) {
        assertEquals(report.count(), c.get("count").getAsLong(), name + ": count");
        assertEquals(report.numClasses(), c.get("num_classes").getAsInt(), name + ": classes");
        assertEquals(report.numBins(), c.get("num_bins").getAsInt(), name + ": bins");
        String[] metrics = {
            "ece",
            "mce",
            "adaptive_ece",
            "classwise_ece",
            "brier",
            "nll",
            "accuracy",
            "mean_confidence"
        };
        double[] actual = {
            report.ece(),
            report.mce(),
            report.adaptiveEce(),
            report.classwiseEce(),
            report.brier(),
            report.nll(),
            report.accuracy(),
            report.meanConfidence()
        };
        for (int i = 0; i < metrics.length; i++) {
            assertClose(
                    name,
                    metrics[i],
                    new double[] {actual[i]},
                    new double[] {c.get(metrics[i]).getAsDouble()},
                    RTOL,
                    ATOL);
        }
        List<CalibrationReport.Bin> bins = report.bins();
        long[] counts = new long[bins.size()];
        double[] confidence = new double[bins.size()];
        double[] accuracy = new double[bins.size()];
        for (int b = 0; b < bins.size(); b++) {
            counts[b] = bins.get(b).count();
            confidence[b] = bins.get(b).meanConfidence();
            accuracy[b] = bins.get(b).accuracy();
            assertEquals(bins.get(b).lower(), (double) b / bins.size(), name + ": lower edge");
            assertEquals(bins.get(b).upper(), (double) (b + 1) / bins.size(), name + ": upper");
        }
        assertEquals(counts, Fixtures.longs(c.getAsJsonArray("bin_count")), name + ": bin counts");
        assertClose(
                name,
                "bin confidence",
                confidence,
                Fixtures.doubles(c.getAsJsonArray("bin_confidence")),
                RTOL,
                ATOL);
        assertClose(
                name,
                "bin accuracy",
                accuracy,
                Fixtures.doubles(c.getAsJsonArray("bin_accuracy")),
                RTOL,
                ATOL);
    }

    @Test
    public void binEdgesAreHalfOpenOnTheLeftInDouble() {
        for (int bins = 1; bins <= 60; bins++) {
            assertEquals(CalibrationStats.binOf(0.0, bins), 0, "0 in the first bin, B=" + bins);
            assertEquals(CalibrationStats.binOf(1.0, bins), bins - 1, "1 in the last, B=" + bins);
            assertEquals(CalibrationStats.binOf(1.0 + 1e-7, bins), bins - 1, "above 1");
            for (int k = 1; k < bins; k++) {
                double edge = (double) k / bins;
                assertEquals(CalibrationStats.binOf(edge, bins), k - 1, "edge " + k + "/" + bins);
                assertEquals(
                        CalibrationStats.binOf(Math.nextUp(edge), bins),
                        k,
                        "just above " + k + "/" + bins);
                assertEquals(
                        CalibrationStats.binOf(Math.nextDown(edge), bins),
                        k - 1,
                        "just below " + k + "/" + bins);
            }
        }
        // A float32 0.2 is 0.2000000029802322 in double: above the edge 3/15.
        assertEquals(CalibrationStats.binOf(0.2, 15), 2);
        assertEquals(CalibrationStats.binOf(0.2f, 15), 3);
    }

    @Test
    public void confidencesOfExactlyOneAreCounted() {
        // torchmetrics drops confidences of exactly 1; here they fill the last bin.
        JsonObject c = CalibrationFixtures.find("onehot_f32");
        try (NDManager manager = NDManager.newBaseManager()) {
            CalibrationReport report =
                    CalibrationFixtures.report(CalibrationFixtures.inputs(manager, c), c);
            CalibrationReport.Bin last = report.bins().get(report.numBins() - 1);
            assertEquals(last.count(), report.count(), "every one-hot row in the last bin");
            assertEquals(last.meanConfidence(), 1.0);
        }
    }

    @DataProvider(name = "splits")
    public static Object[][] splits() {
        return new Object[][] {
            {"random_f32_n200_c10_b15", 1},
            {"random_f32_n200_c10_b15", 77},
            {"random_f64_n317_c4_b10", 316},
            {"ties_f64_b3", 5},
            {"logits_f64_n150_c8", 60},
            {"bin_edges_f32_b15", 4},
            {"lenet_cifar10_all_b15", 5000},
            {"lenet_cifar10_all_logits_b15", 3333},
        };
    }

    @Test(dataProvider = "splits")
    public void mergeOfShardsEqualsReportOfUnion(String name, int split) {
        JsonObject c = CalibrationFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList inputs = CalibrationFixtures.inputs(manager, c);
            NDArray x = inputs.get(0);
            NDArray y = inputs.get(1);
            long n = x.getShape().get(0);
            NDIndex head = new NDIndex("0:{}", split);
            NDIndex tail = new NDIndex("{}:{}", split, n);
            int bins = c.get("num_bins").getAsInt();
            Function<NDList, CalibrationReport> of =
                    CalibrationFixtures.isLogits(c)
                            ? l -> CalibrationReport.ofLogits(l.get(0), l.get(1), bins)
                            : l -> CalibrationReport.of(l.get(0), l.get(1), bins);
            CalibrationReport a = of.apply(new NDList(x.get(head), y.get(head)));
            CalibrationReport b = of.apply(new NDList(x.get(tail), y.get(tail)));
            CalibrationReport whole = of.apply(inputs);
            CalibrationReport merged = a.merge(b);
            String label = name + " split at " + split;
            // Counts and the sorted confidences are exact; sums agree to rounding.
            assertEquals(merged.count(), whole.count(), label + ": count");
            assertEquals(merged.accuracy(), whole.accuracy(), label + ": accuracy");
            assertEquals(merged.adaptiveEce(), whole.adaptiveEce(), label + ": adaptive ECE");
            for (int i = 0; i < bins; i++) {
                assertEquals(
                        merged.bins().get(i).count(),
                        whole.bins().get(i).count(),
                        label + ": count of bin " + i);
            }
            double[] m = {
                merged.ece(), merged.mce(), merged.classwiseEce(), merged.brier(), merged.nll()
            };
            double[] w = {
                whole.ece(), whole.mce(), whole.classwiseEce(), whole.brier(), whole.nll()
            };
            assertClose(label, "ece, mce, classwise, brier, nll", m, w, 1e-12, 1e-15);
            // Merging is symmetric, and the merged report also matches the reference.
            assertEquals(b.merge(a).adaptiveEce(), merged.adaptiveEce(), label + ": symmetric");
            assertMatches(label, merged, c);
        }
    }

    @Test(dataProvider = "splits")
    public void accumulatedBatchesEqualTheReportOfTheWholeBitForBit(String name, int split) {
        JsonObject c = CalibrationFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList inputs = CalibrationFixtures.inputs(manager, c);
            NDArray x = inputs.get(0);
            NDArray y = inputs.get(1);
            long n = x.getShape().get(0);
            int bins = c.get("num_bins").getAsInt();
            boolean logits = CalibrationFixtures.isLogits(c);
            CalibrationReport whole =
                    logits
                            ? CalibrationReport.ofLogits(x, y, bins)
                            : CalibrationReport.of(x, y, bins);
            // Batches of `split` rows, then of 7: boundaries anywhere in the data.
            CalibrationReport.Accumulator accumulator = CalibrationReport.accumulator(bins);
            long from = 0;
            for (long size = Math.min(split, n); from < n; size = 7) {
                NDIndex rows = new NDIndex("{}:{}", from, Math.min(n, from + size));
                if (logits) {
                    accumulator.addLogits(x.get(rows), y.get(rows));
                } else {
                    accumulator.addProbabilities(x.get(rows), y.get(rows));
                }
                from = Math.min(n, from + size);
            }
            String label = name + " in batches from " + split;
            assertEquals(accumulator.count(), n, label + ": count");
            CalibrationReport streamed = accumulator.report();
            double[] s = {
                streamed.ece(),
                streamed.mce(),
                streamed.adaptiveEce(),
                streamed.classwiseEce(),
                streamed.brier(),
                streamed.nll(),
                streamed.accuracy(),
                streamed.meanConfidence()
            };
            double[] w = {
                whole.ece(),
                whole.mce(),
                whole.adaptiveEce(),
                whole.classwiseEce(),
                whole.brier(),
                whole.nll(),
                whole.accuracy(),
                whole.meanConfidence()
            };
            assertClose(label, "every metric, exactly", s, w, 0, 0);
            assertEquals(streamed.bins(), whole.bins(), label + ": the bin table");
            assertEquals(streamed.toString(), whole.toString(), label + ": the summary");
        }
    }

    @Test
    public void accumulatorChecksEachBatchAndNumbersRowsAcrossBatches() {
        try (NDManager manager = NDManager.newBaseManager()) {
            CalibrationReport.Accumulator accumulator = CalibrationReport.accumulator(5);
            IllegalStateException empty =
                    expectThrows(IllegalStateException.class, accumulator::report);
            assertTrue(empty.getMessage().contains("no rows were added"), empty.getMessage());
            NDArray p = manager.create(new float[] {0.5f, 0.5f, 0.9f, 0.1f}, new Shape(2, 2));
            NDArray y = manager.create(new long[] {0, 1});
            accumulator.addProbabilities(p, y);
            CalibrationReport first = accumulator.report();
            NDArray bad = manager.create(new float[] {0.2f, 0.8f, 0.3f, 0.3f}, new Shape(2, 2));
            IllegalArgumentException sum =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> accumulator.addProbabilities(bad, y));
            assertTrue(sum.getMessage().contains("but row 3 sums to"), sum.getMessage());
            NDArray three = manager.create(new float[] {1, 2, 3}, new Shape(1, 3));
            IllegalArgumentException classes =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> accumulator.addLogits(three, manager.create(new long[] {0})));
            assertTrue(
                    classes.getMessage()
                            .contains(
                                    "has 3 classes (shape (1, 3)) but the earlier batches have 2"),
                    classes.getMessage());
            assertEquals(first.count(), 2L, "a report is a snapshot");
            assertThrows(IllegalArgumentException.class, () -> CalibrationReport.accumulator(0));
        }
    }

    @Test
    public void mergeOfLeNetHalvesMatchesTheFullSetReference() {
        JsonObject first = CalibrationFixtures.find("lenet_cifar10_first5000_b15");
        JsonObject last = CalibrationFixtures.find("lenet_cifar10_last5000_b15");
        try (NDManager manager = NDManager.newBaseManager()) {
            CalibrationReport a =
                    CalibrationFixtures.report(CalibrationFixtures.inputs(manager, first), first);
            CalibrationReport b =
                    CalibrationFixtures.report(CalibrationFixtures.inputs(manager, last), last);
            assertMatches(
                    "merge of LeNet halves",
                    a.merge(b),
                    CalibrationFixtures.find("lenet_cifar10_all_b15"));
        }
    }

    @Test
    public void largeInputsAreReadInChunks() {
        // 30,000 x 10 values exceed one chunk (2^18 elements): three copies of LeNet's outputs
        // give the same metrics as one.
        JsonObject c = CalibrationFixtures.find("lenet_cifar10_all_b15");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList inputs = CalibrationFixtures.inputs(manager, c);
            NDArray probs =
                    NDArrays.concat(new NDList(inputs.get(0), inputs.get(0), inputs.get(0)));
            NDArray labels =
                    NDArrays.concat(new NDList(inputs.get(1), inputs.get(1), inputs.get(1)));
            CalibrationReport report = CalibrationReport.of(probs, labels, 15);
            assertEquals(report.count(), 30_000);
            double[] actual = {
                report.ece(),
                report.mce(),
                report.adaptiveEce(),
                report.classwiseEce(),
                report.brier(),
                report.nll(),
                report.accuracy()
            };
            double[] expected = {
                c.get("ece").getAsDouble(),
                c.get("mce").getAsDouble(),
                c.get("adaptive_ece").getAsDouble(),
                c.get("classwise_ece").getAsDouble(),
                c.get("brier").getAsDouble(),
                c.get("nll").getAsDouble(),
                c.get("accuracy").getAsDouble()
            };
            assertClose("LeNet x3", "metrics", actual, expected, RTOL, ATOL);
        }
    }

    @Test
    public void logitsAndTheirSoftmaxGiveTheSameMetricsExceptClampedNll() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(7);
            NDArray logits = manager.randomNormal(new Shape(500, 6)).mul(3);
            NDArray labels = manager.randomInteger(0, 6, new Shape(500), DataType.INT64);
            NDArray probs = logits.toType(DataType.FLOAT64, false).softmax(1);
            CalibrationReport fromLogits = CalibrationReport.ofLogits(logits, labels, 15);
            CalibrationReport fromProbs = CalibrationReport.of(probs, labels, 15);
            double[] a = {
                fromLogits.ece(),
                fromLogits.adaptiveEce(),
                fromLogits.classwiseEce(),
                fromLogits.brier(),
                fromLogits.nll(),
                fromLogits.accuracy()
            };
            double[] b = {
                fromProbs.ece(),
                fromProbs.adaptiveEce(),
                fromProbs.classwiseEce(),
                fromProbs.brier(),
                fromProbs.nll(),
                fromProbs.accuracy()
            };
            assertClose("logits vs softmax", "metrics", a, b, 1e-12, 1e-14);
            // Dividing the logits by a temperature above 1 lowers every confidence.
            CalibrationReport cooled = CalibrationReport.ofLogits(logits.div(4f), labels, 15);
            assertTrue(cooled.meanConfidence() < fromLogits.meanConfidence());
            assertEquals(cooled.accuracy(), fromLogits.accuracy(), "argmax is unchanged");
        }
    }

    @Test
    public void halfPrecisionProbabilitiesAreAccepted() {
        // float16 rounding moves every probability by up to 2^-11 relative: the rows still sum
        // to 1 within the tolerance and the metrics stay close to float32's.
        JsonObject c = CalibrationFixtures.find("lenet_cifar10_all_b15");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList inputs = CalibrationFixtures.inputs(manager, c);
            CalibrationReport half =
                    CalibrationReport.of(
                            inputs.get(0).toType(DataType.FLOAT16, false), inputs.get(1), 15);
            assertEquals(half.count(), 10_000);
            double[] actual = {half.ece(), half.brier(), half.accuracy()};
            double[] expected = {
                c.get("ece").getAsDouble(),
                c.get("brier").getAsDouble(),
                c.get("accuracy").getAsDouble()
            };
            assertClose("float16 LeNet", "ece, brier, accuracy", actual, expected, 0, 2e-3);
        }
    }

    @Test
    public void binsAreImmutableAndToStringIsReadable() {
        JsonObject c = CalibrationFixtures.find("lenet_cifar10_all_b15");
        try (NDManager manager = NDManager.newBaseManager()) {
            CalibrationReport report =
                    CalibrationFixtures.report(CalibrationFixtures.inputs(manager, c), c);
            assertThrows(
                    UnsupportedOperationException.class,
                    () -> report.bins().add(report.bins().get(0)));
            String text = report.toString();
            assertTrue(text.contains("N = 10000, C = 10, 15 bins"), text);
            assertTrue(text.contains("ECE 0.1079"), text);
            assertTrue(text.contains("accuracy 0.5308"), text);
            assertTrue(text.contains("(0.933, 1.000]"), text);
            CalibrationReport.Bin top = report.bins().get(14);
            assertEquals(top.gap(), top.meanConfidence() - top.accuracy());
        }
    }

    /** A bad-input case: what to call and what the message must contain. */
    private interface Call {
        void run(NDManager manager);
    }

    @DataProvider(name = "badInput")
    public static Object[][] badInput() {
        return new Object[][] {
            {
                "labels of another length",
                (Call) m -> CalibrationReport.of(probs(m, 4), m.create(new long[] {0, 1, 2}), 15),
                "labels: must have shape (4) to match probabilities of shape (4, 3), got (3)"
            },
            {
                "labels of shape (N, 1)",
                (Call)
                        m ->
                                CalibrationReport.of(
                                        probs(m, 2),
                                        m.create(new long[] {0, 1}, new Shape(2, 1)),
                                        15),
                "got (2, 1)"
            },
            {
                "float labels",
                (Call) m -> CalibrationReport.of(probs(m, 2), m.create(new float[] {0, 1}), 15),
                "labels: must be class indices of an integer type (int64, int32, int8 or uint8),"
                        + " got float32 of shape (2); convert whole-number labels with"
            },
            {
                "label above range",
                (Call) m -> CalibrationReport.of(probs(m, 2), m.create(new long[] {0, 3}), 15),
                "labels: class index 3 at position 1 is outside [0, 3)"
            },
            {
                "negative label",
                (Call) m -> CalibrationReport.of(probs(m, 2), m.create(new int[] {-1, 0}), 15),
                "labels: class index -1 at position 0 is outside [0, 3)"
            },
            {
                "NaN logit",
                (Call)
                        m ->
                                CalibrationReport.ofLogits(
                                        m.create(new float[] {0, 1, 2, Float.NaN}, new Shape(2, 2)),
                                        m.create(new long[] {0, 1}),
                                        15),
                "logits: must be finite, got NaN at (1, 1)"
            },
            {
                "infinite logit",
                (Call)
                        m ->
                                CalibrationReport.ofLogits(
                                        m.create(
                                                new double[] {0, Double.NEGATIVE_INFINITY, 2, 1},
                                                new Shape(2, 2)),
                                        m.create(new long[] {0, 1}),
                                        15),
                "logits: must be finite, got -Infinity at (0, 1)"
            },
            {
                "empty probabilities",
                (Call)
                        m ->
                                CalibrationReport.of(
                                        m.create(new Shape(0, 3), DataType.FLOAT32),
                                        m.create(new Shape(0), DataType.INT64),
                                        15),
                "probabilities: is empty (shape (0, 3)); at least one row is needed"
            },
            {
                "empty logits",
                (Call)
                        m ->
                                CalibrationReport.ofLogits(
                                        m.create(new Shape(0, 3), DataType.FLOAT32),
                                        m.create(new Shape(0), DataType.INT64),
                                        15),
                "logits: is empty (shape (0, 3))"
            },
            {
                "no classes",
                (Call)
                        m ->
                                CalibrationReport.of(
                                        m.create(new Shape(2, 0), DataType.FLOAT32),
                                        m.create(new long[] {0, 0}),
                                        15),
                "probabilities: has no classes (shape (2, 0))"
            },
            {
                "negative probability",
                (Call)
                        m ->
                                CalibrationReport.of(
                                        m.create(
                                                new float[] {0.5f, 0.5f, 1.25f, -0.25f},
                                                new Shape(2, 2)),
                                        m.create(new long[] {0, 1}),
                                        15),
                "probabilities: must not be negative, got -0.25 at (1, 1)"
            },
            {
                "row not summing to 1",
                (Call)
                        m ->
                                CalibrationReport.of(
                                        m.create(
                                                new double[] {0.5, 0.5, 0.5, 0.498},
                                                new Shape(2, 2)),
                                        m.create(new long[] {0, 1}),
                                        15),
                "probabilities: each row must sum to 1 (within 0.001), but row 1 sums to 0.998"
            },
            {
                "NaN probability",
                (Call)
                        m ->
                                CalibrationReport.of(
                                        m.create(new float[] {Float.NaN, 1f}, new Shape(1, 2)),
                                        m.create(new long[] {0}),
                                        15),
                "probabilities: must be finite, got NaN at (0, 0)"
            },
            {
                "bins < 1",
                (Call) m -> CalibrationReport.of(probs(m, 2), m.create(new long[] {0, 1}), 0),
                "numBins: must be at least 1, got 0"
            },
            {
                "integer probabilities",
                (Call)
                        m ->
                                CalibrationReport.of(
                                        m.create(new int[] {1, 0}, new Shape(1, 2)),
                                        m.create(new long[] {0}),
                                        15),
                "probabilities: must be floating point, got int32 of shape (1, 2)"
            },
            {
                "1-D probabilities",
                (Call)
                        m ->
                                CalibrationReport.of(
                                        m.create(new float[] {1f, 0f}),
                                        m.create(new long[] {0}),
                                        15),
                "probabilities: must have shape (N, C), got (2)"
            },
            {
                "null labels",
                (Call) m -> CalibrationReport.of(probs(m, 2), null, 15),
                "labels: must not be null"
            },
            {
                "null logits",
                (Call) m -> CalibrationReport.ofLogits(null, m.create(new long[] {0}), 15),
                "logits: must not be null"
            },
        };
    }

    /** Valid (n, 3) float32 probabilities. */
    private static NDArray probs(NDManager manager, int n) {
        float[] values = new float[n * 3];
        for (int i = 0; i < n; i++) {
            values[3 * i] = 0.5f;
            values[3 * i + 1] = 0.25f;
            values[3 * i + 2] = 0.25f;
        }
        return manager.create(values, new Shape(n, 3));
    }

    @Test(dataProvider = "badInput")
    public void badInputIsRejectedWithAClearMessage(String name, Call call, String message) {
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, () -> call.run(manager));
            assertTrue(
                    e.getMessage().contains(message),
                    name
                            + ": expected a message containing ["
                            + message
                            + "], got ["
                            + e.getMessage()
                            + "]");
        }
    }

    @Test
    public void mergeRejectsOtherShapes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray labels = manager.create(new long[] {0, 1});
            CalibrationReport a = CalibrationReport.of(probs(manager, 2), labels, 15);
            CalibrationReport b = CalibrationReport.of(probs(manager, 2), labels, 10);
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, () -> a.merge(b));
            assertTrue(
                    e.getMessage()
                            .contains(
                                    "other: has 10 bins and 3 classes, but this report has 15"
                                            + " bins and 3 classes"),
                    e.getMessage());
            CalibrationReport twoClasses =
                    CalibrationReport.of(
                            manager.create(new float[] {0.5f, 0.5f}, new Shape(1, 2)),
                            manager.create(new long[] {0}),
                            15);
            e = expectThrows(IllegalArgumentException.class, () -> a.merge(twoClasses));
            assertTrue(e.getMessage().contains("has 15 bins and 2 classes"), e.getMessage());
            e = expectThrows(IllegalArgumentException.class, () -> a.merge(null));
            assertTrue(e.getMessage().contains("other: must not be null"), e.getMessage());
        }
    }

    @Test
    public void manyReportsLeaveNoArraysBehind() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray probs = probs(manager, 8).toType(DataType.FLOAT64, false);
            NDArray logits = manager.randomNormal(new Shape(8, 3));
            NDArray labels = manager.create(new long[] {0, 1, 2, 0, 1, 2, 0, 1});
            int before = manager.getManagedArrays().size();
            // The count is exact, so a single leaked array per call would show. The logits loop
            // is shorter: each engine call costs far more than the Java work on a busy machine.
            for (int i = 0; i < 10_000; i++) {
                CalibrationReport.of(probs, labels, 15);
            }
            for (int i = 0; i < 1_000; i++) {
                CalibrationReport.ofLogits(logits, labels, 15);
            }
            assertEquals(
                    manager.getManagedArrays().size(),
                    before,
                    "arrays attached to the manager after 11,000 reports");
        }
    }
}
