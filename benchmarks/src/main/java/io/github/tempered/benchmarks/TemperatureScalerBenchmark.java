package io.github.tempered.benchmarks;

import ai.djl.ndarray.NDManager;
import io.github.tempered.calibration.TemperatureScaler;
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
 * Time of one {@link TemperatureScaler#fit} on synthetic float32 logits, and of a reference-style
 * fit (50 Adam steps with learning rate 0.01 through autograd, see {@link ReferenceStyleFit}) on
 * the same data in the same run, so results can be reported as ratios.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
public class TemperatureScalerBenchmark {

    /** 5,000 x 100 logits, over-confident by a factor of 2. */
    @State(Scope.Benchmark)
    public static class Small {
        NDManager manager;
        SyntheticLogits data;
        final TemperatureScaler scaler = new TemperatureScaler();

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

    /** 50,000 x 1,000 logits, over-confident by a factor of 2. */
    @State(Scope.Benchmark)
    public static class Large {
        NDManager manager;
        SyntheticLogits data;
        final TemperatureScaler scaler = new TemperatureScaler();

        /** Generates the data. */
        @Setup(Level.Trial)
        public void setUp() {
            manager = NDManager.newBaseManager();
            data = SyntheticLogits.generate(manager, 50_000, 1_000, 2f, 11);
        }

        /** Releases the data. */
        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    /**
     * Fits 5,000 x 100 logits.
     *
     * @param s the data
     * @return the temperature
     */
    @Benchmark
    public double fit5000x100(Small s) {
        return s.scaler.fit(s.data.logits, s.data.labels).temperature();
    }

    /**
     * Fits 50,000 x 1,000 logits.
     *
     * @param s the data
     * @return the temperature
     */
    @Benchmark
    @Warmup(iterations = 2)
    @Measurement(iterations = 3)
    public double fit50000x1000(Large s) {
        return s.scaler.fit(s.data.logits, s.data.labels).temperature();
    }

    /**
     * The reference-style baseline on 5,000 x 100 logits.
     *
     * @param s the data
     * @return the temperature after 50 Adam steps
     */
    @Benchmark
    public double referenceAdam50Steps5000x100(Small s) {
        return ReferenceStyleFit.fit(s.data.logits, s.data.labels);
    }
}
