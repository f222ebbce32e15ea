package io.github.tempered.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One pass of the temperature objective over 5,000 x 100 float64 shifted logits: the row sums
 * {@code sum_c e, sum_c e s, sum_c e s^2, sum_c e s^3} with {@code e = exp(beta s)}, computed
 * either with engine operations (what {@code TemperatureScaler} does) or with a plain Java loop
 * over a {@code double[]}, sequential or parallel over rows. This is the measurement behind the
 * choice of the engine.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
@State(Scope.Benchmark)
public class FitPassBenchmark {

    private static final int ROWS = 5_000;
    private static final int CLASSES = 100;
    private static final double BETA = 0.5;

    private NDManager manager;
    private NDArray shifted;
    private double[] values;

    /** Generates the shifted logits, each row's maximum 0. */
    @Setup(Level.Trial)
    public void setUp() {
        manager = NDManager.newBaseManager();
        SyntheticLogits data = SyntheticLogits.generate(manager, ROWS, CLASSES, 2f, 3);
        NDArray z = data.logits.toType(DataType.FLOAT64, false);
        shifted = z.sub(z.max(new int[] {1}, true));
        values = shifted.toDoubleArray();
    }

    /** Releases the arrays. */
    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    /**
     * The pass with engine operations.
     *
     * @return a checksum
     */
    @Benchmark
    public double engine() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            int[] axis = {1};
            NDArray weights = shifted.mul(BETA).exp();
            double[] z = weights.sum(axis).toDoubleArray();
            NDArray moment = weights.mul(shifted);
            double[] s1 = moment.sum(axis).toDoubleArray();
            moment = moment.mul(shifted);
            double[] s2 = moment.sum(axis).toDoubleArray();
            double[] s3 = moment.mul(shifted).sum(axis).toDoubleArray();
            return z[0] + s1[0] + s2[0] + s3[0];
        }
    }

    /**
     * The pass as a sequential Java loop.
     *
     * @return a checksum
     */
    @Benchmark
    public double javaLoop() {
        double total = 0;
        for (int row = 0; row < ROWS; row++) {
            total += row(row);
        }
        return total;
    }

    /**
     * The pass as a Java loop parallel over rows (the common fork-join pool).
     *
     * @return a checksum
     */
    @Benchmark
    public double javaLoopParallel() {
        return IntStream.range(0, ROWS).parallel().mapToDouble(this::row).sum();
    }

    private double row(int row) {
        double z = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int offset = row * CLASSES;
        for (int c = 0; c < CLASSES; c++) {
            double s = values[offset + c];
            double e = Math.exp(BETA * s);
            double es = e * s;
            z += e;
            s1 += es;
            s2 += es * s;
            s3 += es * s * s;
        }
        return z + s1 + s2 + s3;
    }
}
