package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;
import static org.testng.Assert.fail;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.translate.NoopTranslator;
import ai.djl.util.Progress;
import com.google.gson.JsonObject;
import io.github.tempered.calibration.TemperatureFit.Outcome;
import io.github.tempered.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * Tests {@link TemperatureScaler} against temperatures found independently by PyTorch (bisection of
 * the autograd derivative in float64, {@code tools/fixtures_temperature.py}), on synthetic and real
 * model outputs, at the bounds, with streaming input and with bad input.
 */
public class TemperatureScalerTest {

    /** The fit's tolerance is relative 1e-6 on T; Newton usually lands far closer. */
    private static final double T_RTOL = 1e-6;

    private static final List<JsonObject> CASES = Fixtures.cases("temperature.json");

    private NDManager manager;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    // ---------------------------------------------------------------- fixtures

    @DataProvider(name = "synthetic")
    public static Object[][] syntheticCases() {
        return names("synthetic");
    }

    @DataProvider(name = "real")
    public static Object[][] realCases() {
        return names("real");
    }

    @Test
    public void fixturesCoverEnoughCases() {
        assertTrue(syntheticCases().length >= 8, "synthetic cases: " + syntheticCases().length);
        assertEquals(realCases().length, 4, "real model-output files");
    }

    @Test(dataProvider = "synthetic")
    public void matchesIndependentOptimum(String name) {
        JsonObject c = find(name);
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = logitsOf(m, c);
            NDArray labels = m.create(Fixtures.longs(c.getAsJsonArray("labels")));
            TemperatureFit fit = new TemperatureScaler().fit(logits, labels);
            double expected = c.get("expected_t").getAsDouble();
            assertEquals(fit.outcome(), Outcome.CONVERGED, name + ": " + fit);
            assertRelative(name, "T", fit.temperature(), expected, T_RTOL);
            assertRelative(
                    name, "nllBefore", fit.nllBefore(), c.get("nll_before").getAsDouble(), 1e-12);
            assertRelative(
                    name, "nllAfter", fit.nllAfter(), c.get("nll_after").getAsDouble(), 1e-12);
            assertTrue(fit.nllAfter() <= fit.nllBefore(), name + ": NLL increased: " + fit);
            assertTrue(fit.iterations() <= 20, name + ": too many iterations: " + fit);
        }
    }

    @Test
    public void syntheticOptimaAreNearTheTemperatureThatGeneratedThem() {
        // The generator's t_true is only approached (finite samples); this guards the fixture.
        for (Object[] row : syntheticCases()) {
            JsonObject c = find((String) row[0]);
            double ratio = c.get("expected_t").getAsDouble() / c.get("t_true").getAsDouble();
            assertTrue(ratio > 0.8 && ratio < 1.25, row[0] + ": T*/t_true = " + ratio);
        }
    }

    @Test(dataProvider = "real")
    public void realModelOutputs(String name) {
        JsonObject c = find(name);
        int fitRows = c.get("fit_rows").getAsInt();
        try (NDManager m = manager.newSubManager()) {
            NDList data = loadNpz(m, c.get("file").getAsString());
            NDArray logits = data.get("predictions").toType(DataType.FLOAT64, false).log();
            NDArray labels = data.get("ground_truth");
            long rows = logits.getShape().get(0);
            NDArray fitLogits = logits.get(new NDIndex("0:{}", fitRows));
            NDArray fitLabels = labels.get(new NDIndex("0:{}", fitRows));
            NDArray heldLogits = logits.get(new NDIndex("{}:", fitRows));
            NDArray heldLabels = labels.get(new NDIndex("{}:", fitRows));

            TemperatureFit fit = new TemperatureScaler().fit(fitLogits, fitLabels);
            double t = fit.temperature();
            assertEquals(fit.outcome(), Outcome.CONVERGED, name + ": " + fit);
            assertRelative(name, "T", t, c.get("expected_t").getAsDouble(), T_RTOL);

            // The NLL on the fit half does not increase, and matches an independent computation.
            double[][] z = rows(fitLogits);
            long[] y = fitLabels.toLongArray();
            assertTrue(fit.nllAfter() <= fit.nllBefore(), name + ": NLL increased: " + fit);
            assertRelative(name, "nllBefore", fit.nllBefore(), meanNll(z, y, 1), 1e-12);
            assertRelative(name, "nllAfter", fit.nllAfter(), meanNll(z, y, 1 / t), 1e-12);
            assertRelative(
                    name,
                    "nllAfter (PyTorch)",
                    fit.nllAfter(),
                    c.get("nll_after").getAsDouble(),
                    1e-9);

            // The derivative at the fitted T is ~0: at least 1e4 times smaller than 1% away.
            double slope = slope(z, y, 1 / t);
            double slopeOnePercentOff = slope(z, y, 1 / (1.01 * t));
            assertTrue(
                    Math.abs(slope) <= 1e-4 * Math.abs(slopeOnePercentOff),
                    String.format(
                            Locale.ROOT,
                            "%s: dNLL/dbeta at T = %.9f is %.3g, at 1.01 T %.3g",
                            name,
                            t,
                            slope,
                            slopeOnePercentOff));

            // ECE on the held-out half drops, and matches NumPy's ECE.
            double eceBefore =
                    ece(new TemperatureFit(1, 0, 0, 0).apply(heldLogits), heldLabels, 15);
            double eceAfter = ece(fit.apply(heldLogits), heldLabels, 15);
            assertTrue(
                    eceAfter < eceBefore,
                    name + ": ECE did not drop: " + eceBefore + " -> " + eceAfter);
            assertRelative(
                    name, "ECE before", eceBefore, c.get("heldout_ece_before").getAsDouble(), 1e-6);
            assertRelative(
                    name, "ECE after", eceAfter, c.get("heldout_ece_after").getAsDouble(), 1e-6);
            System.out.printf(
                    Locale.ROOT,
                    "%s: %d rows, fit on the first %d: %s; held-out ECE %.4f -> %.4f%n",
                    name,
                    rows,
                    fitRows,
                    fit,
                    eceBefore,
                    eceAfter);
        }
    }

    @Test
    public void denseNetCifar100GivesTheKnownTemperature() {
        // The reference LBFGS code stops at T = 1.68 here; the optimum on the first 5,000 rows
        // (the protocol of the data's README) is T = 2.1209 (2.1176 on all 10,000 rows).
        JsonObject c = find("densenet-bc-100-cifar-100");
        try (NDManager m = manager.newSubManager()) {
            NDList data = loadNpz(m, c.get("file").getAsString());
            NDArray logits =
                    data.get("predictions").get(new NDIndex("0:5000")).log(); // float32 logits
            NDArray labels = data.get("ground_truth").get(new NDIndex("0:5000"));
            TemperatureFit fit = new TemperatureScaler().fit(logits, labels);
            assertEquals(
                    String.format(Locale.ROOT, "%.3f", fit.temperature()), "2.121", fit.toString());
            // float32 log differs from float64 log by ~1e-8 relative; T barely moves.
            assertRelative("densenet float32", "T", fit.temperature(), 2.12089891676256, 1e-6);
        }
    }

    // ---------------------------------------------------------------- bounds and edges

    @Test
    public void separableDataStopsAtTheMinimumTemperature() {
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.randomNormal(new Shape(200, 6)).mul(3);
            NDArray labels = logits.argMax(1);
            TemperatureFit fit = new TemperatureScaler().fit(logits, labels);
            assertEquals(fit.outcome(), Outcome.AT_MIN_TEMPERATURE, fit.toString());
            assertTrue(fit.atBound());
            assertEquals(fit.temperature(), 1e-3);
            assertTrue(fit.nllAfter() < fit.nllBefore(), fit.toString());
            assertTrue(fit.toString().contains("minimum temperature"), fit.toString());

            TemperatureFit bounded =
                    TemperatureScaler.builder().optMinTemperature(0.05).build().fit(logits, labels);
            assertEquals(bounded.temperature(), 0.05, bounded.toString());
            assertEquals(bounded.outcome(), Outcome.AT_MIN_TEMPERATURE);
            assertRelative(
                    "separable",
                    "nllAfter",
                    bounded.nllAfter(),
                    meanNll(rows(logits), labels.toLongArray(), 20),
                    1e-12);
        }
    }

    @Test
    public void separableWithTiedMaximaStopsAtTheMinimumTemperature() {
        try (NDManager m = manager.newSubManager()) {
            // Label 0 ties with class 1 for the maximum in every row.
            NDArray logits = m.create(new float[][] {{2, 2, 0}, {1, 1, -3}, {5, 5, 4}});
            NDArray labels = m.create(new long[] {0, 0, 1});
            TemperatureFit fit = new TemperatureScaler().fit(logits, labels);
            assertEquals(fit.outcome(), Outcome.AT_MIN_TEMPERATURE, fit.toString());
            assertRelative("ties", "nllAfter", fit.nllAfter(), Math.log(2), 1e-9);
        }
    }

    @Test
    public void antiInformativeLogitsStopAtTheMaximumTemperature() {
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.randomNormal(new Shape(200, 6));
            NDArray labels = logits.argMin(1);
            TemperatureFit fit = new TemperatureScaler().fit(logits, labels);
            assertEquals(fit.outcome(), Outcome.AT_MAX_TEMPERATURE, fit.toString());
            assertEquals(fit.temperature(), 1e3);
            assertTrue(fit.nllAfter() < fit.nllBefore(), fit.toString());
            assertTrue(fit.toString().contains("maximum temperature"), fit.toString());
        }
    }

    @Test
    public void interiorOptimaOutsideTheBoundsStopAtTheBound() {
        try (NDManager m = manager.newSubManager()) {
            JsonObject cold = find("underconfident_T0.05_float32"); // T* = 0.0474
            TemperatureFit low =
                    TemperatureScaler.builder()
                            .optMinTemperature(0.1)
                            .build()
                            .fit(logitsOf(m, cold), labelsOf(m, cold));
            assertEquals(low.outcome(), Outcome.AT_MIN_TEMPERATURE, low.toString());
            assertEquals(low.temperature(), 0.1);

            JsonObject hot = find("overconfident_T400_float32"); // T* = 379.9
            TemperatureFit high =
                    TemperatureScaler.builder()
                            .optMaxTemperature(100)
                            .build()
                            .fit(logitsOf(m, hot), labelsOf(m, hot));
            assertEquals(high.outcome(), Outcome.AT_MAX_TEMPERATURE, high.toString());
            assertEquals(high.temperature(), 100.0);
            assertTrue(high.nllAfter() < high.nllBefore(), high.toString());
        }
    }

    @Test
    public void constantRowsGiveTemperatureOne() {
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.full(new Shape(50, 4), 3.5f);
            NDArray labels = m.randomInteger(0, 4, new Shape(50), DataType.INT64);
            TemperatureFit fit = new TemperatureScaler().fit(logits, labels);
            assertEquals(fit.outcome(), Outcome.UNDETERMINED, fit.toString());
            assertEquals(fit.temperature(), 1.0);
            assertRelative("constant", "nll", fit.nllAfter(), Math.log(4), 1e-12);
            assertEquals(fit.nllBefore(), fit.nllAfter());

            TemperatureFit single =
                    new TemperatureScaler()
                            .fit(
                                    m.randomNormal(new Shape(7, 1)),
                                    m.zeros(new Shape(7), DataType.INT32));
            assertEquals(single.outcome(), Outcome.UNDETERMINED, "C = 1: " + single);
            assertEquals(single.temperature(), 1.0);
            assertEquals(single.nllAfter(), 0.0);
        }
    }

    @Test
    public void constantRowsAmongOthersDoNotMoveTheOptimum() {
        JsonObject c = find("overconfident_T2.5_float32");
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = logitsOf(m, c);
            NDArray labels = labelsOf(m, c);
            NDArray flat = m.full(new Shape(300, 10), -7f);
            NDArray mixedLogits = logits.concat(flat);
            NDArray mixedLabels =
                    labels.concat(m.randomInteger(0, 10, new Shape(300), DataType.INT64));
            TemperatureFit fit = new TemperatureScaler().fit(mixedLogits, mixedLabels);
            assertRelative(
                    "mixed", "T", fit.temperature(), c.get("expected_t").getAsDouble(), T_RTOL);
        }
    }

    @Test
    public void float32AndFloat64LogitsAgree() {
        JsonObject c = find("overconfident_T2.5_float32");
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = logitsOf(m, c);
            NDArray labels = labelsOf(m, c);
            TemperatureFit single = new TemperatureScaler().fit(logits, labels);
            TemperatureFit wide =
                    new TemperatureScaler().fit(logits.toType(DataType.FLOAT64, false), labels);
            assertRelative("f32 vs f64", "T", single.temperature(), wide.temperature(), 1e-12);
            TemperatureFit half =
                    new TemperatureScaler().fit(logits.toType(DataType.FLOAT16, false), labels);
            // float16 rounds the logits (~5e-4 relative): the optimum moves a little.
            assertRelative("f16", "T", half.temperature(), wide.temperature(), 5e-3);
            TemperatureFit int32Labels =
                    new TemperatureScaler().fit(logits, labels.toType(DataType.INT32, false));
            assertEquals(int32Labels.temperature(), single.temperature());
        }
    }

    @Test
    public void iterationLimitReturnsTheBestTemperatureSeen() {
        JsonObject c = find("overconfident_T400_float32");
        try (NDManager m = manager.newSubManager()) {
            TemperatureFit fit =
                    TemperatureScaler.builder()
                            .optMaxIterations(2)
                            .build()
                            .fit(logitsOf(m, c), labelsOf(m, c));
            assertEquals(fit.outcome(), Outcome.MAX_ITERATIONS, fit.toString());
            assertEquals(fit.iterations(), 2);
            assertTrue(fit.nllAfter() < fit.nllBefore(), fit.toString());
            assertTrue(fit.temperature() > 1, fit.toString());
        }
    }

    @Test
    public void looserToleranceStopsEarlierButStaysClose() {
        JsonObject c = find("densenet-bc-100-cifar-100");
        try (NDManager m = manager.newSubManager()) {
            NDList data = loadNpz(m, c.get("file").getAsString());
            NDArray logits = data.get("predictions").get(new NDIndex("0:5000")).log();
            NDArray labels = data.get("ground_truth").get(new NDIndex("0:5000"));
            TemperatureFit tight = new TemperatureScaler().fit(logits, labels);
            TemperatureFit loose =
                    TemperatureScaler.builder().optTolerance(1e-2).build().fit(logits, labels);
            assertTrue(loose.iterations() < tight.iterations(), loose + " vs " + tight);
            assertRelative("loose", "T", loose.temperature(), tight.temperature(), 1e-2);
        }
    }

    // ---------------------------------------------------------------- streaming

    @Test
    public void streamingGivesTheInMemoryTemperature() {
        JsonObject c = find("densenet-bc-100-cifar-100");
        try (NDManager m = manager.newSubManager()) {
            NDList data = loadNpz(m, c.get("file").getAsString());
            NDArray logits = data.get("predictions").log();
            NDArray labels = data.get("ground_truth");
            TemperatureFit inMemory = new TemperatureScaler().fit(logits, labels);

            // Batches held in a list, of uneven size, with an empty one.
            List<NDList> batches = new ArrayList<>();
            int[] bounds = {0, 777, 777, 3000, 9999, 10000};
            for (int i = 0; i + 1 < bounds.length; i++) {
                NDIndex rows = new NDIndex("{}:{}", bounds[i], bounds[i + 1]);
                batches.add(new NDList(logits.get(rows), labels.get(rows)));
            }
            int arrays = m.getManagedArrays().size();
            CountingProgress progress = new CountingProgress();
            TemperatureFit streamed = new TemperatureScaler().fit(batches, progress);
            // Per-row values are summed in row order whatever the batches: bit for bit the same.
            assertEquals(streamed, inMemory, "list: the in-memory fit, bit for bit");
            assertEquals(m.getManagedArrays().size(), arrays, "arrays left on the manager");
            for (NDList batch : batches) {
                assertFalse(batch.get(0).isReleased(), "a listed batch was closed");
            }
            assertEquals(progress.resets, streamed.iterations(), "one reset per pass");
            assertEquals(progress.increments, 5L * streamed.iterations(), "one step per batch");
            assertEquals(progress.lastMax, 5, "the progress maximum is the batch count");

            // Lazily produced batches: slices made in next() are closed after each batch.
            Iterable<NDList> lazy = () -> slices(logits, labels, 1000);
            TemperatureFit lazyFit = new TemperatureScaler().fit(lazy);
            assertEquals(lazyFit, inMemory, "lazy: the in-memory fit, bit for bit");
            assertEquals(m.getManagedArrays().size(), arrays, "lazy slices were not closed");
        }
    }

    @Test
    public void streamingFromDatasetAndPredictor() throws Exception {
        JsonObject c = find("wideresnet-16-4-cifar-10");
        try (NDManager m = manager.newSubManager();
                Model model = Model.newInstance("identity")) {
            NDList data = loadNpz(m, c.get("file").getAsString());
            NDArray logits = data.get("predictions").get(new NDIndex("0:5000")).log();
            NDArray labels = data.get("ground_truth").get(new NDIndex("0:5000"));
            TemperatureFit inMemory = new TemperatureScaler().fit(logits, labels);

            // DJL's datasets give float32 labels: the dataset entry point accepts whole numbers.
            ArrayDataset dataset =
                    new ArrayDataset.Builder()
                            .setData(logits)
                            .optLabels(labels.toType(DataType.FLOAT32, false))
                            .setSampling(640, false)
                            .build();
            model.setBlock(new LambdaBlock(list -> list));
            int arrays = m.getManagedArrays().size();
            try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator())) {
                CountingProgress progress = new CountingProgress();
                TemperatureFit fit = new TemperatureScaler().fit(dataset, predictor, progress);
                assertRelative("dataset", "T", fit.temperature(), inMemory.temperature(), 1e-9);
                assertRelative(
                        "dataset",
                        "T",
                        fit.temperature(),
                        c.get("expected_t").getAsDouble(),
                        T_RTOL);
                assertEquals(progress.increments, 8L * fit.iterations(), "8 batches per pass");
                assertEquals(m.getManagedArrays().size(), arrays, "arrays left on the manager");

                ArrayDataset fractional =
                        new ArrayDataset.Builder()
                                .setData(logits)
                                .optLabels(labels.toType(DataType.FLOAT32, false).add(0.5f))
                                .setSampling(640, false)
                                .build();
                IllegalArgumentException e =
                        expectThrows(
                                IllegalArgumentException.class,
                                () -> new TemperatureScaler().fit(fractional, predictor));
                assertMessage(e, "dataset[0] labels", "whole numbers", "at position 0");
            }
            model.setBlock(new LambdaBlock(list -> new NDList()));
            try (Predictor<NDList, NDList> empty = model.newPredictor(new NoopTranslator())) {
                assertMessage(
                        bad(() -> new TemperatureScaler().fit(dataset, empty)),
                        "dataset[0]",
                        "at least one array",
                        "got 0 and 1");
            }
        }
    }

    @Test
    public void largeInputsAreProcessedInBlocks() {
        // 3,000 x 1,000 logits: three blocks of about a million logits in memory.
        try (NDManager m = manager.newSubManager()) {
            NDArray z = m.randomNormal(0, 2, new Shape(3000, 1000), DataType.FLOAT32);
            NDArray gumbel =
                    m.randomUniform(1e-7f, 1f, new Shape(3000, 1000), DataType.FLOAT32)
                            .log()
                            .neg()
                            .log()
                            .neg();
            NDArray labels = z.add(gumbel).argMax(1);
            NDArray logits = z.mul(1.8f);
            TemperatureFit fit = new TemperatureScaler().fit(logits, labels);
            assertEquals(fit.outcome(), Outcome.CONVERGED, fit.toString());
            double t = fit.temperature();
            double[][] rows = rows(logits);
            long[] y = labels.toLongArray();
            double slope = slope(rows, y, 1 / t);
            double slopeOnePercentOff = slope(rows, y, 1 / (1.01 * t));
            assertTrue(
                    Math.abs(slope) <= 1e-4 * Math.abs(slopeOnePercentOff),
                    "blocks: slope "
                            + slope
                            + " at "
                            + fit
                            + ", "
                            + slopeOnePercentOff
                            + " 1% off");
            List<NDList> batches = new ArrayList<>();
            for (int from = 0; from < 3000; from += 700) {
                NDIndex index = new NDIndex("{}:{}", from, Math.min(3000, from + 700));
                batches.add(new NDList(logits.get(index), labels.get(index)));
            }
            TemperatureFit streamed = new TemperatureScaler().fit(batches);
            assertRelative("blocks vs batches", "T", streamed.temperature(), t, 1e-9);
        }
    }

    // ---------------------------------------------------------------- bad input

    @Test
    public void rejectsBadLogitsAndLabels() {
        TemperatureScaler scaler = new TemperatureScaler();
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.randomNormal(new Shape(4, 3));
            NDArray labels = m.create(new long[] {0, 1, 2, 1});

            assertMessage(bad(() -> scaler.fit(null, labels)), "logits", "null");
            assertMessage(bad(() -> scaler.fit(logits, null)), "labels", "null");
            assertMessage(
                    bad(() -> scaler.fit(m.randomNormal(new Shape(12)), labels)),
                    "logits",
                    "(N, C)",
                    "(12)");
            assertMessage(
                    bad(() -> scaler.fit(m.randomNormal(new Shape(4, 3, 2)), labels)),
                    "logits",
                    "(4, 3, 2)");
            assertMessage(
                    bad(() -> scaler.fit(logits.toType(DataType.INT32, false), labels)),
                    "logits",
                    "floating point",
                    "int32");
            assertMessage(
                    bad(
                            () ->
                                    scaler.fit(
                                            m.zeros(new Shape(0, 3)),
                                            m.zeros(new Shape(0), DataType.INT64))),
                    "logits",
                    "empty",
                    "(0, 3)");
            assertMessage(
                    bad(() -> scaler.fit(m.zeros(new Shape(4, 0)), labels)),
                    "logits",
                    "at least one class",
                    "(4, 0)");
            assertMessage(
                    bad(() -> scaler.fit(logits, m.create(new long[] {0, 1, 2}))),
                    "labels",
                    "(4)",
                    "(3)");
            assertMessage(bad(() -> scaler.fit(logits, labels.reshape(4, 1))), "labels", "(4, 1)");
            assertMessage(
                    bad(() -> scaler.fit(logits, labels.toType(DataType.FLOAT32, false))),
                    "labels",
                    "integer type",
                    "float32");
            assertMessage(
                    bad(
                            () ->
                                    scaler.fit(
                                            logits,
                                            m.create(new boolean[] {true, false, true, false}))),
                    "labels",
                    "integer type",
                    "boolean");
            assertMessage(
                    bad(() -> scaler.fit(logits, m.create(new long[] {0, 1, 3, 1}))),
                    "labels",
                    "class index 3",
                    "position 2",
                    "[0, 3)");
            assertMessage(
                    bad(() -> scaler.fit(logits, m.create(new int[] {0, -1, 2, 1}))),
                    "labels",
                    "class index -1",
                    "position 1");
            assertMessage(
                    bad(() -> scaler.fit(with(logits, 2, 1, Float.NaN), labels)),
                    "logits",
                    "finite",
                    "NaN",
                    "(2, 1)");
            assertMessage(
                    bad(() -> scaler.fit(with(logits, 3, 0, Float.POSITIVE_INFINITY), labels)),
                    "logits",
                    "Infinity",
                    "(3, 0)");
            assertMessage(
                    bad(() -> scaler.fit(with(logits, 0, 2, Float.NEGATIVE_INFINITY), labels)),
                    "logits",
                    "-Infinity",
                    "(0, 2)");
            NDArray huge = m.create(new double[][] {{0, 1}, {1e308, -1e308}});
            assertMessage(
                    bad(() -> scaler.fit(huge, m.create(new long[] {0, 1}))),
                    "logits",
                    "row 1",
                    "float64 range");
        }
    }

    @Test
    public void failedFitsLeaveNoArrays() {
        TemperatureScaler scaler = new TemperatureScaler();
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.randomNormal(new Shape(4, 3));
            NDArray labels = m.create(new long[] {0, 1, 2, 1});
            NDArray nan = with(logits, 3, 2, Float.NaN);
            NDArray outOfRange = m.create(new long[] {0, 1, 2, 3});
            List<NDList> batches = List.of(new NDList(logits, labels), new NDList(nan, labels));
            int arrays = m.getManagedArrays().size();
            bad(() -> scaler.fit(nan, labels));
            bad(() -> scaler.fit(logits, outOfRange));
            bad(() -> scaler.fit(batches));
            assertEquals(m.getManagedArrays().size(), arrays, "arrays left by failed fits");
        }
    }

    @Test
    public void rejectsBadBatches() {
        TemperatureScaler scaler = new TemperatureScaler();
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.randomNormal(new Shape(4, 3));
            NDArray labels = m.create(new long[] {0, 1, 2, 1});
            NDList good = new NDList(logits, labels);

            assertMessage(bad(() -> scaler.fit((Iterable<NDList>) null)), "batches", "null");
            assertMessage(bad(() -> scaler.fit(List.of())), "batches", "empty", "0 batch");
            assertMessage(
                    bad(
                            () ->
                                    scaler.fit(
                                            List.of(
                                                    new NDList(
                                                            m.zeros(new Shape(0, 3)),
                                                            m.zeros(
                                                                    new Shape(0),
                                                                    DataType.INT64))))),
                    "batches",
                    "empty");
            assertMessage(
                    bad(() -> scaler.fit(List.of(good, new NDList(logits)))),
                    "batches[1]",
                    "(logits, labels)",
                    "1 array");
            assertMessage(bad(() -> scaler.fit(Arrays.asList(good, null))), "batches[1]", "null");
            assertMessage(
                    bad(
                            () ->
                                    scaler.fit(
                                            List.of(
                                                    good,
                                                    new NDList(
                                                            m.randomNormal(new Shape(2, 5)),
                                                            m.create(new long[] {0, 1}))))),
                    "batches[1] logits",
                    "5 classes",
                    "have 3");
            assertMessage(
                    bad(
                            () ->
                                    scaler.fit(
                                            List.of(
                                                    good,
                                                    good,
                                                    new NDList(
                                                            logits,
                                                            m.create(new long[] {0, 1, 7, 1}))))),
                    "batches[2] labels",
                    "class index 7");
            assertMessage(
                    bad(
                            () ->
                                    scaler.fit(
                                            List.of(
                                                    new NDList(
                                                            with(logits, 1, 1, Float.NaN),
                                                            labels)))),
                    "batches[0] logits",
                    "NaN",
                    "(1, 1)");
            assertMessage(
                    bad(
                            () ->
                                    scaler.fit(
                                            List.of(
                                                    new NDList(
                                                            logits,
                                                            labels.toType(
                                                                    DataType.FLOAT64, false))))),
                    "batches[0] labels",
                    "float64");
            // A source that yields fewer rows on its second pass.
            Iterable<NDList> shrinking =
                    new Iterable<>() {
                        private int pass;

                        @Override
                        public Iterator<NDList> iterator() {
                            pass++;
                            return pass == 1
                                    ? List.of(good, good).iterator()
                                    : List.of(good).iterator();
                        }
                    };
            assertMessage(bad(() -> scaler.fit(shrinking)), "batches", "pass 2", "4 rows", "8");

            assertMessage(bad(() -> scaler.fit((ArrayDataset) null, null)), "dataset", "null");
            ArrayDataset dataset =
                    new ArrayDataset.Builder()
                            .setData(logits)
                            .optLabels(labels)
                            .setSampling(2, false)
                            .build();
            assertMessage(bad(() -> scaler.fit(dataset, null)), "predictor", "null");
        }
    }

    @Test
    public void builderRejectsBadOptions() {
        assertMessage(
                bad(() -> TemperatureScaler.builder().optTolerance(0).build()), "tolerance", "0.0");
        assertMessage(
                bad(() -> TemperatureScaler.builder().optTolerance(Double.NaN).build()),
                "tolerance",
                "NaN");
        assertMessage(
                bad(() -> TemperatureScaler.builder().optTolerance(0.5).build()),
                "tolerance",
                "0.5");
        assertMessage(
                bad(() -> TemperatureScaler.builder().optMaxIterations(0).build()),
                "maxIterations",
                "0");
        assertMessage(
                bad(() -> TemperatureScaler.builder().optMinTemperature(0).build()),
                "minTemperature",
                "0.0");
        assertMessage(
                bad(() -> TemperatureScaler.builder().optMinTemperature(-1).build()),
                "minTemperature",
                "-1.0");
        assertMessage(
                bad(() -> TemperatureScaler.builder().optMinTemperature(2).build()),
                "minTemperature",
                "2.0");
        assertMessage(
                bad(() -> TemperatureScaler.builder().optMinTemperature(Double.NaN).build()),
                "minTemperature",
                "NaN");
        assertMessage(
                bad(() -> TemperatureScaler.builder().optMaxTemperature(0.5).build()),
                "maxTemperature",
                "0.5");
        assertMessage(
                bad(
                        () ->
                                TemperatureScaler.builder()
                                        .optMaxTemperature(Double.POSITIVE_INFINITY)
                                        .build()),
                "maxTemperature",
                "Infinity");
        TemperatureScaler defaults = new TemperatureScaler();
        assertEquals(defaults.getTolerance(), 1e-6);
        assertEquals(defaults.getMaxIterations(), 100);
        assertEquals(defaults.getMinTemperature(), 1e-3);
        assertEquals(defaults.getMaxTemperature(), 1e3);
        TemperatureScaler custom =
                TemperatureScaler.builder()
                        .optTolerance(1e-9)
                        .optMaxIterations(7)
                        .optMinTemperature(0.01)
                        .optMaxTemperature(50)
                        .build();
        assertEquals(custom.getTolerance(), 1e-9);
        assertEquals(custom.getMaxIterations(), 7);
        assertEquals(custom.getMinTemperature(), 0.01);
        assertEquals(custom.getMaxTemperature(), 50.0);
    }

    // ---------------------------------------------------------------- memory

    @Test
    public void repeatedFitsDoNotGrowMemory() {
        JsonObject c = find("overconfident_T2.5_float32");
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = logitsOf(m, c);
            NDArray labels = labelsOf(m, c);
            TemperatureScaler scaler = new TemperatureScaler();
            List<NDList> batches =
                    List.of(
                            new NDList(logits.get("0:500"), labels.get("0:500")),
                            new NDList(logits.get("500:"), labels.get("500:")));
            int arrays = m.getManagedArrays().size();
            Consumer<Integer> loop =
                    n -> {
                        for (int i = 0; i < n; i++) {
                            scaler.fit(logits, labels);
                            if (i % 10 == 0) {
                                scaler.fit(batches);
                            }
                        }
                    };
            loop.accept(300); // warm-up: JIT, allocator pools, heap sizing
            long before = residentKb();
            loop.accept(1000);
            long after = residentKb();
            assertEquals(m.getManagedArrays().size(), arrays, "arrays left on the manager");
            System.out.printf(
                    Locale.ROOT,
                    "resident memory: %d kB after warm-up, %d kB after 1,000 more fits%n",
                    before,
                    after);
            assertTrue(
                    after - before < 5 * 1024,
                    "resident memory grew by " + (after - before) + " kB over 1,000 fits");
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Object[][] names(String kind) {
        return CASES.stream()
                .filter(c -> kind.equals(c.get("kind").getAsString()))
                .map(c -> new Object[] {c.get("name").getAsString()})
                .toArray(Object[][]::new);
    }

    private static JsonObject find(String name) {
        return CASES.stream()
                .filter(c -> c.get("name").getAsString().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no fixture case " + name));
    }

    private static NDArray logitsOf(NDManager m, JsonObject c) {
        Shape shape = new Shape(Fixtures.longs(c.getAsJsonArray("shape")));
        NDArray wide = m.create(Fixtures.doubles(c.getAsJsonArray("logits")), shape);
        return "float32".equals(c.get("dtype").getAsString())
                ? wide.toType(DataType.FLOAT32, false)
                : wide;
    }

    private static NDArray labelsOf(NDManager m, JsonObject c) {
        return m.create(Fixtures.longs(c.getAsJsonArray("labels")));
    }

    static NDList loadNpz(NDManager m, String resource) {
        try (InputStream in = TemperatureScalerTest.class.getResourceAsStream("/" + resource)) {
            assertNotNull(in, "missing test resource " + resource);
            return NDList.decode(m, in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Iterator<NDList> slices(NDArray logits, NDArray labels, int size) {
        long rows = logits.getShape().get(0);
        return new Iterator<>() {
            private long from;

            @Override
            public boolean hasNext() {
                return from < rows;
            }

            @Override
            public NDList next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                NDIndex index = new NDIndex("{}:{}", from, Math.min(rows, from + size));
                from += size;
                // Copies, as a loader would make: they must not pile up on the manager.
                return new NDList(logits.get(index).duplicate(), labels.get(index).duplicate());
            }
        };
    }

    private static NDArray with(NDArray logits, int row, int column, float value) {
        float[] values = logits.toFloatArray();
        values[row * (int) logits.getShape().get(1) + column] = value;
        return logits.getManager().create(values, logits.getShape());
    }

    private static IllegalArgumentException bad(Assert.ThrowingRunnable call) {
        return expectThrows(IllegalArgumentException.class, call);
    }

    private static void assertMessage(Throwable e, String... parts) {
        String message = e.getMessage();
        for (String part : parts) {
            if (message == null || !message.contains(part)) {
                fail("message \"" + message + "\" should contain \"" + part + "\"");
            }
        }
    }

    private static void assertRelative(
            String name, String what, double actual, double expected, double rtol) {
        if (!(Math.abs(actual - expected) <= rtol * Math.abs(expected))) {
            fail(
                    String.format(
                            Locale.ROOT,
                            "%s: %s = %.15g, expected %.15g (rtol %.1e, off by %.2e relative)",
                            name,
                            what,
                            actual,
                            expected,
                            rtol,
                            Math.abs(actual - expected) / Math.abs(expected)));
        }
    }

    private static double[][] rows(NDArray logits) {
        double[] flat = logits.toType(DataType.FLOAT64, false).toDoubleArray();
        int n = (int) logits.getShape().get(0);
        int c = (int) logits.getShape().get(1);
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, i * c, (i + 1) * c);
        }
        return out;
    }

    /** Mean NLL of softmax(beta z) in plain Java doubles, independent of the engine. */
    static double meanNll(double[][] z, long[] y, double beta) {
        double total = 0;
        for (int i = 0; i < z.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z[i]) {
                max = Math.max(max, beta * v);
            }
            double sum = 0;
            for (double v : z[i]) {
                sum += Math.exp(beta * v - max);
            }
            total += max + Math.log(sum) - beta * z[i][(int) y[i]];
        }
        return total / z.length;
    }

    /** dNLL/dbeta = mean_i (E_p[z_i] - z_i,y_i) in plain Java doubles. */
    static double slope(double[][] z, long[] y, double beta) {
        double total = 0;
        for (int i = 0; i < z.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z[i]) {
                max = Math.max(max, beta * v);
            }
            double sum = 0;
            double weighted = 0;
            for (double v : z[i]) {
                double e = Math.exp(beta * v - max);
                sum += e;
                weighted += e * v;
            }
            total += weighted / sum - z[i][(int) y[i]];
        }
        return total / z.length;
    }

    /** Expected calibration error, equal-width bins (lo, hi] on the top-1 confidence. */
    static double ece(NDArray probabilities, NDArray labels, int bins) {
        double[][] p = rows(probabilities);
        long[] y = labels.toLongArray();
        double[] confidence = new double[bins];
        double[] correct = new double[bins];
        int[] count = new int[bins];
        for (int i = 0; i < p.length; i++) {
            int arg = 0;
            for (int k = 1; k < p[i].length; k++) {
                if (p[i][k] > p[i][arg]) {
                    arg = k;
                }
            }
            double conf = p[i][arg];
            int b = Math.min(bins - 1, Math.max(0, (int) Math.ceil(conf * bins) - 1));
            confidence[b] += conf;
            correct[b] += arg == y[i] ? 1 : 0;
            count[b]++;
        }
        double total = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) {
                total += Math.abs(correct[b] - confidence[b]) / p.length;
            }
        }
        return total;
    }

    /** Resident set size of this process in kB, from /proc/self/status. */
    static long residentKb() {
        System.gc();
        try {
            for (String line :
                    Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("no VmRSS line in /proc/self/status");
    }

    /** Counts the calls a fit makes to its {@link Progress}. */
    private static final class CountingProgress implements Progress {
        private int resets;
        private long increments;
        private long lastMax;

        @Override
        public void reset(String message, long max, String trailingMessage) {
            resets++;
            lastMax = max;
        }

        @Override
        public void start(long initialProgress) {}

        @Override
        public void end() {}

        @Override
        public void increment(long increment) {
            increments += increment;
        }

        @Override
        public void update(long progress, String message) {}
    }
}
