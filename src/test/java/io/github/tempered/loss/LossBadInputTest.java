package io.github.tempered.loss;

import static io.github.tempered.testing.BadInput.iae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.internal.ClassIndices;
import io.github.tempered.testing.BadInput;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * The bad-input matrix of the {@code loss} package: for each public entry point, every invalid
 * input with the exact exception type and a fragment of its message. Nothing reaches the engine
 * with arguments it would crash on.
 */
public class LossBadInputTest {

    private NDManager manager;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    private static final CrossEntropyLoss CE = CrossEntropyLoss.builder().build();

    private static NDArray logits(NDManager m, long... shape) {
        return m.randomNormal(new Shape(shape));
    }

    /** DJL counts complex64 as floating point; no softmax is defined on it. */
    private static NDArray complex(NDManager m, long... shape) {
        return m.ones(new Shape(shape)).toType(DataType.COMPLEX64, false);
    }

    private static NDList ints(NDManager m, long... values) {
        return new NDList(m.create(values));
    }

    private static NDList in(NDArray... arrays) {
        return new NDList(arrays);
    }

    @DataProvider(name = "crossEntropyEvaluate")
    public static Object[][] crossEntropyEvaluate() {
        return BadInput.rows(
                iae(
                        "null labels",
                        "labels: the NDList is empty or null",
                        m -> CE.evaluate(null, in(logits(m, 2, 3)))),
                iae(
                        "empty labels",
                        "labels: the NDList is empty or null",
                        m -> CE.evaluate(new NDList(), in(logits(m, 2, 3)))),
                iae(
                        "null predictions",
                        "predictions: the NDList is empty or null",
                        m -> CE.evaluate(ints(m, 0, 1), null)),
                iae(
                        "empty predictions",
                        "predictions: the NDList is empty or null",
                        m -> CE.evaluate(ints(m, 0, 1), new NDList())),
                iae(
                        "scalar logits",
                        "a scalar of shape ()",
                        m -> CE.evaluate(ints(m, 0), in(m.create(1f)))),
                iae(
                        "int32 logits",
                        "must be floating point, got int32 of shape (2, 3)",
                        m ->
                                CE.evaluate(
                                        ints(m, 0, 1),
                                        in(m.zeros(new Shape(2, 3), DataType.INT32)))),
                iae(
                        "complex64 logits",
                        "predictions: logits must be floating point, got complex64",
                        m -> CE.evaluate(ints(m, 0, 1), in(complex(m, 2, 3)))),
                iae(
                        "boolean logits",
                        "must be floating point, got boolean",
                        m ->
                                CE.evaluate(
                                        ints(m, 0, 1),
                                        in(m.zeros(new Shape(2, 3), DataType.BOOLEAN)))),
                iae(
                        "labels of another length",
                        "labels: shape (3) fits neither",
                        m -> CE.evaluate(ints(m, 0, 1, 2), in(logits(m, 2, 3)))),
                iae(
                        "probabilities of another shape",
                        "expected (2, 3)",
                        m -> CE.evaluate(in(m.ones(new Shape(3, 2))), in(logits(m, 2, 3)))),
                iae(
                        "complex64 probabilities",
                        "labels: class probabilities must be floating point, got complex64",
                        m -> CE.evaluate(in(complex(m, 2, 3)), in(logits(m, 2, 3)))),
                iae(
                        "integer probabilities",
                        "class probabilities must be floating point",
                        m ->
                                CE.evaluate(
                                        in(m.zeros(new Shape(2, 3), DataType.INT32)),
                                        in(logits(m, 2, 3)))),
                iae(
                        "label = C",
                        "labels: class index 3 at position 1 is outside [0, 3)",
                        m -> CE.evaluate(ints(m, 0, 3), in(logits(m, 2, 3)))),
                iae(
                        "negative label",
                        "class index -1 at position 0 is outside [0, 3)",
                        m -> CE.evaluate(ints(m, -1, 0), in(logits(m, 2, 3)))),
                iae(
                        "label Long.MAX_VALUE",
                        "class index 9223372036854775807",
                        m -> CE.evaluate(ints(m, 0, Long.MAX_VALUE), in(logits(m, 2, 3)))),
                iae(
                        "label at a K-dim position",
                        "at position (1, 0) is outside [0, 3)",
                        m ->
                                CE.evaluate(
                                        in(m.create(new long[] {0, 1, 5, 2}, new Shape(2, 2))),
                                        in(logits(m, 2, 2, 3)))),
                iae(
                        "fractional float label",
                        "whole numbers, got 1.5 at position 1",
                        m -> CE.evaluate(in(m.create(new float[] {0, 1.5f})), in(logits(m, 2, 3)))),
                iae(
                        "NaN float label",
                        "whole numbers, got NaN at position 0",
                        m ->
                                CE.evaluate(
                                        in(m.create(new float[] {Float.NaN, 1})),
                                        in(logits(m, 2, 3)))),
                iae(
                        "infinite float label",
                        "whole numbers in the int64 range, got Infinity at position 1",
                        m ->
                                CE.evaluate(
                                        in(m.create(new double[] {0, Double.POSITIVE_INFINITY})),
                                        in(logits(m, 2, 3)))),
                iae(
                        "float label beyond int64",
                        "in the int64 range, got 1.0E30 at position 1",
                        m ->
                                CE.evaluate(
                                        in(m.create(new float[] {0, 1e30f})), in(logits(m, 2, 3)))),
                iae(
                        "boolean labels",
                        "labels: must be class indices of an integer type",
                        m ->
                                CE.evaluate(
                                        in(m.create(new boolean[] {true, false})),
                                        in(logits(m, 2, 3)))),
                iae(
                        "no classes",
                        "outside [0, 0)",
                        m -> CE.evaluate(ints(m, 0, 0), in(logits(m, 2, 0)))),
                iae(
                        "class axis out of range",
                        "classAxis: 2 is out of range for logits of" + " shape (2, 3) (rank 2)",
                        m ->
                                CrossEntropyLoss.builder()
                                        .optClassAxis(2)
                                        .build()
                                        .evaluate(ints(m, 0, 1), in(logits(m, 2, 3)))),
                iae(
                        "weight of another length",
                        "weight: has 2 entries but the logits of shape" + " (2, 3) have C = 3",
                        m ->
                                CrossEntropyLoss.builder()
                                        .optWeight(new float[] {1, 2})
                                        .build()
                                        .evaluate(ints(m, 0, 1), in(logits(m, 2, 3)))),
                iae(
                        "ignore index with probabilities",
                        "an ignore index (-100) is not supported",
                        m ->
                                CrossEntropyLoss.builder()
                                        .optIgnoreIndex(-100)
                                        .build()
                                        .evaluate(
                                                in(m.ones(new Shape(2, 3)).div(3)),
                                                in(logits(m, 2, 3)))),
                iae(
                        "strict: NaN logit",
                        "predictions: logits must be finite"
                                + " (optRejectNonFinite is set), got NaN at position (1, 2) of shape"
                                + " (2, 3)",
                        m ->
                                strict().evaluate(
                                                ints(m, 0, 1),
                                                in(
                                                        m.create(
                                                                new float[] {
                                                                    0, 1, 2, 3, 4, Float.NaN
                                                                },
                                                                new Shape(2, 3))))),
                iae(
                        "strict: +inf logit",
                        "got Infinity at position (0, 0)",
                        m ->
                                strict().evaluate(
                                                ints(m, 0, 1),
                                                in(
                                                        m.create(
                                                                new float[] {
                                                                    Float.POSITIVE_INFINITY,
                                                                    1,
                                                                    2,
                                                                    3,
                                                                    4,
                                                                    5
                                                                },
                                                                new Shape(2, 3))))),
                iae(
                        "strict: -inf logit",
                        "got -Infinity at position (1, 1)",
                        m ->
                                strict().evaluate(
                                                ints(m, 0, 1),
                                                in(
                                                        m.create(
                                                                new float[] {
                                                                    0,
                                                                    1,
                                                                    2,
                                                                    3,
                                                                    Float.NEGATIVE_INFINITY,
                                                                    5
                                                                },
                                                                new Shape(2, 3))))),
                iae(
                        "strict: float16 NaN logit",
                        "got NaN at position (0, 1)",
                        m ->
                                strict().evaluate(
                                                ints(m, 0, 1),
                                                in(
                                                        m.create(
                                                                        new float[] {
                                                                            0, Float.NaN, 2, 3, 4, 5
                                                                        },
                                                                        new Shape(2, 3))
                                                                .toType(DataType.FLOAT16, false)))),
                iae(
                        "update of an unknown key",
                        "key: no accumulator named 'train'" + " was added to CrossEntropyLoss",
                        m ->
                                CE.updateAccumulators(
                                        new String[] {"train"},
                                        ints(m, 0, 1),
                                        in(logits(m, 2, 3)))),
                iae(
                        "accumulator of an unknown key",
                        "No loss found",
                        m -> CE.getAccumulator("nope")));
    }

    private static CrossEntropyLoss strict() {
        return CrossEntropyLoss.builder().optRejectNonFinite(true).build();
    }

    @Test(dataProvider = "crossEntropyEvaluate")
    public void crossEntropyEvaluate(BadInput row) {
        row.assertRejected(manager);
    }

    @DataProvider(name = "crossEntropyBuild")
    public static Object[][] crossEntropyBuild() {
        return BadInput.rows(
                iae(
                        "temperature 0",
                        "temperature: must be finite and greater than 0, got 0.0",
                        m -> CrossEntropyLoss.builder().optTemperature(0).build()),
                iae(
                        "temperature -1",
                        "got -1.0",
                        m -> CrossEntropyLoss.builder().optTemperature(-1).build()),
                iae(
                        "temperature NaN",
                        "got NaN",
                        m -> CrossEntropyLoss.builder().optTemperature(Float.NaN).build()),
                iae(
                        "temperature inf",
                        "got Infinity",
                        m ->
                                CrossEntropyLoss.builder()
                                        .optTemperature(Float.POSITIVE_INFINITY)
                                        .build()),
                iae(
                        "smoothing -0.1",
                        "labelSmoothing: must be in [0, 1], got -0.1",
                        m -> CrossEntropyLoss.builder().optLabelSmoothing(-0.1f).build()),
                iae(
                        "smoothing 1.5",
                        "labelSmoothing: must be in [0, 1], got 1.5",
                        m -> CrossEntropyLoss.builder().optLabelSmoothing(1.5f).build()),
                iae(
                        "smoothing NaN",
                        "labelSmoothing: must be in [0, 1], got NaN",
                        m -> CrossEntropyLoss.builder().optLabelSmoothing(Float.NaN).build()),
                iae(
                        "empty weight",
                        "weight: must not be empty",
                        m -> CrossEntropyLoss.builder().optWeight(new float[0]).build()),
                iae(
                        "negative weight",
                        "weight: entry 1 must be finite and non-negative, got -2.0",
                        m -> CrossEntropyLoss.builder().optWeight(new float[] {1, -2}).build()),
                iae(
                        "NaN weight",
                        "weight: entry 0 must be finite and non-negative, got NaN",
                        m -> CrossEntropyLoss.builder().optWeight(new float[] {Float.NaN}).build()),
                iae(
                        "infinite weight",
                        "got Infinity",
                        m ->
                                CrossEntropyLoss.builder()
                                        .optWeight(new float[] {1, Float.POSITIVE_INFINITY})
                                        .build()),
                iae(
                        "null reduction",
                        "reduction: must not be null",
                        m -> CrossEntropyLoss.builder().optReduction(null).build()),
                iae(
                        "empty name",
                        "name: must be a non-empty string",
                        m -> CrossEntropyLoss.builder().optName("").build()),
                iae(
                        "null name",
                        "name: must be a non-empty string, got null",
                        m -> CrossEntropyLoss.builder().optName(null).build()));
    }

    @Test(dataProvider = "crossEntropyBuild")
    public void crossEntropyBuild(BadInput row) {
        row.assertRejected(manager);
    }

    private static final DistillationLoss KD = DistillationLoss.builder().build();

    @DataProvider(name = "distillationEvaluate")
    public static Object[][] distillationEvaluate() {
        return BadInput.rows(
                iae(
                        "null predictions",
                        "predictions: expected [student logits]",
                        m -> KD.evaluate(in(m.create(new long[] {0, 1}), logits(m, 2, 3)), null)),
                iae(
                        "empty predictions",
                        "predictions: expected [student logits]",
                        m ->
                                KD.evaluate(
                                        in(m.create(new long[] {0, 1}), logits(m, 2, 3)),
                                        new NDList())),
                iae(
                        "null labels",
                        "labels: expected [hard labels, teacher logits]",
                        m -> KD.evaluate(null, in(logits(m, 2, 3)))),
                iae(
                        "three label arrays",
                        "got 3 arrays of shapes [(2), (2, 3), (2, 3)]",
                        m ->
                                KD.evaluate(
                                        in(logits(m, 2), logits(m, 2, 3), logits(m, 2, 3)),
                                        in(logits(m, 2, 3)))),
                iae(
                        "teacher missing with alpha < 1",
                        "the teacher logits are missing",
                        m -> KD.evaluate(in(m.create(new long[] {0, 1})), in(logits(m, 2, 3)))),
                iae(
                        "null teacher",
                        "labels.get(1) is null",
                        m ->
                                KD.evaluate(
                                        new NDList(m.create(new long[] {0, 1}), null),
                                        in(logits(m, 2, 3)))),
                iae(
                        "null hard labels",
                        "the hard labels labels.get(0) are null",
                        m -> KD.evaluate(new NDList(null, logits(m, 2, 3)), in(logits(m, 2, 3)))),
                iae(
                        "teacher of another shape",
                        "the teacher logits of shape (2, 4) must have"
                                + " the student logits' shape (2, 3)",
                        m ->
                                KD.evaluate(
                                        in(m.create(new long[] {0, 1}), logits(m, 2, 4)),
                                        in(logits(m, 2, 3)))),
                iae(
                        "complex64 teacher",
                        "the teacher logits must be floating point, got complex64",
                        m ->
                                KD.evaluate(
                                        in(m.create(new long[] {0, 1}), complex(m, 2, 3)),
                                        in(logits(m, 2, 3)))),
                iae(
                        "integer teacher",
                        "the teacher logits must be floating point, got int32",
                        m ->
                                KD.evaluate(
                                        in(
                                                m.create(new long[] {0, 1}),
                                                m.zeros(new Shape(2, 3), DataType.INT32)),
                                        in(logits(m, 2, 3)))),
                iae(
                        "1-D student",
                        "at least two dimensions), got shape (3)",
                        m -> KD.evaluate(in(m.create(0L), logits(m, 3)), in(logits(m, 3)))),
                iae(
                        "complex64 student",
                        "student logits must be floating point, got complex64",
                        m ->
                                KD.evaluate(
                                        in(m.create(new long[] {0, 1}), logits(m, 2, 3)),
                                        in(complex(m, 2, 3)))),
                iae(
                        "integer student",
                        "student logits must be floating point, got int32",
                        m ->
                                KD.evaluate(
                                        in(m.create(new long[] {0, 1}), logits(m, 2, 3)),
                                        in(m.zeros(new Shape(2, 3), DataType.INT32)))),
                iae(
                        "hard labels of another shape",
                        "the hard labels of shape (3) fit neither",
                        m ->
                                KD.evaluate(
                                        in(m.create(new long[] {0, 1, 2}), logits(m, 2, 3)),
                                        in(logits(m, 2, 3)))),
                iae(
                        "hard label out of range",
                        "class index 3 at position 1 is outside [0, 3)",
                        m ->
                                KD.evaluate(
                                        in(m.create(new long[] {0, 3}), logits(m, 2, 3)),
                                        in(logits(m, 2, 3)))),
                iae(
                        "boolean hard labels",
                        "must be class indices of an integer type",
                        m ->
                                KD.evaluate(
                                        in(m.create(new boolean[] {true, false}), logits(m, 2, 3)),
                                        in(logits(m, 2, 3)))),
                iae(
                        "probability hard labels with an ignore index",
                        "so the hard labels must" + " be class indices of shape (2)",
                        m ->
                                DistillationLoss.builder()
                                        .optHardLoss(
                                                CrossEntropyLoss.builder()
                                                        .optIgnoreIndex(-100)
                                                        .build())
                                        .build()
                                        .evaluate(
                                                in(logits(m, 2, 3).softmax(1), logits(m, 2, 3)),
                                                in(logits(m, 2, 3)))),
                iae(
                        "class axes disagreeing at evaluate",
                        "disagrees with the hard loss's class" + " axis 2",
                        m ->
                                DistillationLoss.builder()
                                        .optClassAxis(-2)
                                        .optHardLoss(
                                                CrossEntropyLoss.builder().optClassAxis(2).build())
                                        .build()
                                        .evaluate(
                                                in(
                                                        m.zeros(new Shape(2, 3), DataType.INT64),
                                                        logits(m, 2, 3, 4)),
                                                in(logits(m, 2, 3, 4)))),
                iae(
                        "class axis out of range",
                        "classAxis: 3 is out of range",
                        m ->
                                DistillationLoss.builder()
                                        .optClassAxis(3)
                                        .build()
                                        .evaluate(
                                                in(m.create(new long[] {0, 1}), logits(m, 2, 3)),
                                                in(logits(m, 2, 3)))),
                iae(
                        "strict: NaN student",
                        "predictions: student logits must be finite",
                        m ->
                                strictKd()
                                        .evaluate(
                                                in(m.create(new long[] {0, 1}), logits(m, 2, 3)),
                                                in(
                                                        m.create(
                                                                new float[] {
                                                                    0, 1, 2, Float.NaN, 0, 0
                                                                },
                                                                new Shape(2, 3))))),
                iae(
                        "strict: NaN teacher",
                        "labels: teacher logits must be finite or -inf"
                                + " (optRejectNonFinite is set), got NaN at position (0, 2)",
                        m ->
                                strictKd()
                                        .evaluate(
                                                in(
                                                        m.create(new long[] {0, 1}),
                                                        m.create(
                                                                new float[] {
                                                                    0, 1, Float.NaN, 0, 0, 0
                                                                },
                                                                new Shape(2, 3))),
                                                in(logits(m, 2, 3)))),
                iae(
                        "strict: +inf teacher",
                        "got Infinity at position (1, 0)",
                        m ->
                                strictKd()
                                        .evaluate(
                                                in(
                                                        m.create(new long[] {0, 1}),
                                                        m.create(
                                                                new float[] {
                                                                    0,
                                                                    1,
                                                                    2,
                                                                    Float.POSITIVE_INFINITY,
                                                                    0,
                                                                    0
                                                                },
                                                                new Shape(2, 3))),
                                                in(logits(m, 2, 3)))),
                iae(
                        "update of an unknown key",
                        "key: no accumulator named 'x' was added to" + " DistillationLoss",
                        m ->
                                KD.updateAccumulators(
                                        new String[] {"x"},
                                        in(m.create(new long[] {0, 1}), logits(m, 2, 3)),
                                        in(logits(m, 2, 3)))));
    }

    private static DistillationLoss strictKd() {
        return DistillationLoss.builder().optRejectNonFinite(true).build();
    }

    @Test(dataProvider = "distillationEvaluate")
    public void distillationEvaluate(BadInput row) {
        row.assertRejected(manager);
    }

    @DataProvider(name = "distillationBuild")
    public static Object[][] distillationBuild() {
        return BadInput.rows(
                iae(
                        "temperature 0",
                        "temperature: must be finite and greater than 0, got 0.0",
                        m -> DistillationLoss.builder().optTemperature(0).build()),
                iae(
                        "temperature NaN",
                        "got NaN",
                        m -> DistillationLoss.builder().optTemperature(Float.NaN).build()),
                iae(
                        "temperature inf",
                        "got Infinity",
                        m ->
                                DistillationLoss.builder()
                                        .optTemperature(Float.POSITIVE_INFINITY)
                                        .build()),
                iae(
                        "alpha -0.1",
                        "alpha: must be in [0, 1], got -0.1",
                        m -> DistillationLoss.builder().optAlpha(-0.1f).build()),
                iae(
                        "alpha 1.5",
                        "alpha: must be in [0, 1], got 1.5",
                        m -> DistillationLoss.builder().optAlpha(1.5f).build()),
                iae(
                        "alpha NaN",
                        "alpha: must be in [0, 1], got NaN",
                        m -> DistillationLoss.builder().optAlpha(Float.NaN).build()),
                iae(
                        "class axis 0",
                        "classAxis: must not be 0, the batch axis",
                        m -> DistillationLoss.builder().optClassAxis(0).build()),
                iae(
                        "hard loss on axis 0",
                        "(from the hard loss)",
                        m ->
                                DistillationLoss.builder()
                                        .optHardLoss(
                                                CrossEntropyLoss.builder().optClassAxis(0).build())
                                        .build()),
                iae(
                        "class axes disagree",
                        "classAxis: 1 disagrees with the hard loss's class" + " axis 2",
                        m ->
                                DistillationLoss.builder()
                                        .optClassAxis(1)
                                        .optHardLoss(
                                                CrossEntropyLoss.builder().optClassAxis(2).build())
                                        .build()),
                iae(
                        "hard loss with reduction NONE",
                        "hardLoss: reduction must be MEAN or SUM",
                        m ->
                                DistillationLoss.builder()
                                        .optHardLoss(
                                                CrossEntropyLoss.builder()
                                                        .optReduction(Reduction.NONE)
                                                        .build())
                                        .build()),
                iae(
                        "empty name",
                        "name: must be a non-empty string",
                        m -> DistillationLoss.builder().optName("").build()));
    }

    @Test(dataProvider = "distillationBuild")
    public void distillationBuild(BadInput row) {
        row.assertRejected(manager);
    }

    private static final ClassIndices.LabelTypes INTS = ClassIndices.LabelTypes.INTEGERS;
    private static final ClassIndices.LabelTypes INTS_OR_FLOATS =
            ClassIndices.LabelTypes.INTEGERS_OR_WHOLE_FLOATS;

    @DataProvider(name = "classIndices")
    public static Object[][] classIndices() {
        return BadInput.rows(
                iae(
                        "null",
                        "y: must not be null",
                        m -> ClassIndices.read(null, "y", INTS_OR_FLOATS)),
                iae(
                        "float32 when floats are refused",
                        "y: must be class indices of an integer"
                                + " type (int64, int32, int8 or uint8), got float32 of shape (2);"
                                + " convert whole-number labels with labels.toType(DataType.INT64,"
                                + " false)",
                        m -> ClassIndices.read(m.create(new float[] {0, 1}), "y", INTS)),
                iae(
                        "boolean",
                        "or floating point holding whole numbers), got boolean",
                        m ->
                                ClassIndices.read(
                                        m.create(new boolean[] {true}), "y", INTS_OR_FLOATS)),
                iae(
                        "fraction",
                        "y: floating-point class indices must be whole numbers, got 0.5"
                                + " at position 0",
                        m -> ClassIndices.read(m.create(new double[] {0.5}), "y", INTS_OR_FLOATS)),
                iae(
                        "float16 fraction",
                        "got 2.5 at position (0, 1)",
                        m ->
                                ClassIndices.read(
                                        m.create(new float[] {0, 2.5f}, new Shape(1, 2))
                                                .toType(DataType.FLOAT16, false),
                                        "y",
                                        INTS_OR_FLOATS)),
                iae(
                        "-inf",
                        "got -Infinity",
                        m ->
                                ClassIndices.read(
                                        m.create(new double[] {Double.NEGATIVE_INFINITY}),
                                        "y",
                                        INTS_OR_FLOATS)),
                iae(
                        "9.3e18",
                        "in the int64 range, got 9.3E18",
                        m ->
                                ClassIndices.read(
                                        m.create(new double[] {9.3e18}), "y", INTS_OR_FLOATS)),
                iae(
                        "range",
                        "y: class index 4 at position 2 is outside [0, 4) for test",
                        m ->
                                ClassIndices.read(
                                        m.create(new int[] {0, 3, 4}), "y", INTS, 4, "for test")),
                iae(
                        "uint8 range",
                        "class index 200 at position 0 is outside [0, 10)",
                        m ->
                                ClassIndices.read(
                                        m.create(new byte[] {(byte) 200})
                                                .toType(DataType.UINT8, false),
                                        "y",
                                        INTS,
                                        10,
                                        "")),
                iae(
                        "int8 negative",
                        "class index -3 at position 0 is outside [0, 10)",
                        m -> ClassIndices.read(m.create(new byte[] {-3}), "y", INTS, 10, "")));
    }

    @Test(dataProvider = "classIndices")
    public void classIndices(BadInput row) {
        row.assertRejected(manager);
    }
}
