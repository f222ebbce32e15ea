package io.github.tempered.benchmarks;

import ai.djl.training.loss.Loss;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Builds of Tempered's {@code CrossEntropyLoss} against each other and PyTorch's fused op, in one
 * JVM (not a JMH benchmark): how the computation limits in {@code CrossEntropyLoss} (e.g. {@code
 * SOFTMAX_MAX}) were chosen. Each build is a directory of compiled classes (e.g. a copy of {@code
 * target/classes} after changing one constant); its {@code io.github.tempered} classes are loaded
 * before this jar's. The builds and the fused op alternate batch by batch, round after round; the
 * report gives each one's median time, the median of its per-round ratios to the fused op (range in
 * brackets) and its minor page faults per call (the glibc heap returning memory to the system and
 * faulting it back, which moves these timings between JVMs).
 *
 * <p>Run {@code java -cp benchmarks/target/benchmarks.jar
 * io.github.tempered.benchmarks.InterleavedBuilds N C OPTIONS CALLS ROUNDS DIR...}, OPTIONS one of
 * {@code PLAIN}, {@code SMOOTHING_IGNORE}, {@code ALL_OPTIONS}.
 */
public final class InterleavedBuilds {

    private static final int DISCARDED_ROUNDS = 3;

    private InterleavedBuilds() {}

    /**
     * Runs the comparison and prints one line per build.
     *
     * @param args N, C, options, calls per round, rounds, then one or more class directories
     * @throws ReflectiveOperationException if a directory holds no usable {@code CrossEntropyLoss}
     */
    public static void main(String[] args) throws ReflectiveOperationException {
        int n = Integer.parseInt(args[0]);
        int c = Integer.parseInt(args[1]);
        FusedCrossEntropy.Options options = FusedCrossEntropy.Options.valueOf(args[2]);
        int calls = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        try (FusedCrossEntropy comparison = new FusedCrossEntropy(n, c, options)) {
            float fusedValue = comparison.values()[0];
            List<String> names = new ArrayList<>();
            List<Runnable> steps = new ArrayList<>();
            names.add("fused");
            steps.add(comparison::fused);
            for (int k = 5; k < args.length; k++) {
                Loss loss = load(Paths.get(args[k]), options, comparison.weight());
                float value = comparison.value(loss);
                if (Math.abs(value - fusedValue) > 1e-4 * Math.abs(fusedValue)) {
                    throw new IllegalStateException(
                            args[k] + " computes " + value + ", the fused op " + fusedValue);
                }
                names.add(args[k]);
                steps.add(() -> comparison.tempered(loss));
            }
            report(n, c, options, names, measure(steps, calls, rounds));
        }
    }

    /** Returns {time[build][round] in microseconds per call, faults[build][round] per call}. */
    private static double[][][] measure(List<Runnable> steps, int calls, int rounds) {
        double[][] time = new double[steps.size()][rounds];
        double[][] faults = new double[steps.size()][rounds];
        for (int round = -DISCARDED_ROUNDS; round < rounds; round++) {
            for (int k = 0; k < steps.size(); k++) {
                Runnable step = steps.get(k);
                long faultsBefore = minorFaults();
                long start = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    step.run();
                }
                long elapsed = System.nanoTime() - start;
                if (round >= 0) {
                    time[k][round] = elapsed / 1e3 / calls;
                    faults[k][round] = (minorFaults() - faultsBefore) / (double) calls;
                }
            }
        }
        return new double[][][] {time, faults};
    }

    private static void report(
            int n,
            int c,
            FusedCrossEntropy.Options options,
            List<String> names,
            double[][][] measured) {
        double[][] time = measured[0];
        double[][] faults = measured[1];
        int rounds = time[0].length;
        for (int k = 0; k < names.size(); k++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = time[k][r] / time[0][r];
            }
            Arrays.sort(ratio);
            System.out.printf(
                    Locale.ROOT,
                    "| %dx%d | %s | %s | %.4g | %.2f (%.2f-%.2f) | %.1f |%n",
                    n,
                    c,
                    options,
                    names.get(k),
                    InterleavedFused.median(time[k]),
                    ratio[rounds / 2],
                    ratio[0],
                    ratio[rounds - 1],
                    InterleavedFused.median(faults[k]));
        }
    }

    private static Loss load(Path classes, FusedCrossEntropy.Options options, float[] weight)
            throws ReflectiveOperationException {
        ClassLoader loader = new BuildFirstLoader(classes);
        Class<?> lossClass = loader.loadClass("io.github.tempered.loss.CrossEntropyLoss");
        Object builder = lossClass.getMethod("builder").invoke(null);
        Class<?> type = builder.getClass();
        if (options != FusedCrossEntropy.Options.PLAIN) {
            type.getMethod("optLabelSmoothing", float.class).invoke(builder, 0.1f);
            type.getMethod("optIgnoreIndex", long.class)
                    .invoke(builder, CrossEntropyInputs.IGNORE_INDEX);
        }
        if (options == FusedCrossEntropy.Options.ALL_OPTIONS) {
            type.getMethod("optWeight", float[].class).invoke(builder, (Object) weight);
            type.getMethod("optTemperature", float.class).invoke(builder, 1.5f);
        }
        return (Loss) type.getMethod("build").invoke(builder);
    }

    private static long minorFaults() {
        try {
            String stat = Files.readString(Paths.get("/proc/self/stat"));
            // Field 10 (minflt), counted after the command name in parentheses.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[7]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads Tempered's classes from one build directory before the parent's copies. */
    private static final class BuildFirstLoader extends URLClassLoader {

        BuildFirstLoader(Path classes) {
            super(new URL[] {url(classes)}, InterleavedBuilds.class.getClassLoader());
        }

        private static URL url(Path classes) {
            try {
                return classes.toUri().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("classes: not a directory URL: " + classes, e);
            }
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("io.github.tempered.") || name.contains(".benchmarks.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null) {
                    try {
                        loaded = findClass(name);
                    } catch (ClassNotFoundException e) {
                        loaded = super.loadClass(name, false);
                    }
                }
                if (resolve) {
                    resolveClass(loaded);
                }
                return loaded;
            }
        }
    }
}
