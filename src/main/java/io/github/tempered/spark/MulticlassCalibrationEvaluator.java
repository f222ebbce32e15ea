package io.github.tempered.spark;

import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.CalibrationStats;
import io.github.tempered.calibration.EqualMassBins;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.storage.StorageLevel;

/**
 * Calibration metrics of a Spark dataset of class probabilities (or logits) and labels: a Spark ML
 * {@link Evaluator} whose numbers are those of {@link CalibrationReport} on the same rows.
 *
 * <p>{@link #report(Dataset)} returns the whole {@link CalibrationReport}; {@link
 * #evaluate(Dataset)} returns the metric named by {@code metricName}: {@code ece} (default), {@code
 * mce}, {@code adaptiveEce}, {@code classwiseEce}, {@code nll}, {@code brier} or {@code accuracy}
 * (the only one for which {@link #isLargerBetter()} is true), each defined in {@link
 * CalibrationReport}.
 *
 * <h2>How it computes</h2>
 *
 * <p>Each partition adds its rows, in plain Java arrays, to a {@link CalibrationStats} (the per-row
 * computation of {@link CalibrationReport#of}) whose size is {@code O(C * B)} whatever the number
 * of rows; the statistics are merged with {@code treeAggregate}. The adaptive ECE depends on the
 * global order of the confidences, so each row also yields one {@code long} order key; the keys are
 * sorted by Spark and each sorted partition sums its equal-mass bins ({@link EqualMassBins}, {@code
 * O(B)} numbers). The driver receives {@code O(C * B)} numbers per step, never rows. The results
 * equal {@code CalibrationReport.of} on the collected rows up to the order of the float64 sums
 * (1e-12 absolute). Every evaluation computes the whole report: one pass over the data, then a sort
 * of one {@code long} per row.
 *
 * <h2>Columns and params</h2>
 *
 * <ul>
 *   <li>{@code inputCol} (default {@code "calibratedProbability"}, the output of {@link
 *       TemperatureScalingModel}): {@code array<float>}, {@code array<double>} or an ml {@code
 *       Vector}, {@code C >= 1} values per row.
 *   <li>{@code inputKind}: {@code "probabilities"} (default; finite, non-negative, rows summing to
 *       1 within {@link CalibrationReport#ROW_SUM_TOLERANCE}) or {@code "logits"} (finite; the
 *       probabilities are their float64 softmax).
 *   <li>{@code labelCol} (default {@code "label"}): class indices in {@code [0, C)}, integral or
 *       float/double holding whole numbers.
 *   <li>{@code metricName} (default {@code "ece"}) and {@code numBins} (default 15, at least 1).
 * </ul>
 *
 * <pre>{@code
 * CalibrationReport report = new MulticlassCalibrationEvaluator()
 *         .setInputCol("calibratedProbability").report(model.transform(test));
 * }</pre>
 *
 * <p>Bad input: a missing or mistyped column gives an {@link IllegalArgumentException} naming it
 * and the type seen; bad rows (NaN or infinite values, negative probabilities, rows not summing to
 * 1, labels outside {@code [0, C)}, rows of different lengths or holding nulls, an empty dataset)
 * fail the evaluation with an {@code IllegalArgumentException} naming the column and the first
 * offending row's values.
 *
 * @serial exclude
 */
public final class MulticlassCalibrationEvaluator extends Evaluator
        implements MLWritable, HasScoreColumn, HasLabelCol {

    private static final long serialVersionUID = 1L;

    private static final List<String> METRICS =
            List.of("ece", "mce", "adaptiveEce", "classwiseEce", "nll", "brier", "accuracy");

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> inputKind;
    private final Param<String> labelCol;
    private final Param<String> metricName;
    private final IntParam numBins;

    /** Creates an evaluator with a random uid and the default params. */
    public MulticlassCalibrationEvaluator() {
        this(Identifiable.randomUID("calibrationEval"));
    }

    /**
     * Creates an evaluator with the given uid and the default params.
     *
     * @param uid the evaluator's unique id
     */
    public MulticlassCalibrationEvaluator(String uid) {
        this.uid = uid;
        inputCol = StageParams.inputCol(uid);
        inputKind = StageParams.inputKind(uid);
        labelCol = StageParams.labelCol(uid);
        metricName =
                new Param<>(
                        uid,
                        "metricName",
                        "the metric evaluate returns: " + String.join(", ", METRICS),
                        ParamValidators.inArray(METRICS));
        numBins =
                new IntParam(
                        uid,
                        "numBins",
                        "the number of equal-width (and equal-mass) bins (>= 1)",
                        ParamValidators.gtEq(1));
        setDefault(inputCol, "calibratedProbability");
        setDefault(inputKind, InputKind.PROBABILITIES.param());
        setDefault(labelCol, "label");
        setDefault(metricName, "ece");
        setDefault(numBins, 15);
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

    /**
     * Returns the param naming the metric {@link #evaluate} returns.
     *
     * @return {@code metricName}
     */
    public Param<String> metricName() {
        return metricName;
    }

    /**
     * Returns the param holding the number of bins.
     *
     * @return {@code numBins}
     */
    public IntParam numBins() {
        return numBins;
    }

    /**
     * Sets the score column.
     *
     * @param value the column's name (default {@code "calibratedProbability"})
     * @return this evaluator
     */
    public MulticlassCalibrationEvaluator setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    /**
     * Sets what the score column holds.
     *
     * @param value {@code "probabilities"} (default) or {@code "logits"}
     * @return this evaluator
     * @throws IllegalArgumentException for another value
     */
    public MulticlassCalibrationEvaluator setInputKind(String value) {
        set(inputKind, value);
        return this;
    }

    /**
     * Sets the label column.
     *
     * @param value the column's name (default {@code "label"})
     * @return this evaluator
     */
    public MulticlassCalibrationEvaluator setLabelCol(String value) {
        set(labelCol, value);
        return this;
    }

    /**
     * Sets the metric {@link #evaluate} returns.
     *
     * @param value {@code ece} (default), {@code mce}, {@code adaptiveEce}, {@code classwiseEce},
     *     {@code nll}, {@code brier} or {@code accuracy}
     * @return this evaluator
     * @throws IllegalArgumentException for another value
     */
    public MulticlassCalibrationEvaluator setMetricName(String value) {
        set(metricName, value);
        return this;
    }

    /**
     * Sets the number of bins.
     *
     * @param value at least 1 (default 15)
     * @return this evaluator
     * @throws IllegalArgumentException for a value below 1
     */
    public MulticlassCalibrationEvaluator setNumBins(int value) {
        set(numBins, value);
        return this;
    }

    /**
     * Returns the metric {@link #evaluate} returns.
     *
     * @return its name
     */
    public String getMetricName() {
        return $(metricName);
    }

    /**
     * Returns the number of bins.
     *
     * @return {@code B}
     */
    public int getNumBins() {
        return (Integer) $(numBins);
    }

    /**
     * Returns the metric named by {@code metricName}.
     *
     * @param dataset rows of scores and labels, at least one
     * @return the metric, as {@link #report(Dataset)} computes it
     * @throws IllegalArgumentException as {@link #report(Dataset)}
     */
    @Override
    public double evaluate(Dataset<?> dataset) {
        CalibrationReport report = report(dataset);
        switch (getMetricName()) {
            case "mce":
                return report.mce();
            case "adaptiveEce":
                return report.adaptiveEce();
            case "classwiseEce":
                return report.classwiseEce();
            case "nll":
                return report.nll();
            case "brier":
                return report.brier();
            case "accuracy":
                return report.accuracy();
            default:
                return report.ece();
        }
    }

    /**
     * Returns whether a larger metric is better: true for {@code accuracy} only.
     *
     * @return whether larger values are better
     */
    @Override
    public boolean isLargerBetter() {
        return "accuracy".equals(getMetricName());
    }

    /**
     * Computes the whole calibration report of the dataset, merged across partitions.
     *
     * @param dataset rows of scores and labels, at least one
     * @return the report; it cannot be {@link CalibrationReport#merge merged} (merge datasets
     *     instead)
     * @throws IllegalArgumentException for a missing or mistyped column, or for bad data (see the
     *     class documentation)
     */
    public CalibrationReport report(Dataset<?> dataset) {
        ScoreColumns columns =
                ScoreColumns.of(
                        dataset.schema(),
                        getInputCol(),
                        InputKind.of(getInputKind()),
                        getLabelCol());
        Dataset<Row> selected = columns.select(dataset);
        ScoreColumns sized = columns.withClasses(selected);
        int bins = getNumBins();
        int classes = sized.classes();
        JavaRDD<Part> parts =
                selected.queryExecution()
                        .toRdd()
                        .toJavaRDD()
                        .mapPartitions(
                                rows -> {
                                    Part part = new Part(bins, classes);
                                    while (rows.hasNext()) {
                                        part.add(sized, rows.next());
                                    }
                                    return List.of(part).iterator();
                                })
                        .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            return Jobs.run(
                    () -> {
                        CalibrationStats stats =
                                parts.treeAggregate(
                                        new CalibrationStats(bins, classes),
                                        (total, part) -> total.merge(part.stats),
                                        CalibrationStats::merge,
                                        2);
                        return stats.report(equalMassBins(dataset, parts, bins, stats.count()));
                    });
        } finally {
            parts.unpersist(false);
        }
    }

    /** Sorts the order keys and sums the equal-mass bins of each sorted partition. */
    private static EqualMassBins equalMassBins(
            Dataset<?> dataset, JavaRDD<Part> parts, int bins, long count) {
        JavaRDD<Long> sorted =
                dataset.sparkSession()
                        .createDataset(parts.flatMap(Part::keys).rdd(), Encoders.LONG())
                        .sort("value")
                        .javaRDD();
        List<Long> sizes =
                sorted.mapPartitions(
                                keys -> {
                                    long n = 0;
                                    for (; keys.hasNext(); keys.next()) {
                                        n++;
                                    }
                                    return List.of(n).iterator();
                                })
                        .collect();
        long[] offsets = new long[sizes.size()];
        for (int p = 1; p < offsets.length; p++) {
            offsets[p] = offsets[p - 1] + sizes.get(p - 1);
        }
        return sorted.mapPartitionsWithIndex(
                        (p, keys) -> {
                            EqualMassBins equalMass = new EqualMassBins(bins, count);
                            for (long rank = offsets[p]; keys.hasNext(); rank++) {
                                equalMass.add(rank, keys.next());
                            }
                            return List.of(equalMass).iterator();
                        },
                        true)
                .treeReduce(EqualMassBins::merge, 2);
    }

    /** {@inheritDoc} */
    @Override
    public MulticlassCalibrationEvaluator copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /**
     * Returns a writer that saves this evaluator's params as Spark ML does.
     *
     * @return the writer
     */
    @Override
    public MLWriter write() {
        return StageMetadata.writer(this, (path, session) -> {});
    }

    /**
     * Returns a reader of evaluators saved by {@link #write()}.
     *
     * @return the reader
     */
    public static MLReader<MulticlassCalibrationEvaluator> read() {
        return StageMetadata.reader(
                MulticlassCalibrationEvaluator.class,
                (uid, path, session) -> new MulticlassCalibrationEvaluator(uid));
    }

    /**
     * Loads an evaluator saved by {@link #save(String)}.
     *
     * @param path the directory
     * @return the evaluator
     */
    public static MulticlassCalibrationEvaluator load(String path) {
        return read().load(path);
    }

    /** One partition's statistics and the order keys of its rows. */
    private static final class Part implements Serializable {
        private static final long serialVersionUID = 1L;

        private final CalibrationStats stats;
        private long[] keys = new long[64];
        private int size;
        private transient double[] values;
        private transient float[] singles;

        Part(int bins, int classes) {
            stats = new CalibrationStats(bins, classes);
        }

        void add(ScoreColumns columns, InternalRow row) {
            int classes = columns.classes();
            if (values == null) {
                values = new double[classes];
                singles = new float[classes];
            }
            long key;
            try {
                columns.read(row, values);
                int label = columns.label(row);
                columns.check(values);
                if (columns.kind() == InputKind.LOGITS) {
                    key = stats.addLogits(values, label);
                } else if (columns.storage() == ScoreColumns.Storage.FLOAT_ARRAY) {
                    for (int c = 0; c < classes; c++) {
                        singles[c] = (float) values[c]; // exact: they were floats
                    }
                    key = stats.addProbabilities(singles, label);
                } else {
                    key = stats.addProbabilities(values, label);
                }
            } catch (IllegalArgumentException e) {
                throw columns.rowError(e, row, size);
            }
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
            }
            keys[size++] = key;
        }

        Iterator<Long> keys() {
            return Arrays.stream(keys, 0, size).iterator();
        }
    }
}
