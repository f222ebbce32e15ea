package io.github.tempered.benchmarks;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.spark.MulticlassCalibrationEvaluator;
import io.github.tempered.spark.TemperatureScaling;
import io.github.tempered.spark.TemperatureScalingModel;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;

/**
 * The Spark scale run (a program, not a JMH benchmark): synthetic classifier outputs ({@link
 * ScaleData}, 5,000,000 rows x 100 classes by default) are generated on the executors and cached,
 * never collected; {@code TemperatureScaling} fits T on them and {@code
 * MulticlassCalibrationEvaluator} scores them before and after; then, in the same JVM, the
 * single-machine streaming {@code TemperatureScaler.fit(Iterable<NDList>)} fits T on the same rows,
 * generated batch by batch on the driver.
 *
 * <p>It prints, per phase, the wall time, the Spark jobs run, the bytes the tasks of those jobs
 * sent to the driver as results (a {@link SparkListener} sums {@code resultSize} of result tasks),
 * and the peak Java heap in use (sampled every 50 ms; in local mode the executors and the cached
 * blocks share the driver's heap, so the cache's size is printed too).
 *
 * <pre>
 * java -Xmx6g --add-opens=... -cp benchmarks/target/benchmarks.jar:$(cat benchmarks/target/spark.classpath) \
 *     io.github.tempered.benchmarks.SparkScaleRun [rows [classes [partitions]]]
 * </pre>
 *
 * (see {@code benchmarks/README.md} for the full command).
 */
public final class SparkScaleRun {

    private SparkScaleRun() {}

    /**
     * Runs the scale run.
     *
     * @param args {@code [rows [classes [partitions]]]}, default {@code 5000000 100 20}
     */
    public static void main(String[] args) {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000L;
        int classes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int partitions = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        SparkSession.Builder builder =
                SparkSession.builder()
                        .appName("tempered-spark-scale-run")
                        .config("spark.ui.enabled", "false")
                        .config("spark.ui.showConsoleProgress", "false")
                        .config("spark.sql.shuffle.partitions", String.valueOf(partitions));
        if (!new SparkConf().contains("spark.master")) {
            builder.master("local[2]");
        }
        SparkSession spark = builder.getOrCreate();
        Jobs jobs = new Jobs();
        spark.sparkContext().addSparkListener(jobs);
        HeapSampler heap = new HeapSampler();
        heap.start();
        List<String> table = new ArrayList<>();
        System.out.printf(
                Locale.ROOT,
                "%,d rows x %d classes in %d partitions, master %s, max heap %.1f GiB%n",
                rows,
                classes,
                partitions,
                spark.sparkContext().master(),
                Runtime.getRuntime().maxMemory() / (double) (1L << 30));
        try {
            Dataset<Row> data = generate(spark, rows, classes, partitions);
            Phase generate =
                    Phase.run("generate and cache on the executors", jobs, heap, data::count);
            table.add(generate.row());
            long cached = 0;
            long onDisk = 0;
            for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
                cached += info.memSize();
                onDisk += info.diskSize();
            }
            System.out.printf(
                    Locale.ROOT,
                    "cached: %.2f GiB in memory, %.2f GiB on disk%n",
                    cached / (double) (1L << 30),
                    onDisk / (double) (1L << 30));

            Phase fit =
                    Phase.run(
                            "TemperatureScaling.fit",
                            jobs,
                            heap,
                            () -> new TemperatureScaling().setInputCol("logits").fit(data));
            TemperatureScalingModel model = (TemperatureScalingModel) fit.result;
            TemperatureFit sparkFit = model.summary();
            table.add(fit.row() + " " + sparkFit);

            MulticlassCalibrationEvaluator evaluator = new MulticlassCalibrationEvaluator();
            Phase before =
                    Phase.run(
                            "evaluator.report (logits)",
                            jobs,
                            heap,
                            () ->
                                    evaluator
                                            .setInputCol("logits")
                                            .setInputKind("logits")
                                            .report(data));
            table.add(before.row());
            Phase after =
                    Phase.run(
                            "evaluator.report (model.transform)",
                            jobs,
                            heap,
                            () ->
                                    evaluator
                                            .setInputCol("calibratedProbability")
                                            .setInputKind("probabilities")
                                            .report(model.transform(data)));
            table.add(after.row());
            CalibrationReport b = (CalibrationReport) before.result;
            CalibrationReport a = (CalibrationReport) after.result;
            System.out.printf(
                    Locale.ROOT,
                    "ECE %.5f -> %.5f, adaptive ECE %.5f -> %.5f, NLL %.5f -> %.5f (N = %,d)%n",
                    b.ece(),
                    a.ece(),
                    b.adaptiveEce(),
                    a.adaptiveEce(),
                    b.nll(),
                    a.nll(),
                    a.count());
            data.unpersist(true);

            Phase generateOnly =
                    Phase.run(
                            "driver: generate one pass only",
                            jobs,
                            heap,
                            () -> {
                                long n = 0;
                                for (NDList batch : new Batches(rows, classes)) {
                                    n += batch.get(0).getShape().get(0);
                                    batch.close();
                                }
                                return n;
                            });
            table.add(generateOnly.row());
            Phase streaming =
                    Phase.run(
                            "TemperatureScaler.fit(Iterable<NDList>)",
                            jobs,
                            heap,
                            () -> new TemperatureScaler().fit(new Batches(rows, classes)));
            TemperatureFit single = (TemperatureFit) streaming.result;
            table.add(streaming.row() + " " + single);
            System.out.printf(
                    Locale.ROOT,
                    "T: Spark %.15g, streaming %.15g, relative difference %.2e%n",
                    sparkFit.temperature(),
                    single.temperature(),
                    Math.abs(sparkFit.temperature() - single.temperature()) / single.temperature());
        } finally {
            heap.interrupt();
            spark.stop();
        }
        System.out.println();
        System.out.println(
                "| phase | wall (s) | Spark jobs | task results to the driver (bytes) | peak heap"
                        + " used (GiB) | result |");
        System.out.println("|---|---:|---:|---:|---:|---|");
        table.forEach(System.out::println);
    }

    private static Dataset<Row> generate(
            SparkSession spark, long rows, int classes, int partitions) {
        StructType schema =
                new StructType()
                        .add("logits", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                        .add("label", DataTypes.IntegerType, false);
        MapFunction<Long, Row> row =
                index -> {
                    float[] logits = new float[classes];
                    int label = ScaleData.row(index, logits, new double[classes]);
                    return RowFactory.create(logits, label);
                };
        return spark.range(0, rows, 1, partitions)
                .map(row, Encoders.row(schema))
                .persist(StorageLevel.MEMORY_AND_DISK());
    }

    /** One measured phase. */
    private static final class Phase {
        final String name;
        final Object result;
        final double seconds;
        final int jobCount;
        final long resultBytes;
        final long peakHeap;

        private Phase(
                String name,
                Object result,
                double seconds,
                int jobCount,
                long resultBytes,
                long peakHeap) {
            this.name = name;
            this.result = result;
            this.seconds = seconds;
            this.jobCount = jobCount;
            this.resultBytes = resultBytes;
            this.peakHeap = peakHeap;
        }

        static Phase run(String name, Jobs jobs, HeapSampler heap, Supplier<Object> work) {
            System.gc();
            heap.reset();
            int jobsBefore = jobs.count.get();
            long bytesBefore = jobs.resultBytes.get();
            long start = System.nanoTime();
            Object result = work.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            Phase phase =
                    new Phase(
                            name,
                            result,
                            seconds,
                            jobs.count.get() - jobsBefore,
                            jobs.resultBytes.get() - bytesBefore,
                            heap.peak());
            System.out.println(phase.row());
            return phase;
        }

        String row() {
            return String.format(
                    Locale.ROOT,
                    "| %s | %.1f | %d | %,d | %.2f |",
                    name,
                    seconds,
                    jobCount,
                    resultBytes,
                    peakHeap / (double) (1L << 30));
        }
    }

    /** Counts jobs and sums the sizes of the results that result tasks send to the driver. */
    private static final class Jobs extends SparkListener {
        final AtomicLong resultBytes = new AtomicLong();
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void onJobEnd(SparkListenerJobEnd jobEnd) {
            count.incrementAndGet();
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
            if ("ResultTask".equals(taskEnd.taskType()) && taskEnd.taskMetrics() != null) {
                resultBytes.addAndGet(taskEnd.taskMetrics().resultSize());
            }
        }
    }

    /** Samples the heap in use every 50 ms and keeps the largest value since the last reset. */
    private static final class HeapSampler extends Thread {
        private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        private final AtomicLong peak = new AtomicLong();

        HeapSampler() {
            super("heap-sampler");
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!isInterrupted()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void reset() {
            peak.set(memory.getHeapMemoryUsage().getUsed());
        }

        long peak() {
            return peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        }
    }

    /**
     * The same rows as the Spark dataset, in batches of 10,000 generated on the driver when the fit
     * asks for them (one batch in memory at a time).
     */
    private static final class Batches implements Iterable<NDList> {
        private static final int BATCH = 10_000;
        private final long rows;
        private final int classes;
        private final NDManager manager = NDManager.newBaseManager();

        Batches(long rows, int classes) {
            this.rows = rows;
            this.classes = classes;
        }

        @Override
        public Iterator<NDList> iterator() {
            return new Iterator<>() {
                private long next;

                @Override
                public boolean hasNext() {
                    return next < rows;
                }

                @Override
                public NDList next() {
                    int n = (int) Math.min(BATCH, rows - next);
                    float[] flat = new float[n * classes];
                    long[] labels = new long[n];
                    float[] row = new float[classes];
                    double[] scratch = new double[classes];
                    for (int i = 0; i < n; i++) {
                        labels[i] = ScaleData.row(next + i, row, scratch);
                        System.arraycopy(row, 0, flat, i * classes, classes);
                    }
                    next += n;
                    return new NDList(
                            manager.create(flat, new Shape(n, classes)), manager.create(labels));
                }
            };
        }
    }
}
