package io.github.tempered.calibration;

import static io.github.tempered.testing.BadInput.iae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.testing.BadInput;
import java.util.ArrayList;
import java.util.List;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * The bad-input matrix of the calibrators ({@link VectorScaler}, {@link MatrixScaler}, {@link
 * PlattScaler}, {@link IsotonicCalibrator}, {@link HistogramBinning}), their builders, their fits'
 * {@code apply} and the binary {@link CalibrationReport}: each invalid input, the exact exception
 * type and a message fragment naming the argument.
 */
public class CalibratorBadInputTest {

    private NDManager manager;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    private static NDArray logits(NDManager m, long rows, long classes) {
        return m.randomNormal(new Shape(rows, classes)).toType(DataType.FLOAT64, false);
    }

    private static NDArray labels(NDManager m, long... values) {
        return m.create(values);
    }

    private static NDArray with(NDManager m, double value) {
        return m.create(new double[] {0.1, 0.2, value, 0.4, 0.5, 0.6}, new Shape(2, 3));
    }

    /** The multiclass rows every multiclass calibrator must reject. */
    private static List<BadInput> multiclass(String name, Calibrator c) {
        return List.of(
                iae(
                        name + ": null logits",
                        "logits: must not be null",
                        m -> c.fit(null, labels(m, 0))),
                iae(
                        name + ": null labels",
                        "labels: must not be null",
                        m -> c.fit(logits(m, 2, 3), null)),
                iae(
                        name + ": empty",
                        "logits: empty input, got shape (0, 3)",
                        m ->
                                c.fit(
                                        m.zeros(new Shape(0, 3)),
                                        m.zeros(new Shape(0), DataType.INT64))),
                iae(
                        name + ": 3-D logits",
                        "(2, 3, 4)",
                        m -> c.fit(m.ones(new Shape(2, 3, 4)), labels(m, 0, 1))),
                iae(
                        name + ": NaN",
                        "logits: must be finite, got NaN at (0, 2) of shape (2, 3)",
                        m -> c.fit(with(m, Double.NaN), labels(m, 0, 1))),
                iae(
                        name + ": infinity",
                        "logits: must be finite, got Infinity at (0, 2)",
                        m -> c.fit(with(m, Double.POSITIVE_INFINITY), labels(m, 0, 1))),
                iae(
                        name + ": label out of range",
                        "labels: class index 3 at position 1 is outside [0, 3)",
                        m -> c.fit(logits(m, 2, 3), labels(m, 0, 3))),
                iae(
                        name + ": labels of another length",
                        "labels: must have shape (2)",
                        m -> c.fit(logits(m, 2, 3), labels(m, 0, 1, 2))),
                iae(
                        name + ": float labels",
                        "labels: must be class indices of an integer type",
                        m -> c.fit(logits(m, 2, 3), m.create(new float[] {0, 1}))),
                iae(
                        name + ": integer logits",
                        "logits: must be floating point, got int32",
                        m -> c.fit(m.ones(new Shape(2, 3), DataType.INT32), labels(m, 0, 1))));
    }

    /** The binary rows every binary calibrator must reject. */
    private static List<BadInput> binary(String name, Calibrator c) {
        return List.of(
                iae(
                        name + ": labels not 0/1",
                        "labels: binary labels must be 0 or 1, got 2 at position 1",
                        m -> c.fit(m.create(new double[] {0.1, 0.2}), labels(m, 0, 2))),
                iae(
                        name + ": NaN score",
                        "scores: must be finite, got NaN at 1 of shape (2)",
                        m -> c.fit(m.create(new double[] {0.1, Double.NaN}), labels(m, 0, 1))),
                iae(
                        name + ": empty scores",
                        "scores: empty input, got shape (0)",
                        m ->
                                c.fit(
                                        m.zeros(new Shape(0), DataType.FLOAT64),
                                        m.zeros(new Shape(0), DataType.INT64))),
                iae(
                        name + ": labels of another length",
                        "labels: must have shape (2), one 0/1 label per row of the scores",
                        m -> c.fit(m.create(new double[] {0.1, 0.2}), labels(m, 0))),
                iae(
                        name + ": negative label",
                        "labels: binary labels must be 0 or 1, got -1 at position 0",
                        m -> c.fit(m.create(new double[] {0.1, 0.2}), labels(m, -1, 1))));
    }

    @DataProvider
    public static Object[][] fits() {
        List<BadInput> rows = new ArrayList<>();
        rows.addAll(multiclass("vector", new VectorScaler()));
        rows.addAll(multiclass("matrix", new MatrixScaler()));
        rows.addAll(multiclass("isotonic", new IsotonicCalibrator()));
        rows.addAll(multiclass("histogram", new HistogramBinning()));
        rows.addAll(binary("platt", new PlattScaler()));
        rows.addAll(binary("isotonic", new IsotonicCalibrator()));
        rows.addAll(binary("histogram", new HistogramBinning()));
        rows.add(
                iae(
                        "vector: one class",
                        "logits: must have at least 2 classes, got shape (2, 1); for one score per"
                                + " row use PlattScaler",
                        m -> new VectorScaler().fit(m.ones(new Shape(2, 1)), labels(m, 0, 0))));
        rows.add(
                iae(
                        "platt: (N, 2) scores",
                        "scores: must have shape (N) or (N, 1), one score (logit) per row, got (2,"
                                + " 2)",
                        m -> new PlattScaler().fit(logits(m, 2, 2), labels(m, 0, 1))));
        rows.add(
                iae(
                        "isotonic: 3-D input",
                        "logits: must have shape (N, C) for multiclass logits, or (N) / (N, 1)",
                        m ->
                                new IsotonicCalibrator()
                                        .fit(m.ones(new Shape(2, 2, 2)), labels(m, 0))));
        return BadInput.rows(rows.toArray(new BadInput[0]));
    }

    @Test(dataProvider = "fits")
    public void fitRejects(BadInput row) {
        row.assertRejected(manager);
    }

    @DataProvider
    public static Object[][] options() {
        return BadInput.rows(
                iae(
                        "bins 0",
                        "bins: must be at least 1, got 0",
                        m -> HistogramBinning.builder().optBins(0).build()),
                iae(
                        "gradient tolerance 0",
                        "gradientTolerance: must be in (0, 1e-2], got 0.0",
                        m -> VectorScaler.builder().optGradientTolerance(0).build()),
                iae(
                        "gradient tolerance NaN",
                        "gradientTolerance: must be in (0, 1e-2], got NaN",
                        m -> PlattScaler.builder().optGradientTolerance(Double.NaN).build()),
                iae(
                        "max iterations 0",
                        "maxIterations: must be at least 1, got 0",
                        m -> MatrixScaler.builder().optMaxIterations(0).build()),
                iae(
                        "negative off-diagonal L2",
                        "offDiagonalL2: must be finite and >= 0, got -1.0",
                        m -> MatrixScaler.builder().optOffDiagonalL2(-1).build()),
                iae(
                        "infinite intercept L2",
                        "interceptL2: must be finite and >= 0, got Infinity",
                        m ->
                                MatrixScaler.builder()
                                        .optInterceptL2(Double.POSITIVE_INFINITY)
                                        .build()),
                iae(
                        "null input",
                        "input: must not be null",
                        m -> MatrixScaler.builder().optInput(null).build()));
    }

    @Test(dataProvider = "options")
    public void buildRejects(BadInput row) {
        row.assertRejected(manager);
    }

    @DataProvider
    public static Object[][] applies() {
        return BadInput.rows(
                iae(
                        "vector apply: wrong classes",
                        "logits: the last axis must hold the 3 classes of the fit, got shape (2, 4)",
                        m -> vectorFit(m).apply(logits(m, 2, 4))),
                iae(
                        "vector apply: null",
                        "logits: must not be null",
                        m -> vectorFit(m).apply(null)),
                iae(
                        "platt apply: (N, 2)",
                        "scores: must have shape (N) or (N, 1)",
                        m -> plattFit().apply(logits(m, 2, 2))),
                iae(
                        "isotonic apply: binary fit, (N, C) input",
                        "scores: must have shape (N) or (N, 1)",
                        m -> binaryIsotonic(m).apply(logits(m, 2, 3))),
                iae(
                        "isotonic apply: multiclass fit, other classes",
                        "logits: must have shape (N, 3) like the fit data, got (2, 4)",
                        m ->
                                new IsotonicCalibrator()
                                        .fit(logits(m, 4, 3), labels(m, 0, 1, 2, 0))
                                        .apply(logits(m, 2, 4))),
                iae(
                        "isotonic apply: NaN",
                        "scores: must be finite, got NaN at 0",
                        m -> binaryIsotonic(m).apply(m.create(new double[] {Double.NaN}))),
                iae(
                        "binary report: labels not 0/1",
                        "labels: binary labels must be 0 or 1, got 2",
                        m ->
                                CalibrationReport.ofBinary(
                                        m.create(new double[] {0.5, 0.5}), labels(m, 1, 2), 10)),
                iae(
                        "binary report: probability above 1",
                        "probabilities: must be in [0, 1], got 1.5 at position 1",
                        m ->
                                CalibrationReport.ofBinary(
                                        m.create(new double[] {0.5, 1.5}), labels(m, 1, 0), 10)),
                iae(
                        "binary report: (N, 2) scores",
                        "scores: must have shape (N) or (N, 1)",
                        m ->
                                CalibrationReport.ofBinaryLogits(
                                        logits(m, 2, 2), labels(m, 1, 0), 10)),
                iae(
                        "binary report: 0 bins",
                        "numBins: must be at least 1, got 0",
                        m ->
                                CalibrationReport.ofBinary(
                                        m.create(new double[] {0.5}), labels(m, 1), 0)));
    }

    @Test(dataProvider = "applies")
    public void applyRejects(BadInput row) {
        row.assertRejected(manager);
    }

    private static VectorFit vectorFit(NDManager m) {
        return new VectorScaler().fit(logits(m, 6, 3), labels(m, 0, 1, 2, 0, 1, 2));
    }

    private static PlattFit plattFit() {
        return new PlattScaling(1, 0, 0.7, 0.6, 1, 0, Convergence.CONVERGED);
    }

    private static IsotonicFit binaryIsotonic(NDManager m) {
        return new IsotonicCalibrator().fit(m.create(new double[] {0, 1, 2}), labels(m, 0, 1, 1));
    }
}
