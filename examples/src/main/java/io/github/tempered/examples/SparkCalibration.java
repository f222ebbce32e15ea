package io.github.tempered.examples;

import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.spark.MulticlassCalibrationEvaluator;
import io.github.tempered.spark.TemperatureScaling;
import io.github.tempered.spark.TemperatureScalingModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Calibration at scale with Spark: read a Parquet file of logits and labels, fit the temperature in
 * a {@link Pipeline} ({@link TemperatureScaling}), add the calibrated probabilities, compare the
 * held-out {@link CalibrationReport} before and after ({@link MulticlassCalibrationEvaluator}) and
 * save the fitted pipeline.
 *
 * <p>The Parquet file needs a column {@code logits} ({@code array<float>}, {@code array<double>} or
 * an ml Vector) and a column {@code label} (class indices). Without one, the example first writes
 * synthetic outputs of an over-confident 10-class model (logits {@code 2.5} times too large) into
 * the output folder. With {@code spark-submit} the master comes from the command line; run
 * directly, it uses {@code local[2]}.
 *
 * <pre>
 * spark-submit --class io.github.tempered.examples.SparkCalibration --master local[4] \
 *     --jars tempered.jar app.jar outputs.parquet out/
 * </pre>
 */
public final class SparkCalibration {

    private SparkCalibration() {}

    /**
     * Runs the example.
     *
     * @param args {@code [parquet [output folder]]}; without a file, synthetic outputs are written
     *     and used
     * @throws IOException if the output folder cannot be created
     */
    public static void main(String[] args) throws IOException {
        // Reuse a running session (a notebook, a test); otherwise start one and stop it at the end.
        boolean running = SparkSession.getActiveSession().isDefined();
        SparkSession.Builder builder = SparkSession.builder().appName("tempered-calibration");
        if (!new SparkConf().contains("spark.master")) {
            builder.master("local[2]");
        }
        SparkSession spark = builder.getOrCreate();
        try {
            Path out =
                    args.length > 1
                            ? Path.of(args[1])
                            : Files.createTempDirectory("tempered-spark-calibration");
            String input =
                    args.length > 0
                            ? args[0]
                            : writeSyntheticOutputs(spark, out.resolve("outputs.parquet"));
            run(spark.read().parquet(input), out);
        } finally {
            if (!running) {
                spark.stop();
            }
        }
    }

    private static void run(Dataset<Row> outputs, Path out) throws IOException {
        Dataset<Row>[] halves = outputs.randomSplit(new double[] {0.5, 0.5}, 7);
        Dataset<Row> validation = halves[0];
        Dataset<Row> test = halves[1];

        Pipeline pipeline =
                new Pipeline()
                        .setStages(
                                new PipelineStage[] {
                                    new TemperatureScaling()
                                            .setInputCol("logits")
                                            .setLabelCol("label")
                                            .setOutputCol("calibratedProbability")
                                });
        PipelineModel model = pipeline.fit(validation);
        TemperatureScalingModel scaling = (TemperatureScalingModel) model.stages()[0];
        System.out.printf(
                Locale.ROOT,
                "fitted T = %.4f in %d passes over the validation half%n",
                scaling.temperature(),
                scaling.summary().iterations());

        MulticlassCalibrationEvaluator evaluator = new MulticlassCalibrationEvaluator();
        CalibrationReport before =
                evaluator.setInputCol("logits").setInputKind("logits").report(test);
        CalibrationReport after =
                evaluator
                        .setInputCol("calibratedProbability")
                        .setInputKind("probabilities")
                        .report(model.transform(test));
        System.out.printf(
                Locale.ROOT,
                "test half (%d rows): ECE %.4f -> %.4f, NLL %.4f -> %.4f, accuracy %.4f%n",
                after.count(),
                before.ece(),
                after.ece(),
                before.nll(),
                after.nll(),
                after.accuracy());
        System.out.print(after);

        Path saved = out.resolve("model");
        model.write().overwrite().save(saved.toString());
        double loaded =
                ((TemperatureScalingModel) PipelineModel.load(saved.toString()).stages()[0])
                        .temperature();
        System.out.printf(Locale.ROOT, "saved the pipeline to %s (T = %.4f)%n", saved, loaded);
    }

    /**
     * Writes 20,000 rows of synthetic 10-class outputs, generated on the executors: scores {@code s
     * ~ N(0, 2^2)}, the label drawn from {@code softmax(s)}, logits {@code 2.5 s} (so the best T is
     * near 2.5).
     */
    private static String writeSyntheticOutputs(SparkSession spark, Path path) {
        StructType schema =
                new StructType()
                        .add("logits", DataTypes.createArrayType(DataTypes.FloatType), false)
                        .add("label", DataTypes.IntegerType, false);
        MapFunction<Long, Row> row =
                id -> {
                    SplittableRandom random = new SplittableRandom(id);
                    float[] logits = new float[10];
                    int label = 0;
                    double best = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < logits.length; c++) {
                        double score = 2 * random.nextGaussian();
                        double gumbel = -Math.log(-Math.log(random.nextDouble(1e-12, 1)));
                        if (score + gumbel > best) {
                            best = score + gumbel;
                            label = c;
                        }
                        logits[c] = (float) (2.5 * score);
                    }
                    return RowFactory.create(logits, label);
                };
        spark.range(0, 20_000, 1, 4)
                .map(row, Encoders.row(schema))
                .write()
                .mode("overwrite")
                .parquet(path.toString());
        return path.toString();
    }
}
