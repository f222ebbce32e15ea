package io.github.tempered.benchmarks;

import ai.djl.ndarray.NDManager;
import io.github.tempered.calibration.MatrixScaler;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.calibration.VectorScaler;
import java.util.concurrent.TimeUnit;
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
 * Time of one {@link VectorScaler#fit} on 5,000 x 100 synthetic float32 logits and of one {@link
 * MatrixScaler#fit} (unregularised matrix scaling) on 5,000 x 10, each next to {@link
 * TemperatureScaler#fit} on the same data in the same run, so results are ratios (target: within 10
 * x the temperature fit). Every fit runs to a gradient norm of 1e-8.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
public class CalibratorBenchmark {

    /** 5,000 x 100 logits, over-confident by a factor of 2. */
    @State(Scope.Benchmark)
    public static class Hundred {
        NDManager manager;
        SyntheticLogits data;

        /** Generates the data. */
        @Setup(Level.Trial)
        public void setUp() {
            manager = NDManager.newBaseManager();
            data = SyntheticLogits.generate(manager, 5_000, 100, 2f, 7);
        }

        /** Releases the data. */
        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    /** 5,000 x 10 logits, over-confident by a factor of 2. */
    @State(Scope.Benchmark)
    public static class Ten {
        NDManager manager;
        SyntheticLogits data;

        /** Generates the data. */
        @Setup(Level.Trial)
        public void setUp() {
            manager = NDManager.newBaseManager();
            data = SyntheticLogits.generate(manager, 5_000, 10, 2f, 13);
        }

        /** Releases the data. */
        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    /**
     * Vector scaling of 5,000 x 100 logits.
     *
     * @param s the data
     * @return the fitted NLL
     */
    @Benchmark
    public double vector5000x100(Hundred s) {
        return new VectorScaler().fit(s.data.logits, s.data.labels).nllAfter();
    }

    /**
     * The temperature fit of the same 5,000 x 100 logits, the baseline.
     *
     * @param s the data
     * @return the fitted NLL
     */
    @Benchmark
    public double temperature5000x100(Hundred s) {
        return new TemperatureScaler().fit(s.data.logits, s.data.labels).nllAfter();
    }

    /**
     * Matrix scaling of 5,000 x 10 logits.
     *
     * @param s the data
     * @return the fitted NLL
     */
    @Benchmark
    public double matrix5000x10(Ten s) {
        return new MatrixScaler().fit(s.data.logits, s.data.labels).nllAfter();
    }

    /**
     * The temperature fit of the same 5,000 x 10 logits, the baseline.
     *
     * @param s the data
     * @return the fitted NLL
     */
    @Benchmark
    public double temperature5000x10(Ten s) {
        return new TemperatureScaler().fit(s.data.logits, s.data.labels).nllAfter();
    }
}
