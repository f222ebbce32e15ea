package io.github.tempered.spark;

import static org.apache.spark.sql.functions.col;

import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.internal.ScoreRows;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted temperature: a Spark ML {@link Model} that adds the calibrated probabilities {@code
 * softmax(z / T)} of each row's scores as an ml {@code Vector} column.
 *
 * <p>Made by {@link TemperatureScaling#fit}, whose {@code inputCol}, {@code inputKind} and {@code
 * outputCol} it copies. For {@code inputKind = "probabilities"} the scores' log serves as {@code z}
 * ({@code log(max(p, tiny))}, as in the fit). Rows whose scores are null give a null output; NaN or
 * infinite scores give NaN probabilities (the fit and {@link MulticlassCalibrationEvaluator} reject
 * them). The softmax is computed per row in float64 through the log-softmax, so logits of any
 * finite magnitude give finite probabilities.
 *
 * <p>{@link #save(String)} writes, as Spark ML models do, the params as JSON under {@code
 * path/metadata} and the fit (temperature, NLL before and after, passes, outcome) as one Parquet
 * row under {@code path/data}; {@link #load(String)} and {@code PipelineModel.load} read it back.
 *
 * @serial exclude
 */
public final class TemperatureScalingModel extends Model<TemperatureScalingModel>
        implements MLWritable, HasScoreColumn, HasOutputCol {

    private static final long serialVersionUID = 1L;

    private static final StructType DATA =
            new StructType()
                    .add("temperature", DataTypes.DoubleType, false)
                    .add("nllBefore", DataTypes.DoubleType, false)
                    .add("nllAfter", DataTypes.DoubleType, false)
                    .add("iterations", DataTypes.IntegerType, false)
                    .add("outcome", DataTypes.StringType, false);

    private final String uid;
    private final TemperatureFit fit;
    private final Param<String> inputCol;
    private final Param<String> inputKind;
    private final Param<String> outputCol;

    /**
     * Creates a model.
     *
     * @param uid the uid, that of the estimator that made it
     * @param fit the fit
     */
    TemperatureScalingModel(String uid, TemperatureFit fit) {
        this.uid = uid;
        this.fit = fit;
        inputCol = StageParams.inputCol(uid);
        inputKind = StageParams.inputKind(uid);
        outputCol = StageParams.outputCol(uid);
        setDefault(inputCol, "logits");
        setDefault(inputKind, InputKind.LOGITS.param());
        setDefault(outputCol, "calibratedProbability");
    }

    /** {@inheritDoc} */
    @Override
    public String uid() {
        return uid;
    }

    /**
     * Returns the fitted temperature.
     *
     * @return {@code T}, finite and greater than 0
     */
    public double temperature() {
        return fit.temperature();
    }

    /**
     * Returns the whole fit: temperature, mean NLL before ({@code T = 1}) and after, the number of
     * passes over the data and how the fit ended. Saved and loaded with the model.
     *
     * @return the fit
     */
    public TemperatureFit summary() {
        return fit;
    }

    /** {@inheritDoc} */
    @Override
    public Param<String> inputCol() {
        return inputCol;
    }

    /** {@inheritDoc} */
    @Override
    public Param<String> inputKind() {
        return inputKind;
    }

    /** {@inheritDoc} */
    @Override
    public Param<String> outputCol() {
        return outputCol;
    }

    /**
     * Sets the score column.
     *
     * @param value the column's name
     * @return this model
     */
    public TemperatureScalingModel setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    /**
     * Sets what the score column holds.
     *
     * @param value {@code "logits"} or {@code "probabilities"}
     * @return this model
     * @throws IllegalArgumentException for another value
     */
    public TemperatureScalingModel setInputKind(String value) {
        set(inputKind, value);
        return this;
    }

    /**
     * Sets the output column.
     *
     * @param value the column's name
     * @return this model
     */
    public TemperatureScalingModel setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    /**
     * Adds the calibrated probabilities {@code softmax(z / T)} as the output column.
     *
     * @param dataset rows with the score column
     * @return the dataset with the output column, an ml Vector of the scores' length
     * @throws IllegalArgumentException for a missing or mistyped score column, or an existing
     *     output column
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        ScoreColumns.Storage storage = ScoreColumns.checkScores(dataset.schema(), getInputCol());
        UserDefinedFunction calibrate =
                functions.udf(
                        new Calibrate(
                                1 / fit.temperature(),
                                InputKind.of(getInputKind()),
                                ScoreColumns.tiny(storage)),
                        SQLDataTypes.VectorType());
        return dataset.withColumn(getOutputCol(), calibrate.apply(col(getInputCol())));
    }

    /**
     * Checks the score column and returns the schema with the output column.
     *
     * @param schema the input schema
     * @return the schema with {@code outputCol}, an ml Vector, appended
     * @throws IllegalArgumentException naming a missing or mistyped column and the type seen, or an
     *     output column that already exists
     */
    @Override
    public StructType transformSchema(StructType schema) {
        ScoreColumns.checkScores(schema, getInputCol());
        return withOutput(schema, getOutputCol());
    }

    /**
     * Returns {@code schema} with a nullable ml Vector column appended.
     *
     * @param schema the schema
     * @param output the new column
     * @return the new schema
     * @throws IllegalArgumentException if the column exists
     */
    static StructType withOutput(StructType schema, String output) {
        ScoreColumns.checkAbsent(schema, output);
        return schema.add(
                new StructField(output, SQLDataTypes.VectorType(), true, Metadata.empty()));
    }

    /** {@inheritDoc} */
    @Override
    public TemperatureScalingModel copy(ParamMap extra) {
        return copyValues(new TemperatureScalingModel(uid, fit), extra).setParent(parent());
    }

    /**
     * Returns a writer that saves the params and the fit as Spark ML models do.
     *
     * @return the writer
     */
    @Override
    public MLWriter write() {
        return StageMetadata.writer(
                this,
                (path, session) -> {
                    Row row =
                            RowFactory.create(
                                    fit.temperature(),
                                    fit.nllBefore(),
                                    fit.nllAfter(),
                                    fit.iterations(),
                                    fit.outcome().name());
                    session.createDataFrame(List.of(row), DATA)
                            .repartition(1)
                            .write()
                            .parquet(new Path(path, "data").toString());
                });
    }

    /**
     * Returns a reader of models saved by {@link #write()} (called by {@code PipelineModel.load}).
     *
     * @return the reader
     */
    public static MLReader<TemperatureScalingModel> read() {
        return StageMetadata.reader(
                TemperatureScalingModel.class,
                (uid, path, session) -> {
                    Row row = session.read().parquet(new Path(path, "data").toString()).first();
                    TemperatureFit fit =
                            new TemperatureFit(
                                    row.<Double>getAs("temperature"),
                                    row.<Double>getAs("nllBefore"),
                                    row.<Double>getAs("nllAfter"),
                                    row.<Integer>getAs("iterations"),
                                    TemperatureFit.Outcome.valueOf(row.<String>getAs("outcome")));
                    return new TemperatureScalingModel(uid, fit);
                });
    }

    /**
     * Loads a model saved by {@link #save(String)}.
     *
     * @param path the directory
     * @return the model
     */
    public static TemperatureScalingModel load(String path) {
        return read().load(path);
    }

    /**
     * Returns a summary, e.g. {@code TemperatureScalingModel: uid=temperatureScaling_1a2b,
     * temperature=2.1209}.
     *
     * @return the summary
     */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "TemperatureScalingModel: uid=%s, temperature=%.6g",
                uid,
                fit.temperature());
    }

    /** The per-row calibration: {@code softmax(z / T)} in float64, as an ml Vector. */
    private static final class Calibrate implements UDF1<Object, Vector> {
        private static final long serialVersionUID = 1L;

        private final double inverseTemperature;
        private final InputKind kind;
        private final double tiny;

        Calibrate(double inverseTemperature, InputKind kind, double tiny) {
            this.inverseTemperature = inverseTemperature;
            this.kind = kind;
            this.tiny = tiny;
        }

        @Override
        public Vector call(Object scores) {
            if (scores == null) {
                return null;
            }
            double[] values;
            if (scores instanceof Vector) {
                values = ((Vector) scores).toArray().clone();
            } else {
                scala.collection.Seq<?> seq = (scala.collection.Seq<?>) scores;
                values = new double[seq.length()];
                for (int c = 0; c < values.length; c++) {
                    Object v = seq.apply(c);
                    values[c] = v == null ? Double.NaN : ((Number) v).doubleValue();
                }
            }
            if (kind == InputKind.PROBABILITIES) {
                ScoreColumns.probabilitiesToLogits(values, tiny);
            }
            ScoreRows.logSoftmax(values, 0, values.length, inverseTemperature, values);
            for (int c = 0; c < values.length; c++) {
                values[c] = Math.exp(values[c]);
            }
            return Vectors.dense(values);
        }
    }
}
