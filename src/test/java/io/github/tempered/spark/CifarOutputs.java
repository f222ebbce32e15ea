package io.github.tempered.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The CIFAR model outputs of {@code src/test/resources/model-outputs} (float32 softmax outputs and
 * int64 labels), as Java arrays, as DJL arrays for the single-machine references, and as Spark
 * datasets with a chosen number of partitions.
 */
final class CifarOutputs {

    /** The four files. */
    static final String[] FILES = {
        "lenet-5-cifar-10.npz",
        "wideresnet-16-4-cifar-10.npz",
        "wideresnet-16-4-cifar-100.npz",
        "densenet-bc-100-cifar-100.npz"
    };

    final String name;
    final float[][] probabilities;
    final double[][] logits;
    final int[] labels;
    private Dataset<Row> checkpointed;

    private CifarOutputs(String name, float[][] probabilities, int[] labels) {
        this.name = name;
        this.probabilities = probabilities;
        this.labels = labels;
        logits = new double[probabilities.length][];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = new double[probabilities[i].length];
            for (int c = 0; c < logits[i].length; c++) {
                logits[i][c] = Math.log(probabilities[i][c]);
            }
        }
    }

    private static final CifarOutputs[] READ = new CifarOutputs[FILES.length];

    /** Returns one of {@link #FILES}, read on first use and kept for the other tests. */
    static synchronized CifarOutputs get(int file) {
        if (READ[file] == null) {
            READ[file] = read(FILES[file]);
        }
        return READ[file];
    }

    /** Every file index with 1, 3 and 8 partitions: a TestNG data provider's rows. */
    static Object[][] filesAndPartitions() {
        List<Object[]> cases = new ArrayList<>();
        for (int file = 0; file < FILES.length; file++) {
            for (int partitions : new int[] {1, 3, 8}) {
                cases.add(new Object[] {file, partitions});
            }
        }
        return cases.toArray(new Object[0][]);
    }

    private static CifarOutputs read(String file) {
        try (NDManager manager = NDManager.newBaseManager();
                InputStream in = CifarOutputs.class.getResourceAsStream("/model-outputs/" + file)) {
            NDList data = NDList.decode(manager, in);
            NDArray predictions = data.get("predictions");
            int rows = (int) predictions.getShape().get(0);
            int classes = (int) predictions.getShape().get(1);
            float[] flat = predictions.toFloatArray();
            float[][] probabilities = new float[rows][];
            for (int i = 0; i < rows; i++) {
                probabilities[i] = new float[classes];
                System.arraycopy(flat, i * classes, probabilities[i], 0, classes);
            }
            long[] truth = data.get("ground_truth").toLongArray();
            int[] labels = new int[rows];
            for (int i = 0; i < rows; i++) {
                labels[i] = (int) truth[i];
            }
            return new CifarOutputs(file, probabilities, labels);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int classes() {
        return probabilities[0].length;
    }

    /** The float32 probabilities as a DJL array of {@code manager}. */
    NDArray probabilities(NDManager manager) {
        float[] flat = new float[probabilities.length * classes()];
        for (int i = 0; i < probabilities.length; i++) {
            System.arraycopy(probabilities[i], 0, flat, i * classes(), classes());
        }
        return manager.create(flat, new Shape(probabilities.length, classes()));
    }

    /** The float64 logits {@code log(p)} (computed in Java) as a DJL array of {@code manager}. */
    NDArray logits(NDManager manager) {
        double[] flat = new double[logits.length * classes()];
        for (int i = 0; i < logits.length; i++) {
            System.arraycopy(logits[i], 0, flat, i * classes(), classes());
        }
        return manager.create(flat, new Shape(logits.length, classes()));
    }

    /** The labels as an int64 DJL array of {@code manager}. */
    NDArray labels(NDManager manager) {
        long[] values = new long[labels.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = labels[i];
        }
        return manager.create(values);
    }

    /**
     * Returns a dataset with the columns {@code probabilities} ({@code array<float>}), {@code
     * logits} ({@code array<double>}), {@code logitsVector} (an ml Vector of the logits) and {@code
     * label} (int), in {@code partitions} partitions (at most 8).
     *
     * <p>The rows are parallelized once per file into 8 partitions and checkpointed locally (held
     * by the executors), so that tasks do not carry the rows: a parallelized collection ships its
     * partition's rows with every task of every pass. Fewer partitions are coalesced from those.
     */
    Dataset<Row> dataset(int partitions) {
        synchronized (this) {
            if (checkpointed == null) {
                checkpointed = parallelize(8).localCheckpoint(true);
            }
        }
        return partitions == 8 ? checkpointed : checkpointed.coalesce(partitions);
    }

    private Dataset<Row> parallelize(int partitions) {
        StructType schema =
                new StructType()
                        .add("probabilities", DataTypes.createArrayType(DataTypes.FloatType))
                        .add("logits", DataTypes.createArrayType(DataTypes.DoubleType))
                        .add("logitsVector", SQLDataTypes.VectorType())
                        .add("label", DataTypes.IntegerType);
        JavaSparkContext context =
                JavaSparkContext.fromSparkContext(SparkSessions.get().sparkContext());
        // Primitive arrays travel to the executors fast; boxing them there is cheap.
        Broadcast<float[][]> p = context.broadcast(probabilities);
        Broadcast<double[][]> z = context.broadcast(logits);
        Broadcast<int[]> y = context.broadcast(labels);
        JavaRDD<Row> rows =
                context.parallelize(IntStream.range(0, labels.length).boxed().toList(), partitions)
                        .map(i -> row(p.value()[i], z.value()[i], y.value()[i]));
        return SparkSessions.get().createDataFrame(rows, schema);
    }

    private static Row row(float[] probabilities, double[] logits, int label) {
        Float[] p = new Float[probabilities.length];
        Double[] z = new Double[logits.length];
        for (int c = 0; c < p.length; c++) {
            p[c] = probabilities[c];
            z[c] = logits[c];
        }
        return RowFactory.create(p, z, Vectors.dense(logits), label);
    }
}
