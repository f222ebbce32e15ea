package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.testng.annotations.Test;

/**
 * Properties of the calibration classes over seeded random sizes, class counts, bin counts, logit
 * scales and data types, {@value #CASES} cases each: every metric lies in its range (ECE, MCE,
 * adaptive and classwise ECE in [0, 1], Brier in [0, 2], NLL at least 0); merging reports is
 * associative and matches the report of all rows at once; temperature scaling never changes the
 * arg-max; the fitted temperature scales with the logits. A failure names the case's seed.
 */
public class CalibrationPropertyTest {

    private static final int CASES = 300;

    /** Random logits (N, C) and labels (N): N in [1, 60], C in [1, 8], sometimes extreme. */
    private record Data(String description, NDArray logits, NDArray labels, int bins) {}

    private static Data draw(NDManager m, long seed) {
        Random random = new Random(seed);
        int n = 1 + random.nextInt(60);
        int c = 1 + random.nextInt(8);
        double scale = new double[] {0.1, 1, 3, 30}[random.nextInt(4)];
        double[] x = new double[n * c];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(c);
            for (int k = 0; k < c; k++) {
                x[i * c + k] = scale * random.nextGaussian() + (k == y[i] ? scale : 0);
            }
        }
        DataType type = random.nextBoolean() ? DataType.FLOAT32 : DataType.FLOAT64;
        int bins = 1 + random.nextInt(20);
        String description =
                String.format(
                        "case %d: %s logits (%d, %d) of scale %s, %d bins",
                        seed, type, n, c, scale, bins);
        return new Data(
                description, m.create(x, new Shape(n, c)).toType(type, false), m.create(y), bins);
    }

    private static void inRange(String what, double value, double lo, double hi, String d) {
        if (!(value >= lo && value <= hi)) {
            fail(d + ": " + what + " = " + value + " is outside [" + lo + ", " + hi + "]");
        }
    }

    @Test
    public void metricsLieInTheirRanges() {
        for (long seed = 0; seed < CASES; seed++) {
            try (NDManager m = NDManager.newBaseManager()) {
                Data d = draw(m, seed);
                CalibrationReport fromLogits =
                        CalibrationReport.ofLogits(d.logits(), d.labels(), d.bins());
                CalibrationReport fromProbabilities =
                        CalibrationReport.of(d.logits().softmax(1), d.labels(), d.bins());
                for (CalibrationReport r :
                        new CalibrationReport[] {fromLogits, fromProbabilities}) {
                    String n = d.description();
                    inRange("ECE", r.ece(), 0, 1, n);
                    inRange("MCE", r.mce(), 0, 1, n);
                    inRange("adaptive ECE", r.adaptiveEce(), 0, 1, n);
                    inRange("classwise ECE", r.classwiseEce(), 0, 1, n);
                    inRange("Brier", r.brier(), 0, 2, n);
                    inRange("NLL", r.nll(), 0, Double.MAX_VALUE, n);
                    inRange("accuracy", r.accuracy(), 0, 1, n);
                    if (r.ece() > r.mce() + 1e-12) {
                        fail(n + ": ECE " + r.ece() + " exceeds MCE " + r.mce());
                    }
                }
                CalibrationEvaluator ece =
                        ExpectedCalibrationError.builder().optNumBins(d.bins()).build();
                ece.addAccumulator("k");
                ece.updateAccumulator(
                        "k",
                        new ai.djl.ndarray.NDList(d.labels()),
                        new ai.djl.ndarray.NDList(d.logits()));
                inRange("evaluator ECE", ece.getAccumulator("k"), 0, 1, d.description());
            }
        }
    }

    @Test
    public void mergingIsAssociativeAndMatchesTheUnsplitReport() {
        for (long seed = 1000; seed < 1000 + CASES; seed++) {
            try (NDManager m = NDManager.newBaseManager()) {
                Data d = draw(m, seed);
                long n = d.labels().size();
                if (n < 3) {
                    continue;
                }
                Random random = new Random(seed);
                long cut1 = 1 + random.nextInt((int) n - 2);
                long cut2 = cut1 + 1 + random.nextInt((int) (n - cut1 - 1));
                CalibrationReport[] parts = new CalibrationReport[3];
                long[] bounds = {0, cut1, cut2, n};
                for (int p = 0; p < 3; p++) {
                    NDIndex rows = new NDIndex("{}:{}", bounds[p], bounds[p + 1]);
                    parts[p] =
                            CalibrationReport.ofLogits(
                                    d.logits().get(rows), d.labels().get(rows), d.bins());
                }
                CalibrationReport whole =
                        CalibrationReport.ofLogits(d.logits(), d.labels(), d.bins());
                CalibrationReport left = parts[0].merge(parts[1]).merge(parts[2]);
                CalibrationReport right = parts[0].merge(parts[1].merge(parts[2]));
                String name = d.description() + ", cuts at " + cut1 + " and " + cut2;
                same(name + ", (a + b) + c vs a + (b + c)", left, right);
                same(name + ", merged vs whole", left, whole);
            }
        }
    }

    /** Counts, bins, accuracy and adaptive ECE exactly; the double sums to 1e-12. */
    private static void same(String name, CalibrationReport a, CalibrationReport b) {
        assertEquals(a.count(), b.count(), name + ": count");
        assertEquals(a.accuracy(), b.accuracy(), name + ": accuracy");
        assertEquals(a.adaptiveEce(), b.adaptiveEce(), name + ": adaptive ECE");
        for (int i = 0; i < a.numBins(); i++) {
            assertEquals(a.bins().get(i).count(), b.bins().get(i).count(), name + ": bin " + i);
        }
        double[] x = {a.ece(), a.mce(), a.classwiseEce(), a.brier(), a.nll(), a.meanConfidence()};
        double[] y = {b.ece(), b.mce(), b.classwiseEce(), b.brier(), b.nll(), b.meanConfidence()};
        String[] names = {"ECE", "MCE", "classwise ECE", "Brier", "NLL", "mean confidence"};
        for (int i = 0; i < x.length; i++) {
            if (!(Math.abs(x[i] - y[i]) <= 1e-12 * Math.max(1, Math.abs(y[i])))) {
                fail(name + ": " + names[i] + " " + x[i] + " vs " + y[i]);
            }
        }
    }

    @Test
    public void temperatureScalingNeverChangesTheArgmax() {
        for (long seed = 2000; seed < 2000 + CASES; seed++) {
            try (NDManager m = NDManager.newBaseManager()) {
                Data d = draw(m, seed);
                double t = Math.exp(6 * new Random(seed).nextDouble() - 3); // 0.05 to 20
                NDArray p = new TemperatureFit(t, 1, 1, 1).apply(d.logits());
                NDArray argmax = d.logits().argMax(1).expandDims(1);
                double[] atArgmax =
                        p.gather(argmax, 1).toType(DataType.FLOAT64, false).toDoubleArray();
                double[] max = p.max(new int[] {1}).toType(DataType.FLOAT64, false).toDoubleArray();
                for (int i = 0; i < max.length; i++) {
                    if (atArgmax[i] != max[i]) {
                        fail(
                                d.description()
                                        + ", T "
                                        + t
                                        + ": row "
                                        + i
                                        + " has "
                                        + atArgmax[i]
                                        + " at the logits' arg-max, maximum "
                                        + max[i]);
                    }
                }
            }
        }
    }

    /** NLL(T; s x) = NLL(T / s; x): the optimum moves with the scale of the logits. */
    @Test
    public void fittedTemperatureScalesWithTheLogits() {
        TemperatureScaler scaler = TemperatureScaler.builder().optTolerance(1e-9).build();
        int checked = 0;
        for (long seed = 3000; seed < 3000 + CASES / 3; seed++) {
            try (NDManager m = NDManager.newBaseManager()) {
                Data d = draw(m, seed);
                double s = new double[] {0.5, 2, 4}[(int) (seed % 3)];
                NDArray x = d.logits().toType(DataType.FLOAT64, false);
                TemperatureFit a = scaler.fit(x, d.labels());
                TemperatureFit b = scaler.fit(x.mul(s), d.labels());
                if (a.outcome() != TemperatureFit.Outcome.CONVERGED
                        || b.outcome() != TemperatureFit.Outcome.CONVERGED) {
                    continue; // at a bound the scale cannot carry over
                }
                checked++;
                double expected = s * a.temperature();
                if (!(Math.abs(b.temperature() - expected) <= 1e-6 * expected)) {
                    fail(
                            d.description()
                                    + ": T of logits * "
                                    + s
                                    + " is "
                                    + b.temperature()
                                    + ", expected "
                                    + expected);
                }
                if (!(Math.abs(b.nllAfter() - a.nllAfter()) <= 1e-9 * Math.max(1, a.nllAfter()))) {
                    fail(
                            d.description()
                                    + ": NLL at the optimum "
                                    + b.nllAfter()
                                    + " vs "
                                    + a.nllAfter());
                }
            }
        }
        if (checked < CASES / 6) {
            fail("only " + checked + " cases converged inside the bounds");
        }
    }
}
