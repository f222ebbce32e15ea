package io.github.tempered.calibration;

import static io.github.tempered.testing.BadInput.iae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Dataset;
import io.github.tempered.testing.BadInput;
import java.util.Arrays;
import java.util.List;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * The bad-input matrix of the {@code calibration} package: the scaler (three fit entry points and
 * its builder), {@link TemperatureFit}, {@link CalibrationReport}, the three evaluators and {@link
 * ReliabilityDiagram}, each with every invalid input, the exact exception type and a message
 * fragment. NaN and infinite values are rejected here (see the package documentation).
 */
public class CalibrationBadInputTest {

    private NDManager manager;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    private static final TemperatureScaler SCALER = new TemperatureScaler();

    private static NDArray logits(NDManager m, long rows, long classes) {
        return m.randomNormal(new Shape(rows, classes));
    }

    private static NDArray labels(NDManager m, long... values) {
        return m.create(values);
    }

    private static NDArray withValue(NDManager m, float value, int position) {
        float[] v = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
        v[position] = value;
        return m.create(v, new Shape(2, 3));
    }

    @DataProvider(name = "scalerFit")
    public static Object[][] scalerFit() {
        return BadInput.rows(
                iae("null logits", "logits: must not be null", m -> SCALER.fit(null, labels(m, 0))),
                iae(
                        "null labels",
                        "labels: must not be null",
                        m -> SCALER.fit(logits(m, 2, 3), null)),
                iae(
                        "1-D logits",
                        "logits: must have shape (N, C), got (3)",
                        m -> SCALER.fit(m.ones(new Shape(3)), labels(m, 0))),
                iae(
                        "3-D logits",
                        "got (2, 3, 4)",
                        m -> SCALER.fit(m.ones(new Shape(2, 3, 4)), labels(m, 0, 1))),
                iae(
                        "complex64 logits",
                        "logits: must be floating point, got complex64 of shape (2, 3)",
                        m ->
                                SCALER.fit(
                                        m.ones(new Shape(2, 3)).toType(DataType.COMPLEX64, false),
                                        labels(m, 0, 1))),
                iae(
                        "integer logits",
                        "logits: must be floating point, got int64 of shape (2, 3)",
                        m -> SCALER.fit(m.zeros(new Shape(2, 3), DataType.INT64), labels(m, 0, 1))),
                iae(
                        "no classes",
                        "logits: must have at least one class, got shape (2, 0)",
                        m -> SCALER.fit(logits(m, 2, 0), labels(m, 0, 0))),
                iae(
                        "no rows",
                        "logits: empty input, got shape (0, 3)",
                        m -> SCALER.fit(logits(m, 0, 3), m.zeros(new Shape(0), DataType.INT64))),
                iae(
                        "labels of another length",
                        "labels: must have shape (2), one class index"
                                + " per row of the logits of shape (2, 3), got (3)",
                        m -> SCALER.fit(logits(m, 2, 3), labels(m, 0, 1, 2))),
                iae(
                        "2-D labels",
                        "got (2, 1)",
                        m -> SCALER.fit(logits(m, 2, 3), m.zeros(new Shape(2, 1), DataType.INT64))),
                iae(
                        "float labels",
                        "labels: must be class indices of an integer type (int64,"
                                + " int32, int8 or uint8), got float32 of shape (2); convert whole-number"
                                + " labels",
                        m -> SCALER.fit(logits(m, 2, 3), m.create(new float[] {0, 1}))),
                iae(
                        "boolean labels",
                        "got boolean of shape (2)",
                        m -> SCALER.fit(logits(m, 2, 3), m.create(new boolean[] {true, false}))),
                iae(
                        "label out of range",
                        "labels: class index 3 at position 1 is outside"
                                + " [0, 3) for logits of shape (2, 3)",
                        m -> SCALER.fit(logits(m, 2, 3), labels(m, 0, 3))),
                iae(
                        "negative label",
                        "class index -1 at position 0",
                        m -> SCALER.fit(logits(m, 2, 3), labels(m, -1, 0))),
                iae(
                        "NaN logit",
                        "logits: must be finite, got NaN at (1, 1) of shape (2, 3)",
                        m -> SCALER.fit(withValue(m, Float.NaN, 4), labels(m, 0, 1))),
                iae(
                        "+inf logit",
                        "got Infinity at (0, 2)",
                        m -> SCALER.fit(withValue(m, Float.POSITIVE_INFINITY, 2), labels(m, 0, 1))),
                iae(
                        "-inf logit",
                        "got -Infinity at (0, 0)",
                        m -> SCALER.fit(withValue(m, Float.NEGATIVE_INFINITY, 0), labels(m, 0, 1))),
                iae(
                        "float16 overflow to inf",
                        "got Infinity at (0, 0)",
                        m ->
                                SCALER.fit(
                                        withValue(m, 1e5f, 0).toType(DataType.FLOAT16, false),
                                        labels(m, 0, 1))),
                iae(
                        "row spans more than float64",
                        "row 0 spans more than the float64 range",
                        m ->
                                SCALER.fit(
                                        m.create(
                                                new double[] {-Double.MAX_VALUE, Double.MAX_VALUE},
                                                new Shape(1, 2)),
                                        labels(m, 0))));
    }

    @Test(dataProvider = "scalerFit")
    public void scalerFit(BadInput row) {
        row.assertRejected(manager);
    }

    @DataProvider(name = "scalerStreaming")
    public static Object[][] scalerStreaming() {
        return BadInput.rows(
                iae(
                        "null batches",
                        "batches: must not be null",
                        m -> SCALER.fit((Iterable<NDList>) null)),
                iae(
                        "no batches",
                        "batches: empty input, 0 batch(es) with 0 rows in all",
                        m -> SCALER.fit(List.of())),
                iae(
                        "batches of no rows",
                        "1 batch(es) with 0 rows",
                        m ->
                                SCALER.fit(
                                        List.of(
                                                new NDList(
                                                        logits(m, 0, 3),
                                                        m.zeros(new Shape(0), DataType.INT64))))),
                iae(
                        "a batch of one array",
                        "batches[1]: must be an NDList of (logits, labels)," + " got 1 array(s)",
                        m ->
                                SCALER.fit(
                                        List.of(
                                                new NDList(logits(m, 2, 3), labels(m, 0, 1)),
                                                new NDList(logits(m, 2, 3))))),
                iae(
                        "a null batch",
                        "batches[0]: must be an NDList of (logits, labels), got null",
                        m -> SCALER.fit(Arrays.asList((NDList) null))),
                iae(
                        "classes change between batches",
                        "batches[1] logits: has 4 classes (shape"
                                + " (2, 4)) but the earlier batches have 3",
                        m ->
                                SCALER.fit(
                                        List.of(
                                                new NDList(logits(m, 2, 3), labels(m, 0, 1)),
                                                new NDList(logits(m, 2, 4), labels(m, 0, 1))))),
                iae(
                        "float labels in a batch",
                        "batches[0] labels: must be class indices of an" + " integer type",
                        m ->
                                SCALER.fit(
                                        List.of(
                                                new NDList(
                                                        logits(m, 2, 3),
                                                        m.create(new float[] {0, 1}))))),
                iae(
                        "NaN logit in a batch",
                        "batches[0] logits: must be finite, got NaN",
                        m ->
                                SCALER.fit(
                                        List.of(
                                                new NDList(
                                                        withValue(m, Float.NaN, 1),
                                                        labels(m, 0, 1))))),
                iae(
                        "null dataset",
                        "dataset: must not be null",
                        m -> SCALER.fit((Dataset) null, null)),
                iae(
                        "dataset, null predictor",
                        "predictor: must not be null",
                        m ->
                                SCALER.fit(
                                        new ArrayDataset.Builder()
                                                .setData(logits(m, 2, 3))
                                                .optLabels(labels(m, 0, 1))
                                                .setSampling(1, false)
                                                .build(),
                                        null)));
    }

    @Test(dataProvider = "scalerStreaming")
    public void scalerStreaming(BadInput row) {
        row.assertRejected(manager);
    }

    @DataProvider(name = "scalerBuild")
    public static Object[][] scalerBuild() {
        return BadInput.rows(
                iae(
                        "tolerance 0",
                        "tolerance: must be in (0, 0.1], got 0.0",
                        m -> TemperatureScaler.builder().optTolerance(0).build()),
                iae(
                        "tolerance 0.5",
                        "got 0.5",
                        m -> TemperatureScaler.builder().optTolerance(0.5).build()),
                iae(
                        "tolerance NaN",
                        "got NaN",
                        m -> TemperatureScaler.builder().optTolerance(Double.NaN).build()),
                iae(
                        "max iterations 0",
                        "maxIterations: must be at least 1, got 0",
                        m -> TemperatureScaler.builder().optMaxIterations(0).build()),
                iae(
                        "min temperature 0",
                        "minTemperature: must be in (0, 1]",
                        m -> TemperatureScaler.builder().optMinTemperature(0).build()),
                iae(
                        "min temperature 2",
                        "got 2.0",
                        m -> TemperatureScaler.builder().optMinTemperature(2).build()),
                iae(
                        "min temperature NaN",
                        "got NaN",
                        m -> TemperatureScaler.builder().optMinTemperature(Double.NaN).build()),
                iae(
                        "max temperature 0.5",
                        "maxTemperature: must be finite and at least 1",
                        m -> TemperatureScaler.builder().optMaxTemperature(0.5).build()),
                iae(
                        "max temperature inf",
                        "got Infinity",
                        m ->
                                TemperatureScaler.builder()
                                        .optMaxTemperature(Double.POSITIVE_INFINITY)
                                        .build()));
    }

    @Test(dataProvider = "scalerBuild")
    public void scalerBuild(BadInput row) {
        row.assertRejected(manager);
    }

    private static final TemperatureFit FIT = new TemperatureFit(2, 1, 0.5, 3);

    @DataProvider(name = "temperatureFit")
    public static Object[][] temperatureFit() {
        return BadInput.rows(
                iae(
                        "temperature 0",
                        "temperature: must be finite and greater than 0, got 0.0",
                        m -> new TemperatureFit(0, 1, 1, 1)),
                iae("temperature NaN", "got NaN", m -> new TemperatureFit(Double.NaN, 1, 1, 1)),
                iae(
                        "temperature inf",
                        "got Infinity",
                        m -> new TemperatureFit(Double.POSITIVE_INFINITY, 1, 1, 1)),
                iae(
                        "negative iterations",
                        "iterations: must be >= 0, got -1",
                        m -> new TemperatureFit(1, 1, 1, -1)),
                iae(
                        "null outcome",
                        "outcome: must not be null",
                        m -> new TemperatureFit(1, 1, 1, 1, null)),
                iae("apply to null", "logits: must not be null", m -> FIT.apply(null)),
                iae(
                        "apply to a scalar",
                        "logits: must have at least one dimension",
                        m -> FIT.apply(m.create(1f))),
                iae(
                        "apply to integers",
                        "logits: must be floating point, got int32 of shape (2)",
                        m -> FIT.apply(m.create(new int[] {1, 2}))),
                iae(
                        "apply to complex64",
                        "logits: must be floating point, got complex64",
                        m -> FIT.apply(m.ones(new Shape(2, 3)).toType(DataType.COMPLEX64, false))),
                iae(
                        "apply to booleans",
                        "got boolean",
                        m -> FIT.apply(m.create(new boolean[] {true}))));
    }

    @Test(dataProvider = "temperatureFit")
    public void temperatureFit(BadInput row) {
        row.assertRejected(manager);
    }

    private static NDArray probabilities(NDManager m) {
        return m.create(new float[] {0.2f, 0.8f, 0.5f, 0.5f}, new Shape(2, 2));
    }

    @DataProvider(name = "report")
    public static Object[][] report() {
        return BadInput.rows(
                iae(
                        "null probabilities",
                        "probabilities: must not be null",
                        m -> CalibrationReport.of(null, labels(m, 0), 15)),
                iae(
                        "null labels",
                        "labels: must not be null",
                        m -> CalibrationReport.of(probabilities(m), null, 15)),
                iae(
                        "complex64 logits for the report",
                        "logits: must be floating point, got complex64",
                        m ->
                                CalibrationReport.ofLogits(
                                        m.ones(new Shape(2, 2)).toType(DataType.COMPLEX64, false),
                                        labels(m, 0, 1),
                                        15)),
                iae(
                        "integer probabilities",
                        "probabilities: must be floating point, got int32",
                        m ->
                                CalibrationReport.of(
                                        m.zeros(new Shape(2, 2), DataType.INT32),
                                        labels(m, 0, 1),
                                        15)),
                iae(
                        "1-D probabilities",
                        "probabilities: must have shape (N, C), got (2)",
                        m ->
                                CalibrationReport.of(
                                        m.create(new float[] {0.5f, 0.5f}), labels(m, 0), 15)),
                iae(
                        "no rows",
                        "probabilities: is empty (shape (0, 2)); at least one row",
                        m ->
                                CalibrationReport.of(
                                        m.zeros(new Shape(0, 2)),
                                        m.zeros(new Shape(0), DataType.INT64),
                                        15)),
                iae(
                        "no classes",
                        "probabilities: has no classes (shape (2, 0))",
                        m -> CalibrationReport.of(m.zeros(new Shape(2, 0)), labels(m, 0, 0), 15)),
                iae(
                        "labels of another length",
                        "labels: must have shape (2) to match"
                                + " probabilities of shape (2, 2), got (3)",
                        m -> CalibrationReport.of(probabilities(m), labels(m, 0, 1, 1), 15)),
                iae(
                        "float labels",
                        "labels: must be class indices of an integer type",
                        m ->
                                CalibrationReport.of(
                                        probabilities(m), m.create(new double[] {0, 1}), 15)),
                iae(
                        "label out of range",
                        "labels: class index 2 at position 1 is outside [0, 2)"
                                + " for probabilities of shape (2, 2)",
                        m -> CalibrationReport.of(probabilities(m), labels(m, 0, 2), 15)),
                iae(
                        "NaN probability",
                        "probabilities: must be finite, got NaN at (1, 0)",
                        m ->
                                CalibrationReport.of(
                                        m.create(
                                                new float[] {0.2f, 0.8f, Float.NaN, 0.5f},
                                                new Shape(2, 2)),
                                        labels(m, 0, 1),
                                        15)),
                iae(
                        "negative probability",
                        "probabilities: must not be negative, got -0.5",
                        m ->
                                CalibrationReport.of(
                                        m.create(
                                                new float[] {-0.5f, 1.5f, 0.5f, 0.5f},
                                                new Shape(2, 2)),
                                        labels(m, 0, 1),
                                        15)),
                iae(
                        "row not summing to 1",
                        "but row 1 sums to 0.9",
                        m ->
                                CalibrationReport.of(
                                        m.create(
                                                new double[] {0.5, 0.5, 0.4, 0.5}, new Shape(2, 2)),
                                        labels(m, 0, 1),
                                        15)),
                iae(
                        "0 bins",
                        "numBins: must be at least 1, got 0",
                        m -> CalibrationReport.of(probabilities(m), labels(m, 0, 1), 0)),
                iae(
                        "NaN logit",
                        "logits: must be finite, got NaN at (1, 1)",
                        m ->
                                CalibrationReport.ofLogits(
                                        withValue(m, Float.NaN, 4), labels(m, 0, 1), 15)),
                iae(
                        "-inf logit",
                        "logits: must be finite, got -Infinity at (0, 0)",
                        m ->
                                CalibrationReport.ofLogits(
                                        withValue(m, Float.NEGATIVE_INFINITY, 0),
                                        labels(m, 0, 1),
                                        15)),
                iae(
                        "merge with null",
                        "other: must not be null",
                        m ->
                                CalibrationReport.of(probabilities(m), labels(m, 0, 1), 15)
                                        .merge(null)),
                iae(
                        "merge with other bins",
                        "other: has 10 bins and 2 classes, but this report"
                                + " has 15 bins and 2 classes",
                        m ->
                                CalibrationReport.of(probabilities(m), labels(m, 0, 1), 15)
                                        .merge(
                                                CalibrationReport.of(
                                                        probabilities(m), labels(m, 0, 1), 10))));
    }

    @Test(dataProvider = "report")
    public void report(BadInput row) {
        row.assertRejected(manager);
    }

    @DataProvider(name = "evaluators")
    public static Object[][] evaluators() {
        CalibrationEvaluator[] all = {
            new ExpectedCalibrationError(), new NegativeLogLikelihood(), new BrierScore()
        };
        Object[][] rows = new Object[all.length * 12 + 6][];
        int k = 0;
        for (CalibrationEvaluator e : all) {
            String n = e.getName() + ": ";
            BadInput[] cases = {
                iae(
                        n + "null labels",
                        "labels: the NDList is empty or null",
                        m -> e.evaluate(null, new NDList(logits(m, 2, 3)))),
                iae(
                        n + "empty predictions",
                        "predictions: the NDList is empty or null",
                        m -> e.evaluate(new NDList(labels(m, 0, 1)), new NDList())),
                iae(
                        n + "complex64 predictions",
                        "predictions (logits): must be floating point, got complex64",
                        m ->
                                e.evaluate(
                                        new NDList(labels(m, 0, 1)),
                                        new NDList(
                                                m.ones(new Shape(2, 3))
                                                        .toType(DataType.COMPLEX64, false)))),
                iae(
                        n + "integer predictions",
                        "predictions (logits): must be floating point",
                        m ->
                                e.evaluate(
                                        new NDList(labels(m, 0, 1)),
                                        new NDList(m.zeros(new Shape(2, 3), DataType.INT32)))),
                iae(
                        n + "3-D predictions",
                        "predictions (logits): must have shape (N, C)",
                        m ->
                                e.evaluate(
                                        new NDList(labels(m, 0, 1)),
                                        new NDList(m.ones(new Shape(2, 3, 1))))),
                iae(
                        n + "labels of another length",
                        "labels: must have shape (2) to match"
                                + " predictions (logits) of shape (2, 3), got (1)",
                        m -> e.evaluate(new NDList(labels(m, 0)), new NDList(logits(m, 2, 3)))),
                iae(
                        n + "fractional float label",
                        "labels: floating-point class indices must"
                                + " be whole numbers, got 0.5 at position 1",
                        m ->
                                e.evaluate(
                                        new NDList(m.create(new float[] {0, 0.5f})),
                                        new NDList(logits(m, 2, 3)))),
                iae(
                        n + "label out of range",
                        "labels: class index 3 at position 0 is outside" + " [0, 3)",
                        m -> e.evaluate(new NDList(labels(m, 3, 0)), new NDList(logits(m, 2, 3)))),
                iae(
                        n + "NaN logit",
                        "predictions (logits): must be finite, got NaN at (0, 1)",
                        m ->
                                e.evaluate(
                                        new NDList(labels(m, 0, 1)),
                                        new NDList(withValue(m, Float.NaN, 1)))),
                iae(
                        n + "update of an unknown key",
                        "key: no accumulator named 'nope' was added",
                        m ->
                                e.updateAccumulator(
                                        "nope",
                                        new NDList(labels(m, 0, 1)),
                                        new NDList(logits(m, 2, 3)))),
                iae(
                        n + "accumulator of an unknown key",
                        "no accumulator named 'nope'",
                        m -> e.getAccumulator("nope")),
                iae(
                        n + "count of an unknown key",
                        "no accumulator named 'nope'",
                        m -> e.getAccumulatedCount("nope")),
            };
            for (BadInput c : cases) {
                rows[k++] = new Object[] {c};
            }
        }
        CalibrationEvaluator probs =
                ExpectedCalibrationError.builder().optFromLogits(false).build();
        BadInput[] more = {
            iae(
                    "ECE of probabilities: row sum",
                    "predictions (probabilities): each row must sum"
                            + " to 1 (within 0.001), but row 0 sums to 0.6",
                    m ->
                            probs.evaluate(
                                    new NDList(labels(m, 0, 1)),
                                    new NDList(
                                            m.create(
                                                    new double[] {0.1, 0.5, 0.5, 0.5},
                                                    new Shape(2, 2))))),
            iae(
                    "ECE builder: 0 bins",
                    "numBins: must be at least 1, got 0",
                    m -> ExpectedCalibrationError.builder().optNumBins(0).build()),
            iae(
                    "ECE builder: empty name",
                    "name: must not be null or empty, got \"\"",
                    m -> ExpectedCalibrationError.builder().optName("").build()),
            iae(
                    "NLL builder: null name",
                    "name: must not be null or empty, got null",
                    m -> NegativeLogLikelihood.builder().optName(null).build()),
            iae(
                    "Brier builder: empty name",
                    "name: must not be null or empty",
                    m -> BrierScore.builder().optName("").build()),
            iae(
                    "Brier: boolean labels",
                    "labels: must be class indices of an integer type"
                            + " (int64, int32, int8 or uint8, or floating point holding whole numbers),"
                            + " got boolean",
                    m ->
                            new BrierScore()
                                    .evaluate(
                                            new NDList(m.create(new boolean[] {true})),
                                            new NDList(logits(m, 1, 2)))),
        };
        for (BadInput c : more) {
            rows[k++] = new Object[] {c};
        }
        return rows;
    }

    @Test(dataProvider = "evaluators")
    public void evaluators(BadInput row) {
        row.assertRejected(manager);
    }

    @DataProvider(name = "diagram")
    public static Object[][] diagram() {
        return BadInput.rows(
                iae(
                        "of null",
                        "report: must be set (setReport), got null",
                        m -> ReliabilityDiagram.of(null)),
                iae(
                        "null title",
                        "title: must not be null",
                        m ->
                                ReliabilityDiagram.builder()
                                        .setReport(report(m))
                                        .optTitle(null)
                                        .build()),
                iae(
                        "too small",
                        "size: width and height must be in [200, 8192] pixels, got 199" + " x 640",
                        m ->
                                ReliabilityDiagram.builder()
                                        .setReport(report(m))
                                        .optSize(199, 640)
                                        .build()),
                iae(
                        "too large",
                        "got 560 x 100000",
                        m ->
                                ReliabilityDiagram.builder()
                                        .setReport(report(m))
                                        .optSize(560, 100_000)
                                        .build()),
                iae(
                        "pair with null before",
                        "before: must not be null",
                        m -> ReliabilityDiagram.pair(null, ReliabilityDiagram.of(report(m)))),
                iae(
                        "pair with null after report",
                        "after: must not be null",
                        m -> ReliabilityDiagram.pair(report(m), (CalibrationReport) null)),
                iae(
                        "PNG to null",
                        "out: must not be null",
                        m -> ReliabilityDiagram.of(report(m)).writePng(null)),
                iae(
                        "SVG to null",
                        "out: must not be null",
                        m -> ReliabilityDiagram.of(report(m)).writeSvg(null)),
                iae(
                        "save to null",
                        "file: must not be null",
                        m -> ReliabilityDiagram.of(report(m)).savePng(null)));
    }

    private static CalibrationReport report(NDManager m) {
        return CalibrationReport.of(probabilities(m), labels(m, 0, 1), 10);
    }

    @Test(dataProvider = "diagram")
    public void diagram(BadInput row) {
        row.assertRejected(manager);
    }
}
