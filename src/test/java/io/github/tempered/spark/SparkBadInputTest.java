package io.github.tempered.spark;

import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Listeners;
import org.testng.annotations.Test;

/**
 * Bad columns and bad rows for the three stages: each fails with an {@link
 * IllegalArgumentException} whose message names the column and the type seen, or the column and the
 * offending row's values.
 */
@Listeners(SparkSessions.class)
public class SparkBadInputTest {

    /** A call on a dataset that must fail. */
    private interface Call {
        void run(Dataset<Row> data);
    }

    private static final Call FIT = data -> new TemperatureScaling().fit(data);

    private static final Call FIT_PROBABILITIES =
            data -> new TemperatureScaling().setInputKind("probabilities").fit(data);

    private static final Call EVALUATE_LOGITS =
            data ->
                    new MulticlassCalibrationEvaluator()
                            .setInputCol("logits")
                            .setInputKind("logits")
                            .evaluate(data);

    private static final Call EVALUATE =
            data -> new MulticlassCalibrationEvaluator().setInputCol("logits").evaluate(data);

    /** A dataset of {@code logits: array<double>} and {@code label} of the given type. */
    private static Dataset<Row> data(DataType labelType, Object[]... rows) {
        StructType schema =
                new StructType()
                        .add("logits", DataTypes.createArrayType(DataTypes.DoubleType))
                        .add("label", labelType);
        List<Row> list = new ArrayList<>();
        for (Object[] row : rows) {
            list.add(RowFactory.create(row));
        }
        return SparkSessions.get().createDataFrame(list, schema);
    }

    private static Object[] row(Object label, Double... values) {
        return new Object[] {values == null ? null : Arrays.asList(values), label};
    }

    private static Dataset<Row> logits(Object[]... rows) {
        return data(DataTypes.IntegerType, rows);
    }

    private static final Object[] GOOD = row(0, 0.2, 0.5, 0.3);

    @DataProvider
    public static Object[][] badRows() {
        double nan = Double.NaN;
        double inf = Double.POSITIVE_INFINITY;
        return new Object[][] {
            {"NaN logit", FIT, logits(GOOD, row(1, 0.1, nan, 0.3)), "[0.1, NaN, 0.3]"},
            {"NaN logit", EVALUATE_LOGITS, logits(GOOD, row(1, 0.1, nan, 0.3)), "NaN at class 1"},
            {"infinite logit", FIT, logits(row(2, 0.1, 0.2, inf)), "must be finite, got Infinity"},
            {"infinite logit", EVALUATE_LOGITS, logits(row(2, inf, 0.2, 0.1)), "Infinity"},
            {"label = C", FIT, logits(GOOD, row(3, 0.1, 0.2, 0.3)), "[0, 3), got 3"},
            {"label = C", EVALUATE_LOGITS, logits(row(3, 0.1, 0.2, 0.3)), "[0, 3), got 3"},
            {"negative label", FIT, logits(row(-1, 0.1, 0.2, 0.3)), "got -1"},
            {
                "fractional label",
                FIT,
                data(DataTypes.DoubleType, row(1.0, 0.1, 0.2, 0.3), row(1.5, 0.1, 0.2, 0.3)),
                "got 1.5"
            },
            {"null label", EVALUATE_LOGITS, logits(GOOD, row(null, 0.1, 0.2, 0.3)), "is null"},
            {"null row", FIT, logits(GOOD, row(1, (Double[]) null)), "logits = null"},
            {"ragged rows", FIT, logits(GOOD, row(1, 0.1, 0.2)), "[0.1, 0.2]"},
            {"ragged rows", EVALUATE_LOGITS, logits(GOOD, row(1, 0.1, 0.2)), "same length"},
            {"empty dataset", FIT, logits(), "empty"},
            {"empty dataset", EVALUATE, logits(), "empty"},
            {
                "probabilities summing to 0.9",
                EVALUATE,
                logits(GOOD, row(1, 0.5, 0.3, 0.1)),
                "must sum to 1 (within 0.001), but the row sums to 0.9"
            },
            {
                "probabilities summing to 0.9",
                FIT_PROBABILITIES,
                logits(GOOD, row(1, 0.5, 0.3, 0.1)),
                "[0.5, 0.3, 0.1]"
            },
            {"negative probability", EVALUATE, logits(row(1, 1.2, -0.2, 0.0)), "negative"},
        };
    }

    @Test(dataProvider = "badRows")
    public void badRowsFailTheJobNamingColumnAndRow(
            String name, Call call, Dataset<Row> data, String fragment) {
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> call.run(data));
        String message = e.getMessage();
        assertTrue(message.contains("column '"), name + ": names no column: " + message);
        assertTrue(
                message.contains(fragment),
                name + ": expected a message containing '" + fragment + "', got: " + message);
    }

    @DataProvider
    public static Object[][] badColumns() {
        StructType schema =
                new StructType()
                        .add("logits", DataTypes.createArrayType(DataTypes.DoubleType))
                        .add("ints", DataTypes.createArrayType(DataTypes.IntegerType))
                        .add("text", DataTypes.StringType)
                        .add("label", DataTypes.IntegerType);
        return new Object[][] {
            {
                "missing input",
                (Runnable) () -> new TemperatureScaling().setInputCol("z").transformSchema(schema),
                "column 'z': does not exist"
            },
            {
                "input of strings",
                (Runnable)
                        () -> new TemperatureScaling().setInputCol("text").transformSchema(schema),
                "column 'text': must be array<float>, array<double> or an ml Vector"
                        + " of class scores; got string"
            },
            {
                "input of ints",
                (Runnable)
                        () -> new TemperatureScaling().setInputCol("ints").transformSchema(schema),
                "got array<int>"
            },
            {
                "label of strings",
                (Runnable)
                        () -> new TemperatureScaling().setLabelCol("text").transformSchema(schema),
                "column 'text': must hold class indices"
            },
            {
                "missing label",
                (Runnable) () -> new TemperatureScaling().setLabelCol("y").transformSchema(schema),
                "column 'y': does not exist"
            },
            {
                "existing output",
                (Runnable)
                        () -> new TemperatureScaling().setOutputCol("text").transformSchema(schema),
                "column 'text': already exists"
            },
            {
                "model input of strings",
                (Runnable)
                        () ->
                                new TemperatureScalingModel(
                                                "m",
                                                new io.github.tempered.calibration.TemperatureFit(
                                                        2, 1, 1, 1))
                                        .setInputCol("text")
                                        .transformSchema(schema),
                "column 'text': must be array<float>"
            },
            {
                "evaluator label of strings",
                (Runnable)
                        () ->
                                new MulticlassCalibrationEvaluator()
                                        .setInputCol("logits")
                                        .setLabelCol("text")
                                        .evaluate(
                                                SparkSessions.get()
                                                        .createDataFrame(List.of(), schema)),
                "got string"
            },
            {
                "bad inputKind",
                (Runnable) () -> new TemperatureScaling().setInputKind("scores"),
                "inputKind"
            },
            {"bad maxIter", (Runnable) () -> new TemperatureScaling().setMaxIter(0), "maxIter"},
            {"bad tol", (Runnable) () -> new TemperatureScaling().setTol(0.5), "tol"},
        };
    }

    @Test(dataProvider = "badColumns")
    public void badColumnsAreNamedWithTheTypeSeen(String name, Runnable call, String fragment) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, call::run);
        assertTrue(
                e.getMessage().contains(fragment),
                name
                        + ": expected a message containing '"
                        + fragment
                        + "', got: "
                        + e.getMessage());
    }
}
