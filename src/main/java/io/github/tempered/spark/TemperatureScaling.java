package io.github.tempered.spark;

import io.github.tempered.calibration.PassTotals;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import java.io.Serializable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits the temperature of temperature scaling (Guo et al. 2017) to a Spark dataset of logits (or
 * probabilities) and labels: a Spark ML {@link Estimator} whose model, {@link
 * TemperatureScalingModel}, adds the calibrated probabilities {@code softmax(z / T)}.
 *
 * <p>The fit is {@link TemperatureScaler}'s: the {@code T > 0} minimising the mean negative
 * log-likelihood, found by the same safeguarded Halley / Newton iteration on {@code 1 / T}, where
 * each iteration is one distributed pass ({@code treeAggregate}) summing the NLL and its first
 * three derivatives in float64 over the rows of every partition ({@link PassTotals}). The driver
 * receives a few numbers per pass, never rows; the result equals {@code TemperatureScaler.fit} on
 * the same rows up to the order of the sums (1e-9 relative, any partitioning). The selected columns
 * are cached ({@code MEMORY_AND_DISK}) for the passes unless the dataset is cached already; the
 * CIFAR outputs in the tests take 4 to 6 passes.
 *
 * <h2>Columns and params</h2>
 *
 * <ul>
 *   <li>{@code inputCol} (default {@code "logits"}): {@code array<float>}, {@code array<double>} or
 *       an ml {@code Vector}, {@code C >= 1} values per row, the same {@code C} for every row.
 *   <li>{@code inputKind}: {@code "logits"} (default) or {@code "probabilities"}: rows that sum to
 *       1 within {@link io.github.tempered.calibration.CalibrationReport#ROW_SUM_TOLERANCE}, whose
 *       log is fitted ({@code log(max(p, tiny))}, {@code tiny} the smallest normal number of the
 *       column's element type).
 *   <li>{@code labelCol} (default {@code "label"}): class indices in {@code [0, C)}, of an integral
 *       type or float/double holding whole numbers.
 *   <li>{@code outputCol} (default {@code "calibratedProbability"}): the model's output, an ml
 *       {@code Vector}.
 *   <li>{@code maxIter} (default 100) and {@code tol} (default {@code 1e-6}): as {@link
 *       TemperatureScaler.Builder#optMaxIterations} and {@link
 *       TemperatureScaler.Builder#optTolerance}.
 * </ul>
 *
 * <pre>{@code
 * TemperatureScalingModel model = new TemperatureScaling()
 *         .setInputCol("logits").setLabelCol("label").fit(validation);
 * Dataset<Row> calibrated = model.transform(test);   // adds "calibratedProbability"
 * }</pre>
 *
 * <p>Bad input: {@link #transformSchema} (and {@link #fit}) throw an {@link
 * IllegalArgumentException} naming a missing column or a column of another type and the type seen;
 * bad rows (NaN or infinite logits, labels outside {@code [0, C)} or not whole, rows of different
 * lengths or holding nulls, probabilities that do not sum to 1, an empty dataset) fail the fit with
 * an {@code IllegalArgumentException} naming the column and the first offending row's values.
 *
 * @serial exclude
 */
public final class TemperatureScaling extends Estimator<TemperatureScalingModel>
        implements MLWritable, HasScoreColumn, HasLabelCol, HasOutputCol {

    private static final long serialVersionUID = 1L;

    private static final Logger logger = LoggerFactory.getLogger(TemperatureScaling.class);

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> inputKind;
    private final Param<String> labelCol;
    private final Param<String> outputCol;
    private final IntParam maxIter;
    private final DoubleParam tol;

    /** Creates the stage with a random uid and the default params. */
    public TemperatureScaling() {
        this(Identifiable.randomUID("temperatureScaling"));
    }

    /**
     * Creates the stage with the given uid and the default params.
     *
     * @param uid the stage's unique id
     */
    public TemperatureScaling(String uid) {
        this.uid = uid;
        inputCol = StageParams.inputCol(uid);
        inputKind = StageParams.inputKind(uid);
        labelCol = StageParams.labelCol(uid);
        outputCol = StageParams.outputCol(uid);
        maxIter = StageParams.maxIter(uid);
        tol = StageParams.tol(uid);
        setDefault(inputCol, "logits");
        setDefault(inputKind, InputKind.LOGITS.param());
        setDefault(labelCol, "label");
        setDefault(outputCol, "calibratedProbability");
        setDefault(maxIter, 100);
        setDefault(tol, 1e-6);
    }

    /** {@inheritDoc} */
    @Override
    public String uid() {
        return uid;
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
    public Param<String> labelCol() {
        return labelCol;
    }

    /** {@inheritDoc} */
    @Override
    public Param<String> outputCol() {
        return outputCol;
    }

    /**
     * Returns the param holding the largest number of passes.
     *
     * @return {@code maxIter}
     */
    public IntParam maxIter() {
        return maxIter;
    }

    /**
     * Returns the param holding the relative tolerance on {@code T}.
     *
     * @return {@code tol}
     */
    public DoubleParam tol() {
        return tol;
    }

    /**
     * Sets the score column.
     *
     * @param value the column's name (default {@code "logits"})
     * @return this stage
     */
    public TemperatureScaling setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    /**
     * Sets what the score column holds.
     *
     * @param value {@code "logits"} (default) or {@code "probabilities"}
     * @return this stage
     * @throws IllegalArgumentException for another value
     */
    public TemperatureScaling setInputKind(String value) {
        set(inputKind, value);
        return this;
    }

    /**
     * Sets the label column.
     *
     * @param value the column's name (default {@code "label"})
     * @return this stage
     */
    public TemperatureScaling setLabelCol(String value) {
        set(labelCol, value);
        return this;
    }

    /**
     * Sets the model's output column.
     *
     * @param value the column's name (default {@code "calibratedProbability"})
     * @return this stage
     */
    public TemperatureScaling setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    /**
     * Sets the largest number of passes over the data a fit may make.
     *
     * @param value at least 1 (default 100)
     * @return this stage
     * @throws IllegalArgumentException for a value below 1
     */
    public TemperatureScaling setMaxIter(int value) {
        set(maxIter, value);
        return this;
    }

    /**
     * Sets the relative tolerance on the temperature.
     *
     * @param value in {@code (0, 0.1]} (default {@code 1e-6})
     * @return this stage
     * @throws IllegalArgumentException for a value out of range
     */
    public TemperatureScaling setTol(double value) {
        set(tol, value);
        return this;
    }

    /**
     * Returns the largest number of passes.
     *
     * @return {@code maxIter}
     */
    public int getMaxIter() {
        return (Integer) $(maxIter);
    }

    /**
     * Returns the relative tolerance on the temperature.
     *
     * @return {@code tol}
     */
    public double getTol() {
        return (Double) $(tol);
    }

    /**
     * Fits the temperature to the dataset's scores and labels.
     *
     * @param dataset rows of scores and labels, at least one
     * @return the model, whose params are copied from this stage
     * @throws IllegalArgumentException for a missing or mistyped column, or for bad data (see the
     *     class documentation)
     */
    @Override
    public TemperatureScalingModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        ScoreColumns columns =
                ScoreColumns.of(
                        dataset.schema(),
                        getInputCol(),
                        InputKind.of(getInputKind()),
                        getLabelCol());
        Dataset<Row> selected = columns.select(dataset);
        boolean persist = dataset.storageLevel().equals(StorageLevel.NONE());
        if (persist) {
            selected.persist(StorageLevel.MEMORY_AND_DISK());
        }
        try {
            ScoreColumns sized = columns.withClasses(selected);
            JavaRDD<InternalRow> rows = selected.queryExecution().toRdd().toJavaRDD();
            TemperatureScaler scaler =
                    TemperatureScaler.builder()
                            .optMaxIterations(getMaxIter())
                            .optTolerance(getTol())
                            .build();
            TemperatureFit fit = Jobs.run(() -> scaler.fitPasses(beta -> pass(rows, sized, beta)));
            logger.info(
                    "{}: fitted on {} classes of column '{}' in {} passes: {}",
                    uid,
                    sized.classes(),
                    getInputCol(),
                    fit.iterations(),
                    fit);
            return copyValues(new TemperatureScalingModel(uid, fit), new ParamMap())
                    .setParent(this);
        } finally {
            if (persist) {
                selected.unpersist();
            }
        }
    }

    /** One pass: every partition sums its rows' terms at {@code beta}, then the sums merge. */
    private static PassTotals pass(JavaRDD<InternalRow> rows, ScoreColumns columns, double beta) {
        return rows.treeAggregate(
                        new Pass(beta), (pass, row) -> pass.add(columns, row), Pass::merge, 2)
                .totals;
    }

    /**
     * Checks the score and label columns and returns the schema with the model's output column.
     *
     * @param schema the input schema
     * @return the schema with {@code outputCol}, an ml Vector, appended
     * @throws IllegalArgumentException naming a missing or mistyped column and the type seen, or an
     *     output column that already exists
     */
    @Override
    public StructType transformSchema(StructType schema) {
        ScoreColumns.of(schema, getInputCol(), InputKind.of(getInputKind()), getLabelCol());
        return TemperatureScalingModel.withOutput(schema, getOutputCol());
    }

    /** {@inheritDoc} */
    @Override
    public TemperatureScaling copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /**
     * Returns a writer that saves this stage's params as Spark ML does.
     *
     * @return the writer
     */
    @Override
    public MLWriter write() {
        return StageMetadata.writer(this, (path, session) -> {});
    }

    /**
     * Returns a reader of stages saved by {@link #write()} (called by {@code Pipeline.load}).
     *
     * @return the reader
     */
    public static MLReader<TemperatureScaling> read() {
        return StageMetadata.reader(
                TemperatureScaling.class, (uid, path, session) -> new TemperatureScaling(uid));
    }

    /**
     * Loads a stage saved by {@link #save(String)}.
     *
     * @param path the directory
     * @return the stage
     */
    public static TemperatureScaling load(String path) {
        return read().load(path);
    }

    /**
     * One partition's part of a pass: its totals, and a row buffer reused across rows. The zero
     * value of {@code treeAggregate}, which Spark copies for every partition.
     */
    private static final class Pass implements Serializable {
        private static final long serialVersionUID = 1L;

        private final PassTotals totals;
        private transient double[] values;
        private long index;

        Pass(double beta) {
            totals = new PassTotals(beta);
        }

        Pass add(ScoreColumns columns, InternalRow row) {
            if (values == null) {
                values = new double[columns.classes()];
            }
            try {
                columns.read(row, values);
                int label = columns.label(row);
                columns.check(values);
                if (columns.kind() == InputKind.PROBABILITIES) {
                    ScoreColumns.probabilitiesToLogits(
                            values, ScoreColumns.tiny(columns.storage()));
                }
                totals.addRow(values, label);
            } catch (IllegalArgumentException e) {
                throw columns.rowError(e, row, index);
            }
            index++;
            return this;
        }

        Pass merge(Pass other) {
            totals.merge(other.totals);
            return this;
        }
    }
}
